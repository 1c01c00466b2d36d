import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { type ChunkId } from "../geometry/chunk.ts";
import { type ArtifactKind, ARTIFACT_KINDS } from "../geometry/keys.ts";
import {
  type CatalogFixture,
  coverageOf,
  freezeChunkArtifacts,
  freezeIndexCoverage,
  openCatalogFixture,
  removeCatalogFixture,
  writeArtifactFiles,
  writeIndexFile,
} from "../../test/support/catalog_fixture.ts";
import { artifactState, chunkArtifactEntries } from "./artifact_reads.ts";
import { coverageState } from "./coverage_reads.ts";
import { SWEEP_REFS_PER_BATCH_MAX, SweepError, sweepChunkArtifacts, sweepIndexKey } from "./sweeps.ts";
import { markIndexFreezing } from "./write_protocol.ts";
import { writeSynced } from "./_store.ts";

let fixture: CatalogFixture;
beforeEach(() => {
  fixture = openCatalogFixture({ chunksPerWindow: 4 });
});
afterEach(() => {
  removeCatalogFixture(fixture);
});

const c = (id: number) => id as ChunkId;

test("sweepChunkArtifacts() removes the files and keys of frozen ledgers and events", () => {
  freezeChunkArtifacts(fixture.catalog, c(3), ["ledgers", "events", "txhash"]);
  sweepChunkArtifacts(fixture.catalog, [
    { chunkId: c(3), kind: "ledgers" },
    { chunkId: c(3), kind: "events" },
  ]);
  for (const kind of ["ledgers", "events"] as ArtifactKind[]) {
    expect(artifactState(fixture.catalog, { chunkId: c(3), kind })).toBeUndefined();
    for (const path of fixture.layout.artifactPaths(c(3), kind)) expect(existsSync(path)).toBe(false);
  }
  expect(artifactState(fixture.catalog, { chunkId: c(3), kind: "txhash" })).toBe("frozen");
  expect(existsSync(fixture.layout.txhashRunPath(c(3)))).toBe(true);
});

test("sweepChunkArtifacts() deletes a pruning key whose files are already gone", () => {
  writeSynced(fixture.catalog, [{ key: "chunk:00000003:events", value: "pruning" }]);
  sweepChunkArtifacts(fixture.catalog, [{ chunkId: c(3), kind: "events" }]);
  expect(artifactState(fixture.catalog, { chunkId: c(3), kind: "events" })).toBeUndefined();
});

test("sweepChunkArtifacts() removes freezing debris and a partially written events segment", () => {
  writeSynced(fixture.catalog, [{ key: "chunk:00000006:events", value: "freezing" }]);
  const [eventsPack] = writeArtifactFiles(fixture.layout, c(6), "events");
  rmSync(fixture.layout.eventsPaths(c(6)).indexHash);
  sweepChunkArtifacts(fixture.catalog, [{ chunkId: c(6), kind: "events" }]);
  expect(existsSync(eventsPack!)).toBe(false);
  expect(chunkArtifactEntries(fixture.catalog)).toEqual([]);
});

test("sweepChunkArtifacts() of no refs is a no-op", () => {
  freezeChunkArtifacts(fixture.catalog, c(1), ["ledgers"]);
  sweepChunkArtifacts(fixture.catalog, []);
  expect(artifactState(fixture.catalog, { chunkId: c(1), kind: "ledgers" })).toBe("frozen");
});

test("sweepChunkArtifacts() sweeps a repeated ref once", () => {
  freezeChunkArtifacts(fixture.catalog, c(1), ["ledgers"]);
  sweepChunkArtifacts(fixture.catalog, [
    { chunkId: c(1), kind: "ledgers" },
    { chunkId: c(1), kind: "ledgers" },
  ]);
  expect(artifactState(fixture.catalog, { chunkId: c(1), kind: "ledgers" })).toBeUndefined();
});

test("sweepChunkArtifacts() sweeps more refs than one batch holds", () => {
  const chunkCount = Math.ceil((SWEEP_REFS_PER_BATCH_MAX + 1) / ARTIFACT_KINDS.length);
  const refs = [];
  for (let chunkId = 0; chunkId < chunkCount; chunkId++) {
    for (const kind of ARTIFACT_KINDS) refs.push({ chunkId: c(chunkId), kind });
  }
  writeSynced(fixture.catalog, refs.map((ref) => ({ key: `chunk:${String(ref.chunkId).padStart(8, "0")}:${ref.kind}`, value: "pruning" })));
  sweepChunkArtifacts(fixture.catalog, refs);
  expect(chunkArtifactEntries(fixture.catalog)).toEqual([]);
});

test("sweepChunkArtifacts() keeps a demoted key when a file cannot be deleted", () => {
  freezeChunkArtifacts(fixture.catalog, c(2), ["ledgers"]);
  const packPath = fixture.layout.ledgerPackPath(c(2));
  rmSync(packPath);
  mkdirSync(packPath); // unlink(2) of a directory fails with EISDIR, not ENOENT
  expect(() => sweepChunkArtifacts(fixture.catalog, [{ chunkId: c(2), kind: "ledgers" }])).toThrow(SweepError);
  expect(() => sweepChunkArtifacts(fixture.catalog, [{ chunkId: c(2), kind: "ledgers" }])).toThrow(/chunk:00000002:ledgers/);
  expect(artifactState(fixture.catalog, { chunkId: c(2), kind: "ledgers" })).toBe("pruning");
});

test("sweepIndexKey() removes a frozen coverage's .idx, its key and the emptied window dir", () => {
  const coverage = coverageOf(1, 4, 7);
  freezeIndexCoverage(fixture.catalog, coverage);
  sweepIndexKey(fixture.catalog, coverage);
  expect(coverageState(fixture.catalog, coverage)).toBeUndefined();
  expect(existsSync(fixture.layout.indexPath(coverage))).toBe(false);
  expect(existsSync(fixture.layout.indexWindowDir(coverage.windowId))).toBe(false);
});

test("sweepIndexKey() removes freezing debris and keeps a window dir that still holds a file", () => {
  const kept = coverageOf(1, 4, 5);
  freezeIndexCoverage(fixture.catalog, kept);
  const debris = coverageOf(1, 4, 6);
  markIndexFreezing(fixture.catalog, debris);
  writeIndexFile(fixture.layout, debris);
  sweepIndexKey(fixture.catalog, debris);
  expect(coverageState(fixture.catalog, debris)).toBeUndefined();
  expect(existsSync(fixture.layout.indexPath(debris))).toBe(false);
  expect(existsSync(fixture.layout.indexPath(kept))).toBe(true);
});

test("sweepIndexKey() deletes a pruning key whose .idx and window dir are already gone", () => {
  const coverage = coverageOf(2, 8, 9);
  writeSynced(fixture.catalog, [{ key: "index:00000002:00000008:00000009", value: "pruning" }]);
  sweepIndexKey(fixture.catalog, coverage);
  expect(coverageState(fixture.catalog, coverage)).toBeUndefined();
});
