import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Db, closeDb, get, openDb, put, RocksDbError } from "../../ffi/rocksdb.ts";
import { InvariantError } from "../assert.ts";
import { type ChunkId } from "../geometry/chunk.ts";
import { type CatalogFixture, openCatalogFixture, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import { thrownError } from "../../test/support/thrown_error.ts";
import { hotState } from "./hot_reads.ts";
import { closeCatalog, openCatalog } from "./catalog.ts";
import { type HotDbOpener, discardHotDbForChunk, HotBracketError, HotVolumeLostError, openHotDbForChunk } from "./hot_bracket.ts";
import { CatalogWriteError, writeSynced } from "./_store.ts";

let fixture: CatalogFixture;
beforeEach(() => {
  fixture = openCatalogFixture();
});
afterEach(() => {
  removeCatalogFixture(fixture);
});

const chunk5 = 5 as ChunkId;
const marker = { key: new TextEncoder().encode("marker"), value: new TextEncoder().encode("ledger 50002") };

/** A plain RocksDB stands in for the hot DB schema, which the bracket never looks into. */
const rocksOpener: HotDbOpener<Db> = {
  open: (dir, options) => openDb(dir, { createIfMissing: options.create, readOnly: false }),
  close: (db) => closeDb(db),
};

test("openHotDbForChunk() creates the dir and DB and leaves the key ready", () => {
  const db = openHotDbForChunk(fixture.catalog, chunk5, rocksOpener);
  closeDb(db);
  expect(hotState(fixture.catalog, chunk5)).toBe("ready");
  expect(existsSync(join(fixture.layout.hotDbDir(chunk5), "CURRENT"))).toBe(true);
});

test("openHotDbForChunk() of a ready chunk reopens the same DB without recreating it", () => {
  const first = openHotDbForChunk(fixture.catalog, chunk5, rocksOpener);
  put(first, marker.key, marker.value, { sync: true });
  closeDb(first);
  const second = openHotDbForChunk(fixture.catalog, chunk5, rocksOpener);
  try {
    expect(get(second, marker.key)).toEqual(marker.value);
  } finally {
    closeDb(second);
  }
});

test("openHotDbForChunk() of a ready chunk whose dir is missing throws HotVolumeLostError naming chunk and dir", () => {
  closeDb(openHotDbForChunk(fixture.catalog, chunk5, rocksOpener));
  rmSync(fixture.layout.hotDbDir(chunk5), { recursive: true });
  expect(() => openHotDbForChunk(fixture.catalog, chunk5, rocksOpener)).toThrow(HotVolumeLostError);
  expect(() => openHotDbForChunk(fixture.catalog, chunk5, rocksOpener)).toThrow(
    new RegExp(`chunk 00000005 is "ready" but its hot dir "${fixture.layout.hotDbDir(chunk5)}" is missing; run surgical recovery`),
  );
  expect(hotState(fixture.catalog, chunk5)).toBe("ready");
  expect(existsSync(fixture.layout.hotDbDir(chunk5))).toBe(false);
});

test("openHotDbForChunk() of a ready chunk whose DB will not open throws HotVolumeLostError and never recreates it", () => {
  writeSynced(fixture.catalog, [{ key: "hot:chunk:00000005", value: "ready" }]);
  mkdirSync(fixture.layout.hotDbDir(chunk5));
  const err = thrownError(() => openHotDbForChunk(fixture.catalog, chunk5, rocksOpener), HotVolumeLostError);
  expect(err.message).toStartWith(`Hot storage lost: chunk 00000005 is "ready" but its hot DB "${fixture.layout.hotDbDir(chunk5)}" won't open (`);
  expect(err.cause).toBeInstanceOf(RocksDbError);
  expect(err.message.match(/Cannot/g)).toBeNull(); // RocksDB's detail only, not its "Cannot open …" message
  expect(existsSync(join(fixture.layout.hotDbDir(chunk5), "CURRENT"))).toBe(false);
});

test("openHotDbForChunk() of a ready chunk lets a bug in the opener surface as itself", () => {
  writeSynced(fixture.catalog, [{ key: "hot:chunk:00000005", value: "ready" }]);
  mkdirSync(fixture.layout.hotDbDir(chunk5));
  const buggyOpener: HotDbOpener<Db> = {
    open: () => {
      throw new InvariantError("bug");
    },
    close: rocksOpener.close,
  };
  expect(() => openHotDbForChunk(fixture.catalog, chunk5, buggyOpener)).toThrow(InvariantError);
});

test("openHotDbForChunk() of a transient chunk wipes the old dir and creates a fresh DB", () => {
  const first = openHotDbForChunk(fixture.catalog, chunk5, rocksOpener);
  put(first, marker.key, marker.value, { sync: true });
  closeDb(first);
  writeSynced(fixture.catalog, [{ key: "hot:chunk:00000005", value: "transient" }]);
  writeFileSync(join(fixture.layout.hotDbDir(chunk5), "stray"), "debris");
  const fresh = openHotDbForChunk(fixture.catalog, chunk5, rocksOpener);
  try {
    expect(get(fresh, marker.key)).toBeUndefined();
    expect(existsSync(join(fixture.layout.hotDbDir(chunk5), "stray"))).toBe(false);
    expect(hotState(fixture.catalog, chunk5)).toBe("ready");
  } finally {
    closeDb(fresh);
  }
});

test("openHotDbForChunk() leaves the key transient when the create fails", () => {
  const failingOpener: HotDbOpener<Db> = {
    open: (dir) => openDb(join(dir, "missing-parent", "db"), { createIfMissing: true, readOnly: false }),
    close: rocksOpener.close,
  };
  expect(() => openHotDbForChunk(fixture.catalog, chunk5, failingOpener)).toThrow();
  expect(hotState(fixture.catalog, chunk5)).toBe("transient");
});

test("discardHotDbForChunk() removes the dir and the key; a second discard is a no-op", () => {
  closeDb(openHotDbForChunk(fixture.catalog, chunk5, rocksOpener));
  discardHotDbForChunk(fixture.catalog, chunk5);
  expect(hotState(fixture.catalog, chunk5)).toBeUndefined();
  expect(existsSync(fixture.layout.hotDbDir(chunk5))).toBe(false);
  discardHotDbForChunk(fixture.catalog, chunk5);
  expect(hotState(fixture.catalog, chunk5)).toBeUndefined();
});

test("discardHotDbForChunk() finishes a transient key whose dir is already gone", () => {
  writeSynced(fixture.catalog, [{ key: "hot:chunk:00000005", value: "transient" }]);
  discardHotDbForChunk(fixture.catalog, chunk5);
  expect(hotState(fixture.catalog, chunk5)).toBeUndefined();
});

test("discardHotDbForChunk() of a chunk with no key leaves a stray dir alone", () => {
  mkdirSync(fixture.layout.hotDbDir(chunk5));
  discardHotDbForChunk(fixture.catalog, chunk5);
  expect(existsSync(fixture.layout.hotDbDir(chunk5))).toBe(true);
});

test("openHotDbForChunk() closes the new DB when flipping the key to ready fails", () => {
  const closedDbs: Db[] = [];
  const opener: HotDbOpener<Db> = {
    open: (dir, options) => {
      const db = rocksOpener.open(dir, options);
      closeCatalog(fixture.catalog); // the catalog goes away between create and the ready flip
      return db;
    },
    close: (db) => {
      closedDbs.push(db);
      closeDb(db);
    },
  };
  expect(() => openHotDbForChunk(fixture.catalog, chunk5, opener)).toThrow(CatalogWriteError);
  expect(closedDbs).toHaveLength(1);
  fixture.catalog = openCatalog(fixture.layout, { readOnly: false });
  expect(hotState(fixture.catalog, chunk5)).toBe("transient");
});

test("openHotDbForChunk() reports both failures when the ready flip and the close both fail", () => {
  let opened: Db | undefined;
  const opener: HotDbOpener<Db> = {
    open: (dir, options) => {
      opened = rocksOpener.open(dir, options);
      closeCatalog(fixture.catalog);
      return opened;
    },
    close: () => {
      throw new Error("close failed");
    },
  };
  expect(() => openHotDbForChunk(fixture.catalog, chunk5, opener)).toThrow(HotBracketError);
  closeDb(opened!);
  fixture.catalog = openCatalog(fixture.layout, { readOnly: false });
});
