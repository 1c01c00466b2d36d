import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { type ChunkId } from "../geometry/chunk.ts";
import {
  type CatalogFixture,
  coverageOf,
  freezeChunkArtifacts,
  freezeIndexCoverage,
  openCatalogFixture,
  removeCatalogFixture,
  writeIndexFile,
} from "../../test/support/catalog_fixture.ts";
import { artifactState, chunkArtifactEntries } from "./artifact_reads.ts";
import { frozenCoverage, windowCoverages } from "./coverage_reads.ts";
import { sweepWindow } from "./window_sweep.ts";
import { barrierIndexFile, commitIndex, createIndexDir, markIndexFreezing } from "./write_protocol.ts";
import { writeSynced } from "./_store.ts";

let fixture: CatalogFixture;
beforeEach(() => {
  fixture = openCatalogFixture({ chunksPerWindow: 4 });
});
afterEach(() => {
  removeCatalogFixture(fixture);
});

const c = (id: number) => id as ChunkId;

function buildThenSweep(lo: number, hi: number): void {
  const coverage = coverageOf(Math.floor(lo / 4), lo, hi);
  if (frozenCoverage(fixture.catalog, coverage.windowId)?.hi === hi) return; // §5.3 step 1
  freezeIndexCoverage(fixture.catalog, coverage);
  sweepWindow(fixture.catalog, coverage.windowId);
}

test("sweepWindow() after each rolling commit leaves exactly one coverage key and one .idx", () => {
  for (let chunkId = 4; chunkId <= 7; chunkId++) freezeChunkArtifacts(fixture.catalog, c(chunkId), ["txhash"]);
  for (let hi = 4; hi <= 6; hi++) {
    buildThenSweep(4, hi);
    expect(windowCoverages(fixture.catalog, coverageOf(1, 4, hi).windowId)).toEqual([{ coverage: coverageOf(1, 4, hi), state: "frozen" }]);
    for (let otherHi = 4; otherHi < hi; otherHi++) expect(existsSync(fixture.layout.indexPath(coverageOf(1, 4, otherHi)))).toBe(false);
  }
  expect(chunkArtifactEntries(fixture.catalog).map((entry) => entry.state)).toEqual(["frozen", "frozen", "frozen", "frozen"]);
});

test("sweepWindow() after a terminal commit removes every txhash key and .bin of the window", () => {
  for (let chunkId = 0; chunkId <= 4; chunkId++) freezeChunkArtifacts(fixture.catalog, c(chunkId), ["txhash", "ledgers"]);
  buildThenSweep(0, 1);
  buildThenSweep(0, 3);
  for (let chunkId = 0; chunkId <= 3; chunkId++) {
    expect(artifactState(fixture.catalog, { chunkId: c(chunkId), kind: "txhash" })).toBeUndefined();
    expect(existsSync(fixture.layout.txhashRunPath(c(chunkId)))).toBe(false);
    expect(artifactState(fixture.catalog, { chunkId: c(chunkId), kind: "ledgers" })).toBe("frozen");
  }
  expect(artifactState(fixture.catalog, { chunkId: c(4), kind: "txhash" })).toBe("frozen");
  expect(windowCoverages(fixture.catalog, coverageOf(0, 0, 3).windowId)).toEqual([{ coverage: coverageOf(0, 0, 3), state: "frozen" }]);
  expect(existsSync(fixture.layout.indexPath(coverageOf(0, 0, 3)))).toBe(true);
});

test("crash matrix: after mark, before commit, a rebuild converges to one frozen coverage", () => {
  for (let chunkId = 0; chunkId <= 2; chunkId++) freezeChunkArtifacts(fixture.catalog, c(chunkId), ["txhash"]);
  buildThenSweep(0, 1);
  const widened = coverageOf(0, 0, 2);
  markIndexFreezing(fixture.catalog, widened);
  writeIndexFile(fixture.layout, widened); // partial or whole, it is debris until the commit
  // <crash>; restart re-plans [0, 2] because the frozen [0, 1] does not contain it.
  expect(frozenCoverage(fixture.catalog, widened.windowId)).toEqual(coverageOf(0, 0, 1));
  buildThenSweep(0, 2);
  expect(windowCoverages(fixture.catalog, widened.windowId)).toEqual([{ coverage: widened, state: "frozen" }]);
  expect(existsSync(fixture.layout.indexPath(coverageOf(0, 0, 1)))).toBe(false);
});

test("crash matrix: after commit, before sweep, the next sweepWindow() finishes the sweep", () => {
  for (let chunkId = 0; chunkId <= 3; chunkId++) freezeChunkArtifacts(fixture.catalog, c(chunkId), ["txhash"]);
  buildThenSweep(0, 2);
  const terminal = coverageOf(0, 0, 3);
  markIndexFreezing(fixture.catalog, terminal);
  createIndexDir(fixture.catalog, terminal);
  writeIndexFile(fixture.layout, terminal);
  barrierIndexFile(fixture.catalog, terminal);
  commitIndex(fixture.catalog, terminal);
  // <crash> before the sweep: the rescheduled build skips (step 1) but the sweep still runs.
  buildThenSweep(0, 3);
  sweepWindow(fixture.catalog, terminal.windowId);
  expect(windowCoverages(fixture.catalog, terminal.windowId)).toEqual([{ coverage: terminal, state: "frozen" }]);
  expect(chunkArtifactEntries(fixture.catalog)).toEqual([]);
  expect(existsSync(fixture.layout.indexPath(coverageOf(0, 0, 2)))).toBe(false);
});

test("crash matrix: a pruning key whose unlink was durable is swept again and disappears", () => {
  freezeChunkArtifacts(fixture.catalog, c(1), ["txhash"]);
  writeSynced(fixture.catalog, [
    { key: "chunk:00000001:txhash", value: "pruning" },
    { key: "index:00000000:00000000:00000001", value: "pruning" },
  ]);
  rmSync(fixture.layout.txhashRunPath(c(1))); // the unlink was durable; the .idx never existed
  sweepWindow(fixture.catalog, coverageOf(0, 0, 1).windowId);
  sweepWindow(fixture.catalog, coverageOf(0, 0, 1).windowId);
  expect(chunkArtifactEntries(fixture.catalog)).toEqual([]);
  expect(windowCoverages(fixture.catalog, coverageOf(0, 0, 1).windowId)).toEqual([]);
});

test("sweepWindow() leaves other windows' pruning keys alone", () => {
  writeSynced(fixture.catalog, [
    { key: "chunk:00000005:txhash", value: "pruning" },
    { key: "index:00000001:00000004:00000005", value: "pruning" },
  ]);
  sweepWindow(fixture.catalog, coverageOf(0, 0, 1).windowId);
  expect(artifactState(fixture.catalog, { chunkId: c(5), kind: "txhash" })).toBe("pruning");
  expect(windowCoverages(fixture.catalog, coverageOf(1, 4, 5).windowId)).toHaveLength(1);
});
