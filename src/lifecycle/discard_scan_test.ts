import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { openHotDbForChunk } from "../catalog/hot_bracket.ts";
import { hotState } from "../catalog/hot_reads.ts";
import { markChunkFreezing } from "../catalog/write_protocol.ts";
import { FullhistoryError } from "../errors.ts";
import { type ChunkId, type LedgerSeq, chunkFirstLedger } from "../geometry/chunk.ts";
import { lakeOptionsOf } from "../../test/support/backfill_fixture.ts";
import { coverageOf, freezeChunkArtifacts, freezeIndexCoverage, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import { createPlainHotDb, type LifecycleFixture, openLifecycleFixture } from "../../test/support/lifecycle_fixture.ts";
import { discardScan, runDiscardOp } from "./discard_scan.ts";
import { deriveLifecycleSnapshot } from "./lifecycle_snapshot.ts";

const NO_LAKE = lakeOptionsOf("/nonexistent/lake");

let fixture: LifecycleFixture | undefined;
afterEach(() => {
  if (fixture !== undefined) removeCatalogFixture(fixture);
  fixture = undefined;
});

function open(options: { chunksPerWindow: number; retentionChunks?: number; earliestLedgerSeq?: LedgerSeq }): LifecycleFixture {
  fixture = openLifecycleFixture({ lake: NO_LAKE, ...options });
  return fixture;
}

function scan(target: LifecycleFixture): { chunkId: number; reason: string }[] {
  return discardScan(target.catalog, deriveLifecycleSnapshot(target.catalog, target.deps.policy)).map((op) => ({ chunkId: op.chunkId, reason: op.reason }));
}

const chunk = (chunkId: number): ChunkId => chunkId as ChunkId;

describe("discardScan()", () => {
  test("discardScan() keeps a frozen chunk's hot DB until a frozen coverage of its window contains it (window of 2)", () => {
    const target = open({ chunksPerWindow: 2 });
    freezeChunkArtifacts(target.catalog, chunk(0), ["ledgers", "events", "txhash"]);
    createPlainHotDb(target.catalog, chunk(0));
    createPlainHotDb(target.catalog, chunk(1)); // live
    expect(scan(target)).toEqual([]);
    freezeIndexCoverage(target.catalog, coverageOf(0, 0, 0));
    expect(scan(target)).toEqual([{ chunkId: 0, reason: "served_by_cold" }]);
  });

  test("discardScan() keeps a covered chunk's hot DB while its ledgers or events are not frozen", () => {
    const target = open({ chunksPerWindow: 1 });
    freezeChunkArtifacts(target.catalog, chunk(0), ["ledgers", "txhash"]);
    freezeIndexCoverage(target.catalog, coverageOf(0, 0, 0));
    markChunkFreezing(target.catalog, { chunkId: chunk(0), kinds: ["events"] });
    createPlainHotDb(target.catalog, chunk(0));
    createPlainHotDb(target.catalog, chunk(1));
    expect(scan(target)).toEqual([]);
  });

  test("discardScan() never selects the live chunk, however cold-looking the chunks around it", () => {
    const target = open({ chunksPerWindow: 1, retentionChunks: 1 });
    for (const chunkId of [0, 1]) {
      freezeChunkArtifacts(target.catalog, chunk(chunkId), ["ledgers", "events", "txhash"]);
      freezeIndexCoverage(target.catalog, coverageOf(chunkId, chunkId, chunkId));
    }
    createPlainHotDb(target.catalog, chunk(1));
    createPlainHotDb(target.catalog, chunk(2)); // live: its window (2) has no coverage, the floor is chunk 1
    const snapshot = deriveLifecycleSnapshot(target.catalog, target.deps.policy);
    expect(snapshot.floor.floorChunkId).toBe(chunk(1));
    expect(scan(target)).toEqual([{ chunkId: 1, reason: "served_by_cold" }]);
  });

  test("discardScan() selects every hot DB below the floor whatever its state or its files", () => {
    const target = open({ chunksPerWindow: 4, retentionChunks: 1 });
    createPlainHotDb(target.catalog, chunk(0)); // nothing frozen at all
    createPlainHotDb(target.catalog, chunk(1));
    createPlainHotDb(target.catalog, chunk(3)); // live; floor = chunk 2
    expect(scan(target)).toEqual([
      { chunkId: 0, reason: "below_floor" },
      { chunkId: 1, reason: "below_floor" },
    ]);
  });

  test("discardScan() with the live chunk at the floor (earliest_ledger pinned at it) keeps it", () => {
    const target = open({ chunksPerWindow: 1, earliestLedgerSeq: chunkFirstLedger(chunk(4)) });
    createPlainHotDb(target.catalog, chunk(4));
    expect(deriveLifecycleSnapshot(target.catalog, target.deps.policy).floor.floorChunkId).toBe(chunk(4));
    expect(scan(target)).toEqual([]);
  });

  test("runDiscardOp() removes the hot DB's directory and key and leaves the live one alone", () => {
    const target = open({ chunksPerWindow: 1, retentionChunks: 1 });
    createPlainHotDb(target.catalog, chunk(0));
    createPlainHotDb(target.catalog, chunk(2));
    const [op] = discardScan(target.catalog, deriveLifecycleSnapshot(target.catalog, target.deps.policy));
    runDiscardOp(target.catalog, op!);
    expect(hotState(target.catalog, chunk(0))).toBeUndefined();
    expect(existsSync(target.layout.hotDbDir(chunk(0)))).toBe(false);
    expect(hotState(target.catalog, chunk(2))).toBe("ready");
    expect(existsSync(target.layout.hotDbDir(chunk(2)))).toBe(true);
  });

  test("discardScan() is value-blind: a transient key (a create that failed) below the floor is selected and finished", () => {
    const target = open({ chunksPerWindow: 1, retentionChunks: 1 });
    const failingOpener = {
      open: (): never => {
        throw new FullhistoryError("disk full");
      },
      close: (): void => {},
    };
    expect(() => openHotDbForChunk(target.catalog, chunk(0), failingOpener)).toThrow("disk full");
    expect(hotState(target.catalog, chunk(0))).toBe("transient");
    createPlainHotDb(target.catalog, chunk(2));
    const ops = discardScan(target.catalog, deriveLifecycleSnapshot(target.catalog, target.deps.policy));
    expect(ops).toEqual([{ chunkId: chunk(0), reason: "below_floor" }]);
    runDiscardOp(target.catalog, ops[0]!);
    expect(hotState(target.catalog, chunk(0))).toBeUndefined();
  });
});
