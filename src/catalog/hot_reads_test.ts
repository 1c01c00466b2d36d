import { afterEach, beforeEach, expect, test } from "bun:test";
import { type ChunkId } from "../geometry/chunk.ts";
import { CatalogKeyError } from "../geometry/keys.ts";
import { type CatalogFixture, openCatalogFixture, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import { hotChunkEntries, hotState, readyHotChunkIds } from "./hot_reads.ts";
import { writeSynced } from "./_store.ts";

let fixture: CatalogFixture;
beforeEach(() => {
  fixture = openCatalogFixture();
  writeSynced(fixture.catalog, [
    { key: "hot:chunk:00000004", value: "ready" },
    { key: "hot:chunk:00000003", value: "transient" },
    { key: "hot:chunk:00000005", value: "ready" },
    { key: "chunk:00000006:ledgers", value: "frozen" },
  ]);
});
afterEach(() => {
  removeCatalogFixture(fixture);
});

const c = (id: number) => id as ChunkId;

test("hotChunkEntries() is value-blind: transient and ready, ascending", () => {
  expect(hotChunkEntries(fixture.catalog)).toEqual([
    { chunkId: c(3), state: "transient" },
    { chunkId: c(4), state: "ready" },
    { chunkId: c(5), state: "ready" },
  ]);
});

test("readyHotChunkIds() returns only ready chunks", () => {
  expect(readyHotChunkIds(fixture.catalog)).toEqual([c(4), c(5)]);
});

test("hotState() reads a key and misses cleanly", () => {
  expect(hotState(fixture.catalog, c(3))).toBe("transient");
  expect(hotState(fixture.catalog, c(9))).toBeUndefined();
});

test("hotChunkEntries() throws on a malformed hot key or value", () => {
  writeSynced(fixture.catalog, [{ key: "hot:chunk:7", value: "ready" }]);
  expect(() => hotChunkEntries(fixture.catalog)).toThrow(CatalogKeyError);
  writeSynced(fixture.catalog, [{ key: "hot:chunk:7", deleted: true }, { key: "hot:chunk:00000007", value: "open" }]);
  expect(() => hotChunkEntries(fixture.catalog)).toThrow(CatalogKeyError);
});
