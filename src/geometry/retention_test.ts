import { describe, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { type ChunkId, type LedgerSeq, type WindowId, chunkFirstLedger, chunkLastLedger } from "./chunk.ts";
import { effectiveRetentionFloor, excludesChunk, excludesWindow, isLedgerRetained, retentionFloor } from "./retention.ts";
import { WindowGeometry } from "./windows.ts";

const chunk = (value: number) => value as ChunkId;
const ledger = (value: number) => value as LedgerSeq;
const wid = (value: number) => value as WindowId;
const first = (chunkId: number) => chunkFirstLedger(chunk(chunkId));
const last = (chunkId: number) => chunkLastLedger(chunk(chunkId));

describe("effectiveRetentionFloor() (TestEffectiveRetentionFloor, reference §6 worked values)", () => {
  test.each<[string, LedgerSeq, number, LedgerSeq, LedgerSeq]>([
    ["full history pins the floor at earliest", last(100), 0, first(10), first(10)],
    ["full history with no earliest is genesis", last(100), 0, ledger(0), ledger(2)],
    ["retention 10 keeps chunks 91..100", last(100), 10, ledger(0), first(91)],
    ["earliest above the sliding floor wins", last(100), 10, first(95), first(95)],
    ["a long retention clamps to chunk 0, never wraps", last(3), 1000, ledger(0), first(0)],
    ["a young network clamps to chunk 0", ledger(7), 5, ledger(0), first(0)],
  ])("%s", (_name, upperBound, retentionChunks, earliestLedgerSeq, want) => {
    expect(effectiveRetentionFloor(upperBound, { retentionChunks, earliestLedgerSeq })).toBe(want);
  });

  test("retention 1 keeps only the last complete chunk", () => {
    expect(effectiveRetentionFloor(last(100), { retentionChunks: 1, earliestLedgerSeq: ledger(0) })).toBe(first(100));
  });

  test("a mid-chunk upper bound counts only complete chunks", () => {
    // lastCompleteChunkAt(first(101) + 5) = 100, so retention 10 still starts at chunk 91.
    expect(effectiveRetentionFloor(ledger(first(101) + 5), { retentionChunks: 10, earliestLedgerSeq: ledger(0) })).toBe(first(91));
  });

  test("a pre-genesis upper bound with retention clamps to genesis", () => {
    expect(effectiveRetentionFloor(ledger(1), { retentionChunks: 1, earliestLedgerSeq: ledger(0) })).toBe(ledger(2));
    expect(effectiveRetentionFloor(ledger(0), { retentionChunks: 1, earliestLedgerSeq: ledger(2) })).toBe(ledger(2));
  });

  test("a uint32 retention far beyond the network clamps to genesis", () => {
    expect(effectiveRetentionFloor(last(100), { retentionChunks: 0xffff_ffff, earliestLedgerSeq: ledger(0) })).toBe(ledger(2));
  });

  test("full history (0) never moves with the upper bound (TestRetentionFloor_FullHistoryPinsAtEarliest)", () => {
    for (const upperBound of [ledger(7), last(3), last(100), last(100_000)]) {
      expect(effectiveRetentionFloor(upperBound, { retentionChunks: 0, earliestLedgerSeq: first(10) })).toBe(first(10));
    }
  });

  test("rejects a negative, fractional or over-uint32 retention and an unaligned earliest ledger", () => {
    expect(() => effectiveRetentionFloor(last(100), { retentionChunks: -1, earliestLedgerSeq: ledger(0) })).toThrow(InvariantError);
    expect(() => effectiveRetentionFloor(last(100), { retentionChunks: 1.5, earliestLedgerSeq: ledger(0) })).toThrow(InvariantError);
    expect(() => effectiveRetentionFloor(last(100), { retentionChunks: 2 ** 32, earliestLedgerSeq: ledger(0) })).toThrow(InvariantError);
    expect(() => effectiveRetentionFloor(last(100), { retentionChunks: 0, earliestLedgerSeq: ledger(12_345) })).toThrow(InvariantError);
  });
});

describe("RetentionFloor (TestRetentionFloor_*)", () => {
  // through = chunk 100's last ledger, retain 10 ⇒ floor chunk 91.
  const floor = retentionFloor(last(100), { retentionChunks: 10, earliestLedgerSeq: ledger(0) });

  test("the floor at chunk 100 with retention 10 is chunk 91's first ledger", () => {
    expect(floor).toEqual({ floorLedgerSeq: first(91), floorChunkId: chunk(91) });
  });

  test("excludesChunk() is true strictly below the floor chunk (TestRetentionFloor_ExcludesBelow)", () => {
    expect(excludesChunk(floor, chunk(0))).toBe(true);
    expect(excludesChunk(floor, chunk(90))).toBe(true);
    expect(excludesChunk(floor, chunk(91))).toBe(false);
    expect(excludesChunk(floor, chunk(100))).toBe(false);
  });

  test("shortening retention raises the floor at once (TestRetentionFloor_ShorteningRaisesFloorImmediately)", () => {
    const shorter = retentionFloor(last(100), { retentionChunks: 5, earliestLedgerSeq: ledger(0) });
    expect(shorter.floorChunkId).toBe(chunk(96));
    expect(excludesChunk(shorter, chunk(95))).toBe(true);
    expect(excludesChunk(floor, chunk(95))).toBe(false);
  });

  test("an index is excluded only when its window's last chunk is below the floor (TestRetentionFloor_ExcludesIndexByLastChunk)", () => {
    const windows = new WindowGeometry(4);
    const straddling = retentionFloor(last(5), { retentionChunks: 4, earliestLedgerSeq: ledger(0) }); // floor chunk 2
    expect(straddling.floorChunkId).toBe(chunk(2));
    expect(excludesWindow(straddling, wid(0), windows)).toBe(false); // [0, 3] straddles chunk 2: kept
    const above = retentionFloor(last(9), { retentionChunks: 4, earliestLedgerSeq: ledger(0) }); // floor chunk 6
    expect(excludesWindow(above, wid(0), windows)).toBe(true); // last chunk 3 < 6
    expect(excludesWindow(above, wid(1), windows)).toBe(false); // [4, 7] straddles 6
  });

  test("a young store's floor is chunk 0 (TestRetentionFloor_YoungStoreClampsToGenesis)", () => {
    expect(retentionFloor(ledger(7), { retentionChunks: 5, earliestLedgerSeq: ledger(0) })).toEqual({
      floorLedgerSeq: ledger(2),
      floorChunkId: chunk(0),
    });
  });

  test("isLedgerRetained() hides every ledger below the floor ledger, even in a kept window (reader gate)", () => {
    expect(isLedgerRetained(floor, ledger(first(91) - 1))).toBe(false);
    expect(isLedgerRetained(floor, ledger(2))).toBe(false);
    expect(isLedgerRetained(floor, first(91))).toBe(true);
    expect(isLedgerRetained(floor, last(100))).toBe(true);
  });
});
