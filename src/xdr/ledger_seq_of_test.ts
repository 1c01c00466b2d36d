import { expect, test } from "bun:test";
import { expectedFixtures, fixtureLedgers } from "../../test/support/fixtures.ts";
import { ledgerSeqOf } from "./ledger_seq_of.ts";
import { XdrError } from "./xdr_error.ts";

test("ledgerSeqOf() reads the header seq of every fixture ledger (LCM V0, V1, V2)", () => {
  for (const fixture of expectedFixtures()) {
    expect<number[]>(fixtureLedgers(fixture).map(ledgerSeqOf)).toEqual(fixture.ledgers.map((ledger) => ledger.seq));
  }
});

test("ledgerSeqOf() rejects an unknown LedgerCloseMeta version", () => {
  const ledger = new Uint8Array(fixtureLedgers(expectedFixtures()[0]!)[0]!);
  ledger[3] = 3;
  expect(() => ledgerSeqOf(ledger)).toThrow("LedgerCloseMeta has unknown version 3 at byte offset 0");
});

test("ledgerSeqOf() rejects a header cut short with an XdrError, never a wrong number", () => {
  const ledger = fixtureLedgers(expectedFixtures()[0]!)[0]!;
  for (const length of [0, 3, 40, 100, 150]) {
    expect(() => ledgerSeqOf(ledger.subarray(0, length))).toThrow(XdrError);
  }
});
