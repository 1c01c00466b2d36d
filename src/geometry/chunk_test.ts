import { describe, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import {
  type ChunkId,
  type LedgerSeq,
  bucketOf,
  CHUNK_ID_MAX,
  chunkFirstLedger,
  chunkIdsInclusive,
  chunkLastLedger,
  chunkOfLedger,
  completeThrough,
  FIRST_LEDGER_SEQ,
  isChunkAligned,
  lastCompleteChunkAt,
  LEDGER_SEQ_MAX,
  LEDGERS_PER_CHUNK,
  pad5,
  pad8,
  PRE_GENESIS_LEDGER,
  signedChunkOfLedger,
  toChunkId,
  toLedgerSeq,
} from "./chunk.ts";

const chunk = (value: number) => value as ChunkId;
const ledger = (value: number) => value as LedgerSeq;

describe("chunk arithmetic (reference §1.2)", () => {
  test("chunkFirstLedger() and chunkLastLedger() give the worked values of §1.2", () => {
    expect(chunkFirstLedger(chunk(0))).toBe(ledger(2));
    expect(chunkLastLedger(chunk(0))).toBe(ledger(10_001));
    expect(chunkFirstLedger(chunk(3))).toBe(ledger(30_002));
    expect(chunkFirstLedger(chunk(5))).toBe(ledger(50_002));
    expect(chunkLastLedger(chunk(5))).toBe(ledger(60_001));
  });

  test("chunkOfLedger() maps each chunk's first and last ledger to that chunk", () => {
    for (const chunkId of [0, 1, 5, 999, 1000, 5350, CHUNK_ID_MAX]) {
      expect(chunkOfLedger(chunkFirstLedger(chunk(chunkId)))).toBe(chunk(chunkId));
      expect(chunkOfLedger(chunkLastLedger(chunk(chunkId)))).toBe(chunk(chunkId));
    }
    expect(chunkOfLedger(ledger(10_002))).toBe(chunk(1));
  });

  test("chunkOfLedger() rejects ledgers below genesis", () => {
    expect(() => chunkOfLedger(ledger(1))).toThrow(InvariantError);
    expect(() => chunkOfLedger(ledger(0))).toThrow(InvariantError);
  });

  test("consecutive chunks tile the ledger line with no gap or overlap", () => {
    for (const chunkId of [0, 1, 41, CHUNK_ID_MAX - 1]) {
      expect(chunkFirstLedger(chunk(chunkId + 1))).toBe(ledger(chunkLastLedger(chunk(chunkId)) + 1));
      expect(chunkLastLedger(chunk(chunkId)) - chunkFirstLedger(chunk(chunkId)) + 1).toBe(LEDGERS_PER_CHUNK);
    }
  });

  test("CHUNK_ID_MAX is the last chunk whose last ledger fits a uint32", () => {
    expect(CHUNK_ID_MAX).toBe(429_495);
    expect(chunkLastLedger(chunk(CHUNK_ID_MAX))).toBeLessThanOrEqual(LEDGER_SEQ_MAX);
    expect(chunkLastLedger(chunk(CHUNK_ID_MAX + 1))).toBeGreaterThan(LEDGER_SEQ_MAX);
  });

  test("isChunkAligned() is true only for a chunk's first ledger", () => {
    expect(isChunkAligned(ledger(2))).toBe(true);
    expect(isChunkAligned(ledger(30_002))).toBe(true);
    expect(isChunkAligned(ledger(30_003))).toBe(false);
    expect(isChunkAligned(ledger(30_001))).toBe(false);
    expect(isChunkAligned(ledger(12_345))).toBe(false);
    expect(isChunkAligned(ledger(1))).toBe(false);
    expect(isChunkAligned(ledger(0))).toBe(false);
  });

  test("bucketOf() groups 1000 chunks per bucket: chunk 5350 → 5", () => {
    expect(bucketOf(chunk(0))).toBe(0);
    expect(bucketOf(chunk(999))).toBe(0);
    expect(bucketOf(chunk(1000))).toBe(1);
    expect(bucketOf(chunk(5350))).toBe(5);
  });
});

describe("ids and padding", () => {
  test("pad8() and pad5() zero-pad to exact widths", () => {
    expect(pad8(5350)).toBe("00005350");
    expect(pad8(0)).toBe("00000000");
    expect(pad8(99_999_999)).toBe("99999999");
    expect(pad5(5)).toBe("00005");
    expect(pad5(99_999)).toBe("99999");
  });

  test("pad8() and pad5() reject values that do not fit or are not ids", () => {
    expect(() => pad8(100_000_000)).toThrow(InvariantError);
    expect(() => pad8(-1)).toThrow(InvariantError);
    expect(() => pad8(1.5)).toThrow(InvariantError);
    expect(() => pad5(100_000)).toThrow(InvariantError);
    expect(() => pad5(-1)).toThrow(InvariantError);
  });

  test("toChunkId() accepts 0..CHUNK_ID_MAX and rejects everything else", () => {
    expect(toChunkId(0)).toBe(chunk(0));
    expect(toChunkId(CHUNK_ID_MAX)).toBe(chunk(CHUNK_ID_MAX));
    expect(() => toChunkId(CHUNK_ID_MAX + 1)).toThrow(InvariantError);
    expect(() => toChunkId(-1)).toThrow(InvariantError);
    expect(() => toChunkId(2.5)).toThrow(InvariantError);
    expect(() => toChunkId(Number.NaN)).toThrow(InvariantError);
  });

  test("toLedgerSeq() accepts the uint32 range and rejects everything else", () => {
    expect(toLedgerSeq(0)).toBe(ledger(0));
    expect(toLedgerSeq(LEDGER_SEQ_MAX)).toBe(ledger(LEDGER_SEQ_MAX));
    expect(() => toLedgerSeq(LEDGER_SEQ_MAX + 1)).toThrow(InvariantError);
    expect(() => toLedgerSeq(-1)).toThrow(InvariantError);
    expect(() => toLedgerSeq(0.5)).toThrow(InvariantError);
  });

  test("chunkIdsInclusive() yields lo..hi ascending and rejects a reversed range", () => {
    expect([...chunkIdsInclusive(chunk(3), chunk(6))]).toEqual([3, 4, 5, 6].map(chunk));
    expect([...chunkIdsInclusive(chunk(7), chunk(7))]).toEqual([chunk(7)]);
    expect(() => [...chunkIdsInclusive(chunk(6), chunk(3))]).toThrow(InvariantError);
  });
});

describe("signed chunk domain (reference §1.4, §11.5)", () => {
  // TestLastCompleteChunkAt
  test.each([
    [0, -1],
    [1, -1],
    [2, -1],
    [10_000, -1],
    [10_001, 0],
    [10_002, 0],
    [20_000, 0],
    [20_001, 1],
    [60_001, 5],
    [60_000, 4],
  ])("lastCompleteChunkAt(%p) = %p", (ledgerSeq, want) => {
    expect(lastCompleteChunkAt(ledgerSeq)).toBe(want);
  });

  test("lastCompleteChunkAt() truncates toward zero: ledger 0 is chunk −1, not −2", () => {
    expect(lastCompleteChunkAt(0)).toBe(-1);
    expect(lastCompleteChunkAt(0)).not.toBe(Math.floor((0 + 1 - FIRST_LEDGER_SEQ) / LEDGERS_PER_CHUNK) - 1);
  });

  test("lastCompleteChunkAt() of a chunk's last ledger is that chunk, at every chunk tried", () => {
    for (const chunkId of [0, 1, 5, 999, 1000, CHUNK_ID_MAX]) {
      expect(lastCompleteChunkAt(chunkLastLedger(chunk(chunkId)))).toBe(chunkId);
      expect(lastCompleteChunkAt(chunkLastLedger(chunk(chunkId)) - 1)).toBe(chunkId - 1);
    }
  });

  // TestCompleteThrough
  test.each([-1, -2, -100])("completeThrough(%p) is the pre-genesis ledger 1", (signedChunkId) => {
    expect(completeThrough(signedChunkId)).toBe(PRE_GENESIS_LEDGER);
    expect(completeThrough(signedChunkId)).toBe(ledger(1));
  });

  test("completeThrough() of chunk 0 is 10001 and of chunk 5 is chunk 5's last ledger", () => {
    expect(completeThrough(0)).toBe(ledger(10_001));
    expect(completeThrough(5)).toBe(chunkLastLedger(chunk(5)));
  });

  test("completeThrough(−2) does not alias a uint32 wrap (the reason for the guard, §1.4)", () => {
    // (−2 + 1) · 10000 + 1 as uint32 would be 4294957297.
    expect(completeThrough(-2)).not.toBe(ledger(4_294_957_297));
    expect(completeThrough(-2)).toBe(ledger(1));
  });

  test("completeThrough(lastCompleteChunkAt(x)) ≤ x for ledgers at and around chunk edges", () => {
    for (const ledgerSeq of [0, 1, 2, 10_000, 10_001, 10_002, 55_555, 60_001]) {
      expect(completeThrough(lastCompleteChunkAt(ledgerSeq))).toBeLessThanOrEqual(Math.max(ledgerSeq, PRE_GENESIS_LEDGER));
    }
  });

  test("signedChunkOfLedger() is −1 below genesis and the chunk otherwise", () => {
    expect(signedChunkOfLedger(0)).toBe(-1);
    expect(signedChunkOfLedger(1)).toBe(-1);
    expect(signedChunkOfLedger(FIRST_LEDGER_SEQ)).toBe(0);
    expect(signedChunkOfLedger(10_001)).toBe(0);
    expect(signedChunkOfLedger(10_002)).toBe(1);
  });
});
