import { afterEach, beforeEach, expect, test } from "bun:test";
import { type ChunkId } from "../geometry/chunk.ts";
import { CatalogKeyError } from "../geometry/keys.ts";
import { type CatalogFixture, openCatalogFixture, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import { artifactState, chunkArtifactEntries, compareArtifactRefs } from "./artifact_reads.ts";
import { writeSynced } from "./_store.ts";

let fixture: CatalogFixture;
beforeEach(() => {
  fixture = openCatalogFixture();
});
afterEach(() => {
  removeCatalogFixture(fixture);
});

const c = (id: number) => id as ChunkId;

test("artifactState() of a missing key is undefined, not an error", () => {
  expect(artifactState(fixture.catalog, { chunkId: c(3), kind: "ledgers" })).toBeUndefined();
});

test("artifactState() reads each state", () => {
  writeSynced(fixture.catalog, [
    { key: "chunk:00000003:ledgers", value: "freezing" },
    { key: "chunk:00000003:events", value: "frozen" },
    { key: "chunk:00000003:txhash", value: "pruning" },
  ]);
  expect(artifactState(fixture.catalog, { chunkId: c(3), kind: "ledgers" })).toBe("freezing");
  expect(artifactState(fixture.catalog, { chunkId: c(3), kind: "events" })).toBe("frozen");
  expect(artifactState(fixture.catalog, { chunkId: c(3), kind: "txhash" })).toBe("pruning");
});

test("artifactState() rejects a value that is not a state", () => {
  writeSynced(fixture.catalog, [{ key: "chunk:00000003:ledgers", value: "done" }]);
  expect(() => artifactState(fixture.catalog, { chunkId: c(3), kind: "ledgers" })).toThrow(CatalogKeyError);
});

test("chunkArtifactEntries() returns every chunk key parsed and sorted by chunk then kind order", () => {
  writeSynced(fixture.catalog, [
    { key: "chunk:00001000:txhash", value: "frozen" },
    { key: "chunk:00000009:events", value: "freezing" },
    { key: "chunk:00000009:ledgers", value: "frozen" },
    { key: "chunk:00000009:txhash", value: "pruning" },
    { key: "chunk:00000002:events", value: "frozen" },
    { key: "hot:chunk:00000001", value: "ready" },
    { key: "index:00000000:00000000:00000001", value: "frozen" },
  ]);
  expect(chunkArtifactEntries(fixture.catalog)).toEqual([
    { chunkId: c(2), kind: "events", state: "frozen" },
    { chunkId: c(9), kind: "ledgers", state: "frozen" },
    { chunkId: c(9), kind: "events", state: "freezing" },
    { chunkId: c(9), kind: "txhash", state: "pruning" },
    { chunkId: c(1000), kind: "txhash", state: "frozen" },
  ]);
});

test("chunkArtifactEntries() with a range returns only chunks in [lo, hi]", () => {
  writeSynced(fixture.catalog, [
    { key: "chunk:00000009:txhash", value: "frozen" },
    { key: "chunk:00000010:ledgers", value: "frozen" },
    { key: "chunk:00000019:txhash", value: "frozen" },
    { key: "chunk:00000020:events", value: "frozen" },
    { key: "chunk:00000100:ledgers", value: "frozen" },
  ]);
  const found = chunkArtifactEntries(fixture.catalog, { lo: c(10), hi: c(19) }).map((entry) => entry.chunkId);
  expect(found).toEqual([c(10), c(19)]);
});

test("chunkArtifactEntries() of an empty catalog is empty", () => {
  expect(chunkArtifactEntries(fixture.catalog)).toEqual([]);
});

test.each(["chunk:0000003:ledgers", "chunk:00000003:blocks", "chunk:00000003", "chunk:abcdefgh:events"])(
  "chunkArtifactEntries() throws on the malformed key %p instead of skipping it",
  (key) => {
    writeSynced(fixture.catalog, [
      { key: "chunk:00000001:ledgers", value: "frozen" },
      { key, value: "frozen" },
    ]);
    expect(() => chunkArtifactEntries(fixture.catalog)).toThrow(CatalogKeyError);
  },
);

test("chunkArtifactEntries() throws on a malformed value", () => {
  writeSynced(fixture.catalog, [{ key: "chunk:00000001:ledgers", value: "FROZEN" }]);
  expect(() => chunkArtifactEntries(fixture.catalog)).toThrow(CatalogKeyError);
});

test("compareArtifactRefs() orders kinds ledgers, events, txhash within a chunk", () => {
  const refs = [
    { chunkId: c(1), kind: "txhash" as const },
    { chunkId: c(1), kind: "ledgers" as const },
    { chunkId: c(0), kind: "txhash" as const },
    { chunkId: c(1), kind: "events" as const },
  ];
  expect(refs.sort(compareArtifactRefs).map((ref) => `${ref.chunkId}:${ref.kind}`)).toEqual(["0:txhash", "1:ledgers", "1:events", "1:txhash"]);
});
