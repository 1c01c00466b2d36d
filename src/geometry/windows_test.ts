import { describe, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { type ChunkId, type LedgerSeq, type WindowId, chunkFirstLedger, chunkLastLedger, LEDGERS_PER_CHUNK } from "./chunk.ts";
import {
  CHUNKS_PER_WINDOW,
  CHUNKS_PER_WINDOW_MAX,
  coverageContains,
  coverageLedgerSpan,
  IDX_PAYLOAD_BYTES,
  type IndexCoverage,
  WindowGeometry,
} from "./windows.ts";

const chunk = (value: number) => value as ChunkId;
const wid = (value: number) => value as WindowId;
const ledger = (value: number) => value as LedgerSeq;
const coverage = (windowId: number, lo: number, hi: number): IndexCoverage => ({ windowId: wid(windowId), lo: chunk(lo), hi: chunk(hi) });

describe("WindowGeometry validation (reference §1.3, TestNewTxHashIndexLayout_Validation)", () => {
  test("new WindowGeometry() defaults to the production window of 1000 chunks (D1)", () => {
    expect(new WindowGeometry().chunksPerWindow).toBe(1000);
    expect(CHUNKS_PER_WINDOW).toBe(1000);
  });

  test.each([0, -1, CHUNKS_PER_WINDOW_MAX + 1, 2.5, Number.NaN])("new WindowGeometry(%p) is rejected", (chunksPerWindow) => {
    expect(() => new WindowGeometry(chunksPerWindow)).toThrow(InvariantError);
  });

  test.each([1, 2, 4, 10, CHUNKS_PER_WINDOW_MAX])("new WindowGeometry(%p) is accepted", (chunksPerWindow) => {
    expect(new WindowGeometry(chunksPerWindow).chunksPerWindow).toBe(chunksPerWindow);
  });

  // TestMaxChunksPerTxhashIndex_FitsColdPayload
  test("the largest window's ledger span fits the 3-byte .idx payload and one more chunk does not", () => {
    expect(CHUNKS_PER_WINDOW_MAX).toBe(1677);
    expect(CHUNKS_PER_WINDOW_MAX * LEDGERS_PER_CHUNK).toBeLessThanOrEqual(2 ** (8 * IDX_PAYLOAD_BYTES));
    expect((CHUNKS_PER_WINDOW_MAX + 1) * LEDGERS_PER_CHUNK).toBeGreaterThan(2 ** (8 * IDX_PAYLOAD_BYTES));
  });
});

describe("window arithmetic (TestTxHashIndexArithmetic)", () => {
  const windows = new WindowGeometry();

  test("windowOf(), firstChunk() and lastChunk() follow c / 1000, w·1000 and (w+1)·1000 − 1", () => {
    expect(windows.windowOf(chunk(0))).toBe(wid(0));
    expect(windows.windowOf(chunk(999))).toBe(wid(0));
    expect(windows.windowOf(chunk(1000))).toBe(wid(1));
    expect(windows.windowOf(chunk(5350))).toBe(wid(5));
    expect(windows.firstChunk(wid(5))).toBe(chunk(5000));
    expect(windows.lastChunk(wid(5))).toBe(chunk(5999));
    expect(windows.lastChunk(wid(0))).toBe(chunk(999));
  });

  test("every chunk lies between its window's first and last chunk, for small windows too", () => {
    for (const chunksPerWindow of [1, 2, 4, 10, 1000]) {
      const geometry = new WindowGeometry(chunksPerWindow);
      for (const chunkId of [0, 1, 3, 9, 10, 999, 1000, 5350]) {
        const windowId = geometry.windowOf(chunk(chunkId));
        expect(geometry.firstChunk(windowId)).toBeLessThanOrEqual(chunkId);
        expect(geometry.lastChunk(windowId)).toBeGreaterThanOrEqual(chunkId);
        expect(geometry.lastChunk(windowId) - geometry.firstChunk(windowId) + 1).toBe(chunksPerWindow);
      }
    }
  });

  test("with a 1-chunk window every chunk is its own window", () => {
    const geometry = new WindowGeometry(1);
    expect(geometry.windowOf(chunk(7))).toBe(wid(7));
    expect(geometry.firstChunk(wid(7))).toBe(chunk(7));
    expect(geometry.lastChunk(wid(7))).toBe(chunk(7));
  });
});

describe("terminal coverage (TestIsTerminalCoverage)", () => {
  const windows = new WindowGeometry();

  test("isTerminal() is true iff hi is the window's last chunk", () => {
    expect(windows.isTerminal(coverage(0, 0, 999))).toBe(true);
    expect(windows.isTerminal(coverage(0, 500, 999))).toBe(true);
    expect(windows.isTerminal(coverage(0, 0, 998))).toBe(false);
    expect(windows.isTerminal(coverage(5, 5100, 5349))).toBe(false);
    expect(windows.isTerminal(coverage(5, 5100, 5999))).toBe(true);
  });

  test("isTerminal() with a 4-chunk window: [0, 3] is terminal, [0, 2] is not", () => {
    const small = new WindowGeometry(4);
    expect(small.isTerminal(coverage(0, 0, 3))).toBe(true);
    expect(small.isTerminal(coverage(0, 0, 2))).toBe(false);
    expect(small.isTerminal(coverage(1, 4, 7))).toBe(true);
  });

  test("checkCoverage() accepts an ordered coverage inside its window", () => {
    expect(windows.checkCoverage(coverage(5, 5100, 5350))).toEqual(coverage(5, 5100, 5350));
    expect(windows.checkCoverage(coverage(5, 5000, 5000))).toEqual(coverage(5, 5000, 5000));
  });

  test.each([
    ["reversed", coverage(5, 5350, 5100)],
    ["lo in the previous window", coverage(5, 4999, 5100)],
    ["hi in the next window", coverage(5, 5100, 6000)],
    ["both in another window", coverage(4, 5100, 5200)],
  ])("checkCoverage() rejects a coverage that is %s", (_name, bad) => {
    expect(() => windows.checkCoverage(bad)).toThrow(InvariantError);
  });
});

describe("coverage helpers", () => {
  test("coverageContains() is true for equal and inner ranges, false when either edge is outside", () => {
    const outer = coverage(5, 5100, 5350);
    expect(coverageContains(outer, { lo: chunk(5100), hi: chunk(5350) })).toBe(true);
    expect(coverageContains(outer, { lo: chunk(5200), hi: chunk(5300) })).toBe(true);
    expect(coverageContains(outer, { lo: chunk(5099), hi: chunk(5300) })).toBe(false);
    expect(coverageContains(outer, { lo: chunk(5200), hi: chunk(5351) })).toBe(false);
  });

  test("coverageLedgerSpan() runs from lo's first ledger to hi's last ledger", () => {
    expect(coverageLedgerSpan(coverage(0, 0, 999))).toEqual({ minLedger: chunkFirstLedger(chunk(0)), maxLedger: chunkLastLedger(chunk(999)) });
    expect(coverageLedgerSpan(coverage(5, 5100, 5350))).toEqual({ minLedger: ledger(51_000_002), maxLedger: ledger(53_510_001) });
  });

  test("a full production window spans exactly 10,000,000 ledgers, inside the 3-byte payload", () => {
    const { minLedger, maxLedger } = coverageLedgerSpan(coverage(0, 0, 999));
    expect(maxLedger - minLedger + 1).toBe(CHUNKS_PER_WINDOW * LEDGERS_PER_CHUNK);
    expect(maxLedger - minLedger).toBeLessThan(2 ** (8 * IDX_PAYLOAD_BYTES));
  });
});
