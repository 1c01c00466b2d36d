import { afterEach, describe, expect, test } from "bun:test";
import { pinEarliestLedger } from "../catalog/earliest_ledger.ts";
import { type ChunkId, type LedgerSeq, chunkFirstLedger, chunkLastLedger } from "../geometry/chunk.ts";
import { ARTIFACT_KINDS } from "../geometry/keys.ts";
import {
  type CatalogFixture,
  freezeChunkArtifacts,
  openCatalogFixture,
  removeCatalogFixture,
} from "../../test/support/catalog_fixture.ts";
import { describeRetainedRange, retainedRange } from "./retained_range.ts";

let fixture: CatalogFixture | undefined;

afterEach(() => {
  if (fixture !== undefined) removeCatalogFixture(fixture);
  fixture = undefined;
});

function storeWithChunks(options: { earliestLedgerSeq: number | undefined; frozenChunkIds: number[] }): CatalogFixture {
  fixture = openCatalogFixture();
  if (options.earliestLedgerSeq !== undefined) pinEarliestLedger(fixture.catalog, options.earliestLedgerSeq as LedgerSeq);
  for (const chunkId of options.frozenChunkIds) freezeChunkArtifacts(fixture.catalog, chunkId as ChunkId, ARTIFACT_KINDS);
  return fixture;
}

describe("retainedRange()", () => {
  test("spans genesis to the last fully frozen chunk under full history", () => {
    const { catalog } = storeWithChunks({ earliestLedgerSeq: 2, frozenChunkIds: [0, 1, 2] });
    const range = retainedRange(catalog, { retentionChunks: 0 });
    expect(range).toMatchObject({ earliestLedgerSeq: 2, floorLedgerSeq: 2, floorChunkId: 0, lastLedgerSeq: chunkLastLedger(2 as ChunkId) });
    expect(describeRetainedRange(range)).toBe(`[2, ${chunkLastLedger(2 as ChunkId)}]`);
  });

  test("raises the floor to keep retention_chunks whole chunks below the last committed ledger", () => {
    const { catalog } = storeWithChunks({ earliestLedgerSeq: 2, frozenChunkIds: [0, 1, 2] });
    const range = retainedRange(catalog, { retentionChunks: 1 });
    expect(range.floorLedgerSeq).toBe(chunkFirstLedger(2 as ChunkId));
    expect(range.floorChunkId).toBe(2 as ChunkId);
  });

  test("keeps the floor at the pinned earliest ledger, not at genesis", () => {
    const { catalog } = storeWithChunks({ earliestLedgerSeq: chunkFirstLedger(1 as ChunkId), frozenChunkIds: [1, 2] });
    expect(retainedRange(catalog, { retentionChunks: 0 }).floorLedgerSeq).toBe(chunkFirstLedger(1 as ChunkId));
  });

  test("is empty, and says why, before anything is committed from the pin", () => {
    const { catalog } = storeWithChunks({ earliestLedgerSeq: chunkFirstLedger(1 as ChunkId), frozenChunkIds: [] });
    const range = retainedRange(catalog, { retentionChunks: 0 });
    expect(range.lastLedgerSeq).toBeLessThan(range.floorLedgerSeq);
    expect(describeRetainedRange(range)).toContain("nothing committed");
  });

  test("is empty on a store no daemon has started (no pin)", () => {
    const { catalog } = storeWithChunks({ earliestLedgerSeq: undefined, frozenChunkIds: [] });
    const range = retainedRange(catalog, { retentionChunks: 0 });
    expect(range.earliestLedgerSeq).toBeUndefined();
    expect(describeRetainedRange(range)).toContain("no daemon has started");
  });
});
