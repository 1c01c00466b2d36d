import { afterEach, beforeEach, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { type LedgerSeq } from "../geometry/chunk.ts";
import { CatalogKeyError, EARLIEST_LEDGER_KEY } from "../geometry/keys.ts";
import { type CatalogFixture, openCatalogFixture, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import { earliestLedger, pinEarliestLedger } from "./earliest_ledger.ts";
import { writeSynced } from "./_store.ts";

let fixture: CatalogFixture;
beforeEach(() => {
  fixture = openCatalogFixture();
});
afterEach(() => {
  removeCatalogFixture(fixture);
});

test("earliestLedger() is undefined before the pin", () => {
  expect(earliestLedger(fixture.catalog)).toBeUndefined();
});

test("pinEarliestLedger() writes the decimal value and earliestLedger() reads it back", () => {
  pinEarliestLedger(fixture.catalog, 50002 as LedgerSeq);
  expect(earliestLedger(fixture.catalog)).toBe(50002 as LedgerSeq);
});

test("pinEarliestLedger() accepts re-pinning the same value", () => {
  pinEarliestLedger(fixture.catalog, 2 as LedgerSeq);
  pinEarliestLedger(fixture.catalog, 2 as LedgerSeq);
  expect(earliestLedger(fixture.catalog)).toBe(2 as LedgerSeq);
});

test("pinEarliestLedger() refuses to change an existing pin", () => {
  pinEarliestLedger(fixture.catalog, 2 as LedgerSeq);
  expect(() => pinEarliestLedger(fixture.catalog, 10002 as LedgerSeq)).toThrow(InvariantError);
  expect(earliestLedger(fixture.catalog)).toBe(2 as LedgerSeq);
});

test("pinEarliestLedger() rejects a ledger that does not start a chunk", () => {
  expect(() => pinEarliestLedger(fixture.catalog, 12345 as LedgerSeq)).toThrow(InvariantError);
  expect(earliestLedger(fixture.catalog)).toBeUndefined();
});

test.each(["abc", "-2", "4294967296", "", " 2", "2.0", "0x10"])("earliestLedger() rejects the stored value %p naming key and value", (value) => {
  writeSynced(fixture.catalog, [{ key: EARLIEST_LEDGER_KEY, value }]);
  expect(() => earliestLedger(fixture.catalog)).toThrow(CatalogKeyError);
  expect(() => earliestLedger(fixture.catalog)).toThrow(`"${EARLIEST_LEDGER_KEY}": "${value}"`);
});

test("earliestLedger() accepts the largest uint32", () => {
  writeSynced(fixture.catalog, [{ key: EARLIEST_LEDGER_KEY, value: "4294967295" }]);
  expect(earliestLedger(fixture.catalog)).toBe(4294967295 as LedgerSeq);
});
