import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { InvariantError } from "../assert.ts";
import { type ChunkId } from "../geometry/chunk.ts";
import { ARTIFACT_KINDS, type ArtifactKind, chunkKey } from "../geometry/keys.ts";
import {
  type CatalogFixture,
  coverageOf,
  freezeChunkArtifacts,
  freezeIndexCoverage,
  hasExpectedBytes,
  openCatalogFixture,
  removeCatalogFixture,
  writeArtifactFiles,
  writeIndexFile,
} from "../../test/support/catalog_fixture.ts";
import { artifactState, chunkArtifactEntries } from "./artifact_reads.ts";
import { coverageState, frozenCoverage, windowCoverages } from "./coverage_reads.ts";
import { sweepIndexKey } from "./sweeps.ts";
import {
  barrierChunkArtifacts,
  barrierIndexFile,
  commitIndex,
  createChunkDirs,
  createIndexDir,
  flipChunkFrozen,
  kindsNotFrozen,
  markChunkFreezing,
  markIndexFreezing,
} from "./write_protocol.ts";
import { writeSynced } from "./_store.ts";

let fixture: CatalogFixture;
afterEach(() => {
  removeCatalogFixture(fixture);
});

const c = (id: number) => id as ChunkId;

describe("chunk protocol (§5.2)", () => {
  beforeEach(() => {
    fixture = openCatalogFixture();
  });

  test("markChunkFreezing() and flipChunkFrozen() reject zero kinds", () => {
    expect(() => markChunkFreezing(fixture.catalog, { chunkId: c(1), kinds: [] })).toThrow(InvariantError);
    expect(() => flipChunkFrozen(fixture.catalog, { chunkId: c(1), kinds: [] })).toThrow(InvariantError);
    expect(chunkArtifactEntries(fixture.catalog)).toEqual([]);
  });

  test("markChunkFreezing() rejects a repeated kind", () => {
    expect(() => markChunkFreezing(fixture.catalog, { chunkId: c(1), kinds: ["ledgers", "ledgers"] })).toThrow(InvariantError);
  });

  test("markChunkFreezing() marks every kind freezing", () => {
    markChunkFreezing(fixture.catalog, { chunkId: c(1), kinds: ["ledgers", "txhash"] });
    expect(chunkArtifactEntries(fixture.catalog)).toEqual([
      { chunkId: c(1), kind: "ledgers", state: "freezing" },
      { chunkId: c(1), kind: "txhash", state: "freezing" },
    ]);
  });

  test("markChunkFreezing() overwrites freezing debris but refuses a frozen kind", () => {
    freezeChunkArtifacts(fixture.catalog, c(1), ["ledgers"]);
    markChunkFreezing(fixture.catalog, { chunkId: c(1), kinds: ["events"] });
    markChunkFreezing(fixture.catalog, { chunkId: c(1), kinds: ["events"] });
    expect(() => markChunkFreezing(fixture.catalog, { chunkId: c(1), kinds: ["ledgers"] })).toThrow(InvariantError);
    expect(artifactState(fixture.catalog, { chunkId: c(1), kind: "ledgers" })).toBe("frozen");
  });

  test("the chunk protocol freezes every kind over fsynced files with the written bytes", () => {
    freezeChunkArtifacts(fixture.catalog, c(5350), ARTIFACT_KINDS);
    for (const kind of ARTIFACT_KINDS) {
      expect(artifactState(fixture.catalog, { chunkId: c(5350), kind })).toBe("frozen");
      for (const path of fixture.layout.artifactPaths(c(5350), kind)) expect(hasExpectedBytes(fixture.layout, path)).toBe(true);
    }
  });

  test("createChunkDirs() creates every bucket dir of the chunk and accepts them existing", () => {
    const artifacts = { chunkId: c(5350), kinds: ARTIFACT_KINDS };
    const bucketDirs = ["events/00005", "ledgers/00005", "txhashRaw/00005"].map((dir) => join(fixture.dataDir, dir));
    for (const dir of bucketDirs) expect(existsSync(dir)).toBe(false);
    createChunkDirs(fixture.catalog, artifacts);
    for (const dir of bucketDirs) expect(existsSync(dir)).toBe(true);
    createChunkDirs(fixture.catalog, artifacts);
    for (const dir of bucketDirs) expect(existsSync(dir)).toBe(true);
  });

  test("kindsNotFrozen() drops only the frozen kinds", () => {
    freezeChunkArtifacts(fixture.catalog, c(2), ["events"]);
    markChunkFreezing(fixture.catalog, { chunkId: c(2), kinds: ["txhash"] });
    expect(kindsNotFrozen(fixture.catalog, { chunkId: c(2), kinds: ARTIFACT_KINDS })).toEqual(["ledgers", "txhash"]);
  });

  test("flipChunkFrozen() refuses a key that was never marked", () => {
    writeArtifactFiles(fixture.layout, c(3), "ledgers");
    expect(() => flipChunkFrozen(fixture.catalog, { chunkId: c(3), kinds: ["ledgers"] })).toThrow(InvariantError);
    expect(artifactState(fixture.catalog, { chunkId: c(3), kind: "ledgers" })).toBeUndefined();
  });

  test("flipChunkFrozen() refuses to freeze over a missing file and leaves every key freezing", () => {
    const artifacts = { chunkId: c(3), kinds: ["ledgers", "events"] as ArtifactKind[] };
    markChunkFreezing(fixture.catalog, artifacts);
    writeArtifactFiles(fixture.layout, c(3), "ledgers");
    writeArtifactFiles(fixture.layout, c(3), "events");
    rmSync(fixture.layout.eventsPaths(c(3)).indexHash);
    expect(() => flipChunkFrozen(fixture.catalog, artifacts)).toThrow(/index\.hash" is missing/);
    expect(artifactState(fixture.catalog, { chunkId: c(3), kind: "ledgers" })).toBe("freezing");
    expect(artifactState(fixture.catalog, { chunkId: c(3), kind: "events" })).toBe("freezing");
  });

  test("barrierChunkArtifacts() fails on a file the writer never produced", () => {
    const artifacts = { chunkId: c(3), kinds: ["txhash"] as ArtifactKind[] };
    markChunkFreezing(fixture.catalog, artifacts);
    createChunkDirs(fixture.catalog, artifacts);
    expect(() => barrierChunkArtifacts(fixture.catalog, artifacts)).toThrow(/ENOENT/);
  });

  test("a crash after the barrier and before the flip leaves every written file reachable from a freezing key", () => {
    const artifacts = { chunkId: c(8), kinds: ARTIFACT_KINDS };
    markChunkFreezing(fixture.catalog, artifacts);
    createChunkDirs(fixture.catalog, artifacts);
    for (const kind of ARTIFACT_KINDS) writeArtifactFiles(fixture.layout, c(8), kind);
    barrierChunkArtifacts(fixture.catalog, artifacts);
    // <crash>: no flip. Every file maps back (layout.keyOfPath) to a key that is freezing (INV-3).
    const states = new Map(chunkArtifactEntries(fixture.catalog).map((entry) => [chunkKey(entry.chunkId, entry.kind), entry.state]));
    const rootOfKind = { ledgers: "ledgers", events: "events", txhash: "txhashRaw" } as const;
    for (const kind of ARTIFACT_KINDS) {
      const root = rootOfKind[kind];
      for (const path of fixture.layout.artifactPaths(c(8), kind)) {
        const key = fixture.layout.keyOfPath(root, relative(fixture.layout.roots[root], path));
        expect(key).toBe(chunkKey(c(8), kind));
        expect(states.get(chunkKey(c(8), kind))).toBe("freezing");
      }
    }
  });
});

describe("index protocol (§5.3)", () => {
  beforeEach(() => {
    fixture = openCatalogFixture();
  });

  test("commitIndex() promotes the new coverage and demotes its predecessor in one batch", () => {
    freezeIndexCoverage(fixture.catalog, coverageOf(5, 5100, 5349));
    freezeIndexCoverage(fixture.catalog, coverageOf(5, 5100, 5350));
    expect(windowCoverages(fixture.catalog, coverageOf(5, 5100, 5350).windowId)).toEqual([
      { coverage: coverageOf(5, 5100, 5349), state: "pruning" },
      { coverage: coverageOf(5, 5100, 5350), state: "frozen" },
    ]);
    expect(frozenCoverage(fixture.catalog, coverageOf(5, 5100, 5350).windowId)).toEqual(coverageOf(5, 5100, 5350));
  });

  test("commitIndex() on a terminal coverage demotes every present txhash key and no other kind", () => {
    for (const chunkId of [0, 1, 500, 999]) freezeChunkArtifacts(fixture.catalog, c(chunkId), ["txhash"]);
    freezeChunkArtifacts(fixture.catalog, c(500), ["ledgers"]);
    freezeIndexCoverage(fixture.catalog, coverageOf(0, 0, 999));
    for (const chunkId of [0, 1, 500, 999]) {
      expect(artifactState(fixture.catalog, { chunkId: c(chunkId), kind: "txhash" })).toBe("pruning");
    }
    expect(artifactState(fixture.catalog, { chunkId: c(500), kind: "ledgers" })).toBe("frozen");
    expect(artifactState(fixture.catalog, { chunkId: c(2), kind: "txhash" })).toBeUndefined();
  });

  test("commitIndex() on a non-terminal coverage leaves txhash keys frozen", () => {
    for (const chunkId of [0, 5]) freezeChunkArtifacts(fixture.catalog, c(chunkId), ["txhash"]);
    freezeIndexCoverage(fixture.catalog, coverageOf(0, 0, 5));
    expect(artifactState(fixture.catalog, { chunkId: c(0), kind: "txhash" })).toBe("frozen");
    expect(artifactState(fixture.catalog, { chunkId: c(5), kind: "txhash" })).toBe("frozen");
  });

  test("commitIndex() on a terminal coverage demotes only txhash keys inside [lo, hi]", () => {
    for (const chunkId of [5100, 5200, 5500, 5999]) freezeChunkArtifacts(fixture.catalog, c(chunkId), ["txhash"]);
    freezeIndexCoverage(fixture.catalog, coverageOf(5, 5500, 5999));
    expect(artifactState(fixture.catalog, { chunkId: c(5500), kind: "txhash" })).toBe("pruning");
    expect(artifactState(fixture.catalog, { chunkId: c(5999), kind: "txhash" })).toBe("pruning");
    expect(artifactState(fixture.catalog, { chunkId: c(5100), kind: "txhash" })).toBe("frozen");
    expect(artifactState(fixture.catalog, { chunkId: c(5200), kind: "txhash" })).toBe("frozen");
  });

  test("commitIndex() re-committing the frozen coverage leaves exactly one key, frozen", () => {
    const coverage = coverageOf(5, 5100, 5350);
    freezeIndexCoverage(fixture.catalog, coverage);
    commitIndex(fixture.catalog, coverage);
    expect(windowCoverages(fixture.catalog, coverage.windowId)).toEqual([{ coverage, state: "frozen" }]);
  });

  test("commitIndex() refuses a coverage that was never marked", () => {
    const coverage = coverageOf(5, 5100, 5350);
    writeIndexFile(fixture.layout, coverage);
    expect(() => commitIndex(fixture.catalog, coverage)).toThrow(InvariantError);
    expect(coverageState(fixture.catalog, coverage)).toBeUndefined();
  });

  test("commitIndex() refuses to freeze a coverage whose .idx is missing", () => {
    const coverage = coverageOf(5, 5100, 5350);
    markIndexFreezing(fixture.catalog, coverage);
    expect(() => commitIndex(fixture.catalog, coverage)).toThrow(/\.idx" is missing/);
    expect(coverageState(fixture.catalog, coverage)).toBe("freezing");
  });

  test("markIndexFreezing() refuses the frozen coverage itself", () => {
    const coverage = coverageOf(5, 5100, 5350);
    freezeIndexCoverage(fixture.catalog, coverage);
    expect(() => markIndexFreezing(fixture.catalog, coverage)).toThrow(InvariantError);
    expect(coverageState(fixture.catalog, coverage)).toBe("frozen");
  });

  test("commitIndex() returns the writes of its one batch", () => {
    freezeIndexCoverage(fixture.catalog, coverageOf(5, 5100, 5349));
    const coverage = coverageOf(5, 5100, 5350);
    markIndexFreezing(fixture.catalog, coverage);
    createIndexDir(fixture.catalog, coverage);
    writeIndexFile(fixture.layout, coverage);
    barrierIndexFile(fixture.catalog, coverage);
    expect(commitIndex(fixture.catalog, coverage)).toEqual([
      { key: "index:00000005:00005100:00005350", value: "frozen" },
      { key: "index:00000005:00005100:00005349", value: "pruning" },
    ]);
  });

  test("createIndexDir() creates a missing window dir and accepts it existing", () => {
    const coverage = coverageOf(5, 5100, 5350);
    const windowDir = fixture.layout.indexWindowDir(coverage.windowId);
    expect(existsSync(windowDir)).toBe(false);
    createIndexDir(fixture.catalog, coverage);
    expect(existsSync(windowDir)).toBe(true);
    createIndexDir(fixture.catalog, coverage);
    expect(existsSync(windowDir)).toBe(true);
  });

  test("a crash after the index barrier and before the commit leaves debris that sweepIndexKey() removes", () => {
    freezeIndexCoverage(fixture.catalog, coverageOf(5, 5100, 5349));
    const debris = coverageOf(5, 5100, 5350);
    markIndexFreezing(fixture.catalog, debris);
    createIndexDir(fixture.catalog, debris);
    const idxPath = writeIndexFile(fixture.layout, debris);
    barrierIndexFile(fixture.catalog, debris);
    // <crash>: the old coverage still serves; the debris file is reachable from a freezing key.
    expect(frozenCoverage(fixture.catalog, debris.windowId)).toEqual(coverageOf(5, 5100, 5349));
    expect(coverageState(fixture.catalog, debris)).toBe("freezing");
    sweepIndexKey(fixture.catalog, debris);
    expect(existsSync(idxPath)).toBe(false);
    expect(coverageState(fixture.catalog, debris)).toBeUndefined();
    expect(existsSync(fixture.layout.indexPath(coverageOf(5, 5100, 5349)))).toBe(true);
  });

  test("commitIndex() with two frozen coverages already in the window throws INV-2 and writes nothing", () => {
    const coverage = coverageOf(5, 5100, 5350);
    writeSynced(fixture.catalog, [
      { key: "index:00000005:00005000:00005100", value: "frozen" },
      { key: "index:00000005:00005000:00005200", value: "frozen" },
    ]);
    markIndexFreezing(fixture.catalog, coverage);
    writeIndexFile(fixture.layout, coverage);
    expect(() => commitIndex(fixture.catalog, coverage)).toThrow(InvariantError);
    expect(coverageState(fixture.catalog, coverage)).toBe("freezing");
  });
});
