import { afterEach, describe, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { type ChunkId, type LedgerSeq, chunkFirstLedger, chunkLastLedger, PRE_GENESIS_LEDGER } from "../geometry/chunk.ts";
import { ARTIFACT_KINDS } from "../geometry/keys.ts";
import { lakeOptionsOf } from "../../test/support/backfill_fixture.ts";
import { coverageOf, freezeChunkArtifacts, freezeIndexCoverage, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import { createPlainHotDb, type LifecycleFixture, openLifecycleFixture } from "../../test/support/lifecycle_fixture.ts";
import { deriveLifecycleSnapshot, lowestMaterializedChunk } from "./lifecycle_snapshot.ts";

const NO_LAKE = lakeOptionsOf("/nonexistent/lake");

let fixture: LifecycleFixture | undefined;
afterEach(() => {
  if (fixture !== undefined) removeCatalogFixture(fixture);
  fixture = undefined;
});

function open(options: { chunksPerWindow?: number; retentionChunks?: number; earliestLedgerSeq?: number } = {}): LifecycleFixture {
  fixture = openLifecycleFixture({
    chunksPerWindow: options.chunksPerWindow ?? 2,
    lake: NO_LAKE,
    retentionChunks: options.retentionChunks ?? 0,
    earliestLedgerSeq: (options.earliestLedgerSeq ?? 2) as LedgerSeq,
  });
  return fixture;
}

/** Chunks lo..hi frozen with every kind (fixture bytes), no index coverage. */
function freezeChunks(target: LifecycleFixture, lo: number, hi: number): void {
  for (let chunkId = lo; chunkId <= hi; chunkId++) freezeChunkArtifacts(target.catalog, chunkId as ChunkId, [...ARTIFACT_KINDS]);
}

describe("deriveLifecycleSnapshot()", () => {
  test("deriveLifecycleSnapshot() of an empty store: nothing complete, through is pre-genesis, nothing to freeze", () => {
    const { catalog, deps } = open();
    expect(deriveLifecycleSnapshot(catalog, deps.policy)).toEqual({
      lastCompleteChunk: -1,
      throughLedgerSeq: PRE_GENESIS_LEDGER,
      floor: { floorLedgerSeq: chunkFirstLedger(0 as ChunkId), floorChunkId: 0 as ChunkId },
      freezeRange: undefined,
    });
  });

  test("deriveLifecycleSnapshot() counts the highest ready hot chunk (the live one) only through the chunk below it", () => {
    const { catalog, deps } = open();
    freezeChunks(fixture!, 0, 1);
    createPlainHotDb(catalog, 2 as ChunkId); // closed, not frozen yet
    createPlainHotDb(catalog, 3 as ChunkId); // live
    const snapshot = deriveLifecycleSnapshot(catalog, deps.policy);
    expect(snapshot.lastCompleteChunk).toBe(2);
    expect(snapshot.throughLedgerSeq).toBe(chunkLastLedger(2 as ChunkId));
    expect(snapshot.freezeRange).toEqual({ rangeStart: 0 as ChunkId, rangeEnd: 2 as ChunkId });
  });

  test("deriveLifecycleSnapshot() of a young network with only the live hot DB plans nothing", () => {
    const { catalog, deps } = open();
    createPlainHotDb(catalog, 0 as ChunkId);
    const snapshot = deriveLifecycleSnapshot(catalog, deps.policy);
    expect(snapshot.lastCompleteChunk).toBe(-1);
    expect(snapshot.freezeRange).toBeUndefined();
  });

  test("deriveLifecycleSnapshot() starts the freeze range at the floor when storage reaches below it", () => {
    const { catalog, deps } = open({ retentionChunks: 2 });
    freezeChunks(fixture!, 0, 3);
    createPlainHotDb(catalog, 5 as ChunkId); // chunk 4 is complete by position (hot 5 exists)
    const snapshot = deriveLifecycleSnapshot(catalog, deps.policy);
    expect(snapshot.lastCompleteChunk).toBe(4);
    expect(snapshot.floor).toEqual({ floorLedgerSeq: chunkFirstLedger(3 as ChunkId), floorChunkId: 3 as ChunkId });
    expect(snapshot.freezeRange).toEqual({ rangeStart: 3 as ChunkId, rangeEnd: 4 as ChunkId });
  });

  test("deriveLifecycleSnapshot() never plans below existing storage: a low floor is raised to the lowest materialized chunk", () => {
    const { catalog, deps } = open({ retentionChunks: 0 }); // floor at genesis
    freezeChunks(fixture!, 6, 7);
    freezeIndexCoverage(catalog, coverageOf(3, 6, 7));
    createPlainHotDb(catalog, 8 as ChunkId);
    const snapshot = deriveLifecycleSnapshot(catalog, deps.policy);
    expect(snapshot.floor.floorChunkId).toBe(0 as ChunkId);
    expect(snapshot.freezeRange).toEqual({ rangeStart: 6 as ChunkId, rangeEnd: 7 as ChunkId });
  });

  test("deriveLifecycleSnapshot() with only the pin (nothing stored) plans nothing, even though the pin makes chunks below it 'complete'", () => {
    const { catalog, deps } = open({ earliestLedgerSeq: chunkFirstLedger(5 as ChunkId) });
    const snapshot = deriveLifecycleSnapshot(catalog, deps.policy);
    expect(snapshot.lastCompleteChunk).toBe(4);
    expect(snapshot.floor.floorChunkId).toBe(5 as ChunkId);
    expect(snapshot.freezeRange).toBeUndefined();
  });

  test("deriveLifecycleSnapshot() refuses a policy whose earliest ledger is above what the catalog's pin allows", () => {
    const { catalog } = open({ earliestLedgerSeq: 2 });
    createPlainHotDb(catalog, 1 as ChunkId);
    const policy = { retentionChunks: 0, earliestLedgerSeq: chunkFirstLedger(5 as ChunkId) };
    expect(() => deriveLifecycleSnapshot(catalog, policy)).toThrow(InvariantError);
  });
});

describe("lowestMaterializedChunk()", () => {
  test("lowestMaterializedChunk() is undefined for an empty store", () => {
    expect(lowestMaterializedChunk(open().catalog)).toBeUndefined();
  });

  test("lowestMaterializedChunk() takes the lower of the lowest artifact key and the lowest hot key", () => {
    const { catalog } = open();
    freezeChunks(fixture!, 4, 4);
    expect(lowestMaterializedChunk(catalog)).toBe(4 as ChunkId);
    createPlainHotDb(catalog, 2 as ChunkId);
    expect(lowestMaterializedChunk(catalog)).toBe(2 as ChunkId);
    createPlainHotDb(catalog, 9 as ChunkId);
    expect(lowestMaterializedChunk(catalog)).toBe(2 as ChunkId);
  });
});
