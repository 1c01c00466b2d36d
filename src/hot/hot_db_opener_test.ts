import { afterEach, beforeEach, expect, test } from "bun:test";
import { deleteKey, columnFamily } from "../../ffi/rocksdb.ts";
import { HotVolumeLostError, openHotDbForChunk } from "../catalog/hot_bracket.ts";
import { hotState } from "../catalog/hot_reads.ts";
import { type ChunkId, chunkFirstLedger } from "../geometry/chunk.ts";
import { type CatalogFixture, openCatalogFixture, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import { thrownError } from "../../test/support/thrown_error.ts";
import { u32Key } from "./_hot_schema.ts";
import { damageHotDb, synthLedgers } from "./_hot_test_support.ts";
import { hotDbOpener } from "./hot_db_opener.ts";

const chunk3 = 3 as ChunkId;
let fixture: CatalogFixture;

beforeEach(() => {
  fixture = openCatalogFixture();
});
afterEach(() => {
  removeCatalogFixture(fixture);
});

test("the hot bracket creates, fills and reopens a chunk's hot DB through hotDbOpener()", () => {
  const ledgers = synthLedgers({ chunkId: chunk3, count: 5, profile: "sparse", seed: 3 });
  const opener = hotDbOpener(chunk3);
  const created = openHotDbForChunk(fixture.catalog, chunk3, opener);
  expect(hotState(fixture.catalog, chunk3)).toBe("ready");
  expect(created.dir).toBe(fixture.layout.hotDbDir(chunk3));
  for (const ledger of ledgers) created.ingestLedger(ledger.seq, ledger.lcm);
  opener.close(created);
  const reopened = openHotDbForChunk(fixture.catalog, chunk3, opener);
  try {
    expect(reopened.maxCommittedSeq()).toBe(ledgers[4]!.seq);
    expect(reopened.ledger(ledgers[2]!.seq)).toEqual(ledgers[2]!.lcm);
  } finally {
    opener.close(reopened);
  }
});

test("a ready hot DB that fails its consistency checks is hot storage lost (fatal), naming the chunk", () => {
  const opener = hotDbOpener(chunk3);
  const created = openHotDbForChunk(fixture.catalog, chunk3, opener);
  for (const ledger of synthLedgers({ chunkId: chunk3, count: 3, profile: "sparse", seed: 3 })) created.ingestLedger(ledger.seq, ledger.lcm);
  opener.close(created);
  const dir = fixture.layout.hotDbDir(chunk3);
  damageHotDb(dir, (db) => deleteKey(db, u32Key(chunkFirstLedger(chunk3) + 1), { sync: true, cf: columnFamily(db, "events_offsets") }));
  const error = thrownError(() => openHotDbForChunk(fixture.catalog, chunk3, opener), HotVolumeLostError);
  expect(error.message).toContain("chunk 00000003");
  expect(error.message).toContain("events_offsets has ledger");
});
