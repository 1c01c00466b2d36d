import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { sweepWindow } from "../catalog/window_sweep.ts";
import { markChunkFreezing, markIndexFreezing } from "../catalog/write_protocol.ts";
import { SWEEP_REFS_PER_BATCH_MAX } from "../catalog/sweeps.ts";
import { type ChunkId, type WindowId } from "../geometry/chunk.ts";
import { ARTIFACT_KINDS, chunkKey, indexKey } from "../geometry/keys.ts";
import { catalogSnapshot, lakeOptionsOf } from "../../test/support/backfill_fixture.ts";
import {
  coverageOf,
  freezeChunkArtifacts,
  freezeIndexCoverage,
  removeCatalogFixture,
  writeArtifactFiles,
} from "../../test/support/catalog_fixture.ts";
import { createPlainHotDb, settleWindows, type LifecycleFixture, openLifecycleFixture } from "../../test/support/lifecycle_fixture.ts";
import { deriveLifecycleSnapshot } from "./lifecycle_snapshot.ts";
import { type PruneOp, pruneScan, runPruneOp } from "./prune_scan.ts";

const NO_LAKE = lakeOptionsOf("/nonexistent/lake");

let fixture: LifecycleFixture | undefined;
afterEach(() => {
  if (fixture !== undefined) removeCatalogFixture(fixture);
  fixture = undefined;
});

function open(options: { chunksPerWindow: number; retentionChunks?: number }): LifecycleFixture {
  fixture = openLifecycleFixture({ lake: NO_LAKE, ...options });
  return fixture;
}

const chunk = (chunkId: number): ChunkId => chunkId as ChunkId;

function scan(target: LifecycleFixture): PruneOp[] {
  return pruneScan(target.catalog, deriveLifecycleSnapshot(target.catalog, target.deps.policy));
}

/** Each op as one line: `index:… reason` or `chunk:… reason` per ref (refs of one batch in order). */
function describeOps(ops: readonly PruneOp[]): string[] {
  return ops.flatMap((op) =>
    op.kind === "index" ? [`${indexKey(op.coverage)} ${op.reason}`] : op.refs.map((ref) => `${chunkKey(ref.chunkId, ref.kind)} ${ref.reason}`),
  );
}

describe("pruneScan()", () => {
  test("pruneScan() of a settled store within retention is empty", () => {
    const target = open({ chunksPerWindow: 2 });
    settleWindows(target.catalog, [0, 1]);
    createPlainHotDb(target.catalog, chunk(4));
    expect(scan(target)).toEqual([]);
  });

  test("pruneScan() sweeps freezing and pruning coverages and pruning refs within retention, index ops first, and keeps the frozen coverage", () => {
    const target = open({ chunksPerWindow: 2 });
    for (const chunkId of [0, 1]) freezeChunkArtifacts(target.catalog, chunk(chunkId), [...ARTIFACT_KINDS]);
    freezeIndexCoverage(target.catalog, coverageOf(0, 0, 0));
    freezeIndexCoverage(target.catalog, coverageOf(0, 0, 1)); // [0,0] → pruning; terminal: both .bins → pruning
    markIndexFreezing(target.catalog, coverageOf(0, 1, 1)); // a build that crashed before its commit
    createPlainHotDb(target.catalog, chunk(2));
    expect(describeOps(scan(target))).toEqual([
      "index:00000000:00000000:00000000 debris",
      "index:00000000:00000001:00000001 debris",
      "chunk:00000000:txhash debris",
      "chunk:00000001:txhash debris",
    ]);
  });

  test("pruneScan() leaves a freezing chunk artifact within retention to the next freeze stage", () => {
    const target = open({ chunksPerWindow: 2 });
    settleWindows(target.catalog, [0]);
    markChunkFreezing(target.catalog, { chunkId: chunk(2), kinds: ["ledgers", "events"] });
    createPlainHotDb(target.catalog, chunk(3));
    expect(scan(target)).toEqual([]);
  });

  test("pruneScan() after retention shortening selects exactly what is below the floor; a window straddling the floor keeps its index", () => {
    const target = open({ chunksPerWindow: 2, retentionChunks: 3 });
    settleWindows(target.catalog, [0, 1, 2]); // chunks 0..5
    markChunkFreezing(target.catalog, { chunkId: chunk(2), kinds: ["txhash"] }); // a stray below the floor, any state
    createPlainHotDb(target.catalog, chunk(6)); // live; floor = 5 − 3 + 1 = chunk 3
    expect(describeOps(scan(target))).toEqual([
      "index:00000000:00000000:00000001 below_floor",
      "chunk:00000000:ledgers below_floor",
      "chunk:00000000:events below_floor",
      "chunk:00000001:ledgers below_floor",
      "chunk:00000001:events below_floor",
      "chunk:00000002:ledgers below_floor",
      "chunk:00000002:events below_floor",
      "chunk:00000002:txhash below_floor",
    ]);
  });

  test("pruneScan() sweeps a .bin inside its window's terminal coverage, frozen or freezing, but not one below the coverage nor in an open window", () => {
    const target = open({ chunksPerWindow: 4 });
    for (const chunkId of [1, 2, 3]) freezeChunkArtifacts(target.catalog, chunk(chunkId), [...ARTIFACT_KINDS]);
    freezeIndexCoverage(target.catalog, coverageOf(0, 1, 3));
    sweepWindow(target.catalog, 0 as WindowId);
    // Left by a widening to [0, 3] that crashed before its commit:
    freezeChunkArtifacts(target.catalog, chunk(0), [...ARTIFACT_KINDS]);
    freezeChunkArtifacts(target.catalog, chunk(2), ["txhash"]);
    markChunkFreezing(target.catalog, { chunkId: chunk(3), kinds: ["txhash"] });
    // An open window: its .bin is the next rebuild's input.
    freezeChunkArtifacts(target.catalog, chunk(4), [...ARTIFACT_KINDS]);
    freezeIndexCoverage(target.catalog, coverageOf(1, 4, 4));
    createPlainHotDb(target.catalog, chunk(5));
    expect(describeOps(scan(target))).toEqual(["chunk:00000002:txhash finalized", "chunk:00000003:txhash finalized"]);
  });

  test("pruneScan() splits chunk refs into ops of at most SWEEP_REFS_PER_BATCH_MAX", () => {
    const target = open({ chunksPerWindow: 1000, retentionChunks: 1 });
    const belowFloorChunkCount = Math.ceil((SWEEP_REFS_PER_BATCH_MAX + 1) / 2);
    for (let chunkId = 0; chunkId < belowFloorChunkCount; chunkId++) {
      markChunkFreezing(target.catalog, { chunkId: chunk(chunkId), kinds: ["ledgers", "events"] });
    }
    createPlainHotDb(target.catalog, chunk(belowFloorChunkCount + 1));
    const ops = scan(target);
    expect(ops.map((op) => (op.kind === "chunks" ? op.refs.length : -1))).toEqual([SWEEP_REFS_PER_BATCH_MAX, belowFloorChunkCount * 2 - SWEEP_REFS_PER_BATCH_MAX]);
  });
});

describe("runPruneOp()", () => {
  test("runPruneOp() deletes every selected file and key and nothing else", () => {
    const target = open({ chunksPerWindow: 2, retentionChunks: 2 });
    settleWindows(target.catalog, [0, 1]); // chunks 0..3; floor = chunk 2
    markIndexFreezing(target.catalog, coverageOf(1, 2, 2)); // debris next to the frozen [2,3]
    writeArtifactFiles(target.layout, chunk(0), "txhash"); // a stray .bin with no key: not ours to delete
    createPlainHotDb(target.catalog, chunk(4));
    for (const op of scan(target)) runPruneOp(target.catalog, op);
    expect(catalogSnapshot(target.catalog)).toEqual({
      "chunk:00000002:ledgers": "frozen",
      "chunk:00000002:events": "frozen",
      "chunk:00000003:ledgers": "frozen",
      "chunk:00000003:events": "frozen",
      "index:00000001:00000002:00000003": "frozen",
      "hot:chunk:00000004": "ready",
    });
    expect(existsSync(target.layout.ledgerPackPath(chunk(1)))).toBe(false);
    expect(existsSync(target.layout.eventsPaths(chunk(0)).indexHash)).toBe(false);
    expect(existsSync(target.layout.indexPath(coverageOf(0, 0, 1)))).toBe(false);
    expect(existsSync(target.layout.ledgerPackPath(chunk(2)))).toBe(true);
    expect(existsSync(target.layout.indexPath(coverageOf(1, 2, 3)))).toBe(true);
    expect(existsSync(target.layout.txhashRunPath(chunk(0)))).toBe(true);
  });
});
