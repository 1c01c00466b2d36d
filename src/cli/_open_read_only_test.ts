import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RocksDbError } from "../../ffi/rocksdb.ts";
import { CatalogOpenError, closeCatalog } from "../catalog/catalog.ts";
import { fixtureLayout, openCatalogFixture, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import { isRacedByWriter, openCatalogReadOnly } from "./_open_read_only.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openFailure(detail: string): CatalogOpenError {
  const cause = new RocksDbError({ operation: "open", dbPath: "/data/catalog/rocksdb", detail });
  return new CatalogOpenError(`Cannot open catalog "/data/catalog/rocksdb": ${detail}`, { cause });
}

describe("isRacedByWriter()", () => {
  test.each([
    ["Corruption: IO error: While open a file for random read: /data/catalog/rocksdb/000019.ldb: No such file or directory"],
    ["IO error: No such file or directory: While open a file for random read: /data/catalog/rocksdb/000042.sst: No such file or directory"],
    ["IO error: No such file or directory: While opening a file for sequentially reading: /data/catalog/rocksdb/MANIFEST-000007: No such file or directory"],
    ["IO error: No such file or directory: While opening a file for sequentially reading: /data/catalog/rocksdb/000011.log: No such file or directory"],
  ])("retries the writer race %p", (detail) => {
    expect(isRacedByWriter(openFailure(detail))).toBe(true);
  });

  test.each([
    ["IO error: No such file or directory: While opening a file for sequentially reading: /data/catalog/rocksdb/CURRENT: No such file or directory"],
    ["Corruption: block checksum mismatch in /data/catalog/rocksdb/000019.sst"],
    ["IO error: Permission denied: /data/catalog/rocksdb/000019.sst"],
  ])("does not retry %p", (detail) => {
    expect(isRacedByWriter(openFailure(detail))).toBe(false);
  });

  test("does not retry an error that is not a catalog open failure", () => {
    expect(isRacedByWriter(new Error("000019.sst: No such file or directory"))).toBe(false);
  });
});

describe("openCatalogReadOnly()", () => {
  test("opens a catalog another handle holds read-write (no LOCK taken)", async () => {
    const fixture = openCatalogFixture();
    try {
      const reader = await openCatalogReadOnly(fixture.layout);
      expect(reader.readOnly).toBe(true);
      closeCatalog(reader);
    } finally {
      removeCatalogFixture(fixture);
    }
  });

  test("fails with CatalogOpenError naming the directory where no catalog exists", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fullhistory-ro-"));
    dirs.push(dataDir);
    const layout = fixtureLayout(dataDir, { chunksPerWindow: 1000 });
    await expect(openCatalogReadOnly(layout)).rejects.toThrow(CatalogOpenError);
    await expect(openCatalogReadOnly(layout)).rejects.toThrow(`"${layout.catalogDbDir()}"`);
  });
});
