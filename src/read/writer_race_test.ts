import { describe, expect, test } from "bun:test";
import { RocksDbError } from "../../ffi/rocksdb.ts";
import { CatalogOpenError } from "../catalog/catalog.ts";
import { HotDbCorruptError, HotDbOpenError } from "../hot/hot_errors.ts";
import { isRacedByWriter, openRacingWriterSync, WRITER_RACE_ATTEMPTS_MAX } from "./writer_race.ts";

const RACED = "IO error: No such file or directory: While opening a file for sequentially reading: /data/hot/00000003/000011.log: No such file or directory";

function catalogOpenFailure(detail: string): CatalogOpenError {
  const cause = new RocksDbError({ operation: "open", dbPath: "/data/catalog/rocksdb", detail });
  return new CatalogOpenError(`Cannot open catalog "/data/catalog/rocksdb": ${detail}`, { cause });
}

function hotOpenFailure(detail: string): HotDbOpenError {
  const cause = new RocksDbError({ operation: "open", dbPath: "/data/hot/00000003", detail });
  return new HotDbOpenError(`Cannot open the hot DB of chunk 00000003 at "/data/hot/00000003": ${detail}`, { cause });
}

describe("isRacedByWriter()", () => {
  test.each([
    ["Corruption: IO error: While open a file for random read: /data/catalog/rocksdb/000019.ldb: No such file or directory"],
    ["IO error: No such file or directory: While open a file for random read: /data/catalog/rocksdb/000042.sst: No such file or directory"],
    ["IO error: No such file or directory: While opening a file for sequentially reading: /data/catalog/rocksdb/MANIFEST-000007: No such file or directory"],
    ["IO error: No such file or directory: While opening a file for sequentially reading: /data/catalog/rocksdb/000011.log: No such file or directory"],
  ])("retries the catalog open race %p", (detail) => {
    expect(isRacedByWriter(catalogOpenFailure(detail))).toBe(true);
  });

  test("retries the same race on a hot DB open", () => {
    expect(isRacedByWriter(hotOpenFailure(RACED))).toBe(true);
  });

  test.each([
    ["IO error: No such file or directory: While opening a file for sequentially reading: /data/catalog/rocksdb/CURRENT: No such file or directory"],
    ["Corruption: block checksum mismatch in /data/catalog/rocksdb/000019.sst"],
    ["IO error: Permission denied: /data/catalog/rocksdb/000019.sst"],
  ])("does not retry %p", (detail) => {
    expect(isRacedByWriter(catalogOpenFailure(detail))).toBe(false);
    expect(isRacedByWriter(hotOpenFailure(detail))).toBe(false);
  });

  test("does not retry an error that is not an open failure, nor a corrupt hot DB", () => {
    expect(isRacedByWriter(new Error("000019.sst: No such file or directory"))).toBe(false);
    expect(isRacedByWriter(new HotDbCorruptError(RACED))).toBe(false);
  });
});

describe("openRacingWriterSync()", () => {
  test("returns the first open that does not race the writer", () => {
    let attempts = 0;
    const opened = openRacingWriterSync(() => {
      attempts++;
      if (attempts < 3) throw hotOpenFailure(RACED);
      return "db";
    });
    expect(opened).toBe("db");
    expect(attempts).toBe(3);
  });

  test("rethrows the race after the last attempt", () => {
    let attempts = 0;
    const raced = () => {
      attempts++;
      throw hotOpenFailure(RACED);
    };
    expect(() => openRacingWriterSync(raced)).toThrow(HotDbOpenError);
    expect(attempts).toBe(WRITER_RACE_ATTEMPTS_MAX);
  });

  test("rethrows any other failure at once", () => {
    let attempts = 0;
    const corrupt = () => {
      attempts++;
      throw new HotDbCorruptError("Hot DB of chunk 00000003 is inconsistent");
    };
    expect(() => openRacingWriterSync(corrupt)).toThrow(HotDbCorruptError);
    expect(attempts).toBe(1);
  });
});
