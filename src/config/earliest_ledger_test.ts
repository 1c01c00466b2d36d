import { expect, test } from "bun:test";
import { type LedgerSeq, CHUNK_ID_MAX, chunkFirstLedger, toChunkId } from "../geometry/chunk.ts";
import { type EarliestLedger, earliestLedgerAdvice, formatEarliestLedger, parseEarliestLedger } from "./earliest_ledger.ts";

const lastAlignedLedger = chunkFirstLedger(toChunkId(CHUNK_ID_MAX));

test.each<[string, EarliestLedger]>([
  ["genesis", { kind: "genesis" }],
  ["now", { kind: "now" }],
  ["30002", { kind: "ledger", ledgerSeq: 30_002 as LedgerSeq }],
  ["2", { kind: "ledger", ledgerSeq: 2 as LedgerSeq }],
  [String(lastAlignedLedger), { kind: "ledger", ledgerSeq: lastAlignedLedger }],
])("parseEarliestLedger(%p) accepts it", (text, want) => {
  expect(parseEarliestLedger(text)).toEqual(want);
});

// reference §4.3 rejects "yesterday", "1" and "12345".
test.each([
  "yesterday",
  "1",
  "0",
  "12345",
  "30003",
  "30001",
  "",
  "-10002",
  "+10002",
  "30002.0",
  " 30002",
  "Genesis",
  "NOW",
  "4294967296",
  "99999999999",
  String(chunkFirstLedger(toChunkId(CHUNK_ID_MAX)) + 10_000),
])("parseEarliestLedger(%p) rejects it", (text) => {
  expect(parseEarliestLedger(text)).toBeUndefined();
});

test("formatEarliestLedger() is the inverse of parseEarliestLedger()", () => {
  for (const text of ["genesis", "now", "2", "30002", String(lastAlignedLedger)]) {
    expect(formatEarliestLedger(parseEarliestLedger(text)!)).toBe(text);
  }
});

test("earliestLedgerAdvice() names the aligned ledgers around an unaligned number", () => {
  expect(earliestLedgerAdvice("12345")).toBe('12345 is not the first ledger of its chunk; use "10002" or "20002"');
});

test("earliestLedgerAdvice() points sub-genesis numbers at \"genesis\" and has nothing to add for words", () => {
  expect(earliestLedgerAdvice("1")).toContain('use "genesis"');
  expect(earliestLedgerAdvice("4294967296")).toContain("uint32");
  expect(earliestLedgerAdvice("yesterday")).toBeUndefined();
  expect(earliestLedgerAdvice("30002")).toBeUndefined();
});
