import { afterEach, beforeEach, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { type WindowId } from "../geometry/chunk.ts";
import { CatalogKeyError } from "../geometry/keys.ts";
import { type CatalogFixture, coverageOf, openCatalogFixture, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import { allCoverages, coverageState, frozenCoverage, windowCoverages } from "./coverage_reads.ts";
import { writeSynced } from "./_store.ts";

let fixture: CatalogFixture;
beforeEach(() => {
  fixture = openCatalogFixture();
});
afterEach(() => {
  removeCatalogFixture(fixture);
});

const w5 = 5 as WindowId;

test("frozenCoverage() of a window with no coverage is undefined", () => {
  expect(frozenCoverage(fixture.catalog, w5)).toBeUndefined();
});

test("frozenCoverage() ignores freezing and pruning coverages", () => {
  writeSynced(fixture.catalog, [
    { key: "index:00000005:00005100:00005349", value: "pruning" },
    { key: "index:00000005:00005100:00005350", value: "freezing" },
  ]);
  expect(frozenCoverage(fixture.catalog, w5)).toBeUndefined();
});

test("frozenCoverage() returns the unique frozen coverage of its window only", () => {
  writeSynced(fixture.catalog, [
    { key: "index:00000004:00004000:00004999", value: "frozen" },
    { key: "index:00000005:00005100:00005349", value: "pruning" },
    { key: "index:00000005:00005100:00005350", value: "frozen" },
    { key: "index:00000006:00006000:00006001", value: "frozen" },
  ]);
  expect(frozenCoverage(fixture.catalog, w5)).toEqual(coverageOf(5, 5100, 5350));
});

test("frozenCoverage() throws an InvariantError naming both keys when a window has two frozen coverages", () => {
  writeSynced(fixture.catalog, [
    { key: "index:00000005:00005100:00005349", value: "frozen" },
    { key: "index:00000005:00005100:00005350", value: "frozen" },
  ]);
  expect(() => frozenCoverage(fixture.catalog, w5)).toThrow(InvariantError);
  expect(() => frozenCoverage(fixture.catalog, w5)).toThrow(
    /"index:00000005:00005100:00005349" and "index:00000005:00005100:00005350".*INV-2/,
  );
});

test("windowCoverages() returns one window's coverages with states, ascending", () => {
  writeSynced(fixture.catalog, [
    { key: "index:00000005:00005100:00005350", value: "frozen" },
    { key: "index:00000005:00005000:00005999", value: "freezing" },
    { key: "index:00000050:00050000:00050001", value: "frozen" },
  ]);
  expect(windowCoverages(fixture.catalog, w5)).toEqual([
    { coverage: coverageOf(5, 5000, 5999), state: "freezing" },
    { coverage: coverageOf(5, 5100, 5350), state: "frozen" },
  ]);
});

test("allCoverages() returns every window's coverages", () => {
  writeSynced(fixture.catalog, [
    { key: "index:00000005:00005100:00005350", value: "frozen" },
    { key: "index:00000000:00000000:00000003", value: "pruning" },
  ]);
  expect(allCoverages(fixture.catalog)).toEqual([
    { coverage: coverageOf(0, 0, 3), state: "pruning" },
    { coverage: coverageOf(5, 5100, 5350), state: "frozen" },
  ]);
});

test("coverageState() of a missing coverage is undefined", () => {
  expect(coverageState(fixture.catalog, coverageOf(5, 5100, 5350))).toBeUndefined();
});

test.each([
  "index:00000005:00005350:00005100",
  "index:00000005:00004999:00005100",
  "index:00000005:5100:5350",
  "index:00000005:00005100",
])("windowCoverages() throws on the malformed key %p", (key) => {
  writeSynced(fixture.catalog, [{ key, value: "frozen" }]);
  expect(() => windowCoverages(fixture.catalog, w5)).toThrow(CatalogKeyError);
  expect(() => allCoverages(fixture.catalog)).toThrow(CatalogKeyError);
});
