import { expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { decodeLedgerOffsets, encodeLedgerOffsets, eventIdRangeOfLedgers, type LedgerOffsets } from "./ledger_offsets.ts";
import { bytesOf, hexOf } from "./_test_support.ts";

// Ledgers 100..103 with 2, 0, 3, 0 events.
const OFFSETS: LedgerOffsets = { startLedgerSeq: 100 as LedgerSeq, cumulativeEventCounts: Uint32Array.of(2, 2, 5, 5) };
// Derived by hand from reference §8.5a.
const OFFSETS_BYTES = bytesOf("01 00 00 00 64 00 00 00 04  00 00 00 02 00 00 00 02 00 00 00 05 00 00 00 05");

test("encodeLedgerOffsets() writes version, start, count and BE cumulative counts", () => {
  expect(hexOf(encodeLedgerOffsets(OFFSETS))).toBe(hexOf(OFFSETS_BYTES));
});

test("decodeLedgerOffsets() inverts encodeLedgerOffsets()", () => {
  expect(decodeLedgerOffsets(OFFSETS_BYTES, "p")).toEqual(OFFSETS);
});

test("eventIdRangeOfLedgers() maps ledgers to half-open id ranges, zero-event ledgers empty", () => {
  const seq = (n: number) => n as LedgerSeq;
  expect(eventIdRangeOfLedgers(OFFSETS, { fromSeq: seq(100), toSeq: seq(100) })).toEqual({ fromEventId: 0, endEventId: 2 });
  expect(eventIdRangeOfLedgers(OFFSETS, { fromSeq: seq(101), toSeq: seq(101) })).toEqual({ fromEventId: 2, endEventId: 2 });
  expect(eventIdRangeOfLedgers(OFFSETS, { fromSeq: seq(101), toSeq: seq(103) })).toEqual({ fromEventId: 2, endEventId: 5 });
  expect(() => eventIdRangeOfLedgers(OFFSETS, { fromSeq: seq(99), toSeq: seq(100) })).toThrow(InvariantError);
  expect(() => eventIdRangeOfLedgers(OFFSETS, { fromSeq: seq(100), toSeq: seq(104) })).toThrow(InvariantError);
});

test("decodeLedgerOffsets() rejects an unknown version", () => {
  const bytes = OFFSETS_BYTES.slice();
  bytes[0] = 2;
  expect(() => decodeLedgerOffsets(bytes, "p")).toThrow(/unknown version/);
});

test("decodeLedgerOffsets() rejects a wrong length", () => {
  expect(() => decodeLedgerOffsets(OFFSETS_BYTES.subarray(0, 24), "p")).toThrow(/24 bytes, but 4 ledgers need 25/);
  expect(() => decodeLedgerOffsets(OFFSETS_BYTES.subarray(0, 8), "p")).toThrow(CorruptFileError);
  expect(() => decodeLedgerOffsets(new Uint8Array([...OFFSETS_BYTES, 0]), "p")).toThrow(CorruptFileError);
});

test("decodeLedgerOffsets() rejects a decreasing cumulative count", () => {
  const bytes = OFFSETS_BYTES.slice();
  bytes[24] = 4; // last count 5 → 4, below 5 before it
  expect(() => decodeLedgerOffsets(bytes, "p")).toThrow(/at ledger 103 is below 5/);
});

test("encodeLedgerOffsets() refuses a decreasing count", () => {
  expect(() => encodeLedgerOffsets({ ...OFFSETS, cumulativeEventCounts: Uint32Array.of(3, 2) })).toThrow(InvariantError);
});
