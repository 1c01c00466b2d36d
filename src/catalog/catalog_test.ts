import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RocksDbError } from "../../ffi/rocksdb.ts";
import { InvariantError } from "../assert.ts";
import { type ChunkId } from "../geometry/chunk.ts";
import { type CatalogFixture, fixtureLayout, openCatalogFixture, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import { thrownError } from "../../test/support/thrown_error.ts";
import { artifactState } from "./artifact_reads.ts";
import { CatalogOpenError, closeCatalog, openCatalog } from "./catalog.ts";
import { markChunkFreezing } from "./write_protocol.ts";
import { CatalogWriteError, writeSynced } from "./_store.ts";

let fixture: CatalogFixture;
beforeEach(() => {
  fixture = openCatalogFixture();
});
afterEach(() => {
  removeCatalogFixture(fixture);
});

const chunk7 = 7 as ChunkId;

test("openCatalog() creates the catalog RocksDB in the catalog root", () => {
  expect(existsSync(join(fixture.layout.catalogDbDir(), "CURRENT"))).toBe(true);
});

test("openCatalog() read-only sees what the writer synced while the writer is open", () => {
  markChunkFreezing(fixture.catalog, { chunkId: chunk7, kinds: ["ledgers"] });
  const reader = openCatalog(fixture.layout, { readOnly: true });
  try {
    expect(reader.readOnly).toBe(true);
    expect(artifactState(reader, { chunkId: chunk7, kind: "ledgers" })).toBe("freezing");
  } finally {
    closeCatalog(reader);
  }
});

test("a read-only catalog refuses writes before reaching RocksDB", () => {
  const reader = openCatalog(fixture.layout, { readOnly: true });
  try {
    expect(() => markChunkFreezing(reader, { chunkId: chunk7, kinds: ["ledgers"] })).toThrow(InvariantError);
  } finally {
    closeCatalog(reader);
  }
  expect(artifactState(fixture.catalog, { chunkId: chunk7, kind: "ledgers" })).toBeUndefined();
});

test("openCatalog() reopens what an earlier handle wrote", () => {
  markChunkFreezing(fixture.catalog, { chunkId: chunk7, kinds: ["events"] });
  closeCatalog(fixture.catalog);
  fixture.catalog = openCatalog(fixture.layout, { readOnly: false });
  expect(artifactState(fixture.catalog, { chunkId: chunk7, kind: "events" })).toBe("freezing");
});

test("openCatalog() read-only on a data dir with no catalog fails naming the directory", () => {
  const emptyDir = mkdtempSync(join(tmpdir(), "fullhistory-nocatalog-"));
  try {
    const layout = fixtureLayout(emptyDir, { chunksPerWindow: 4 });
    expect(() => openCatalog(layout, { readOnly: true })).toThrow(CatalogOpenError);
    expect(() => openCatalog(layout, { readOnly: true })).toThrow(layout.catalogDbDir());
  } finally {
    rmSync(emptyDir, { recursive: true, force: true });
  }
});

test("a second read-write openCatalog() of a live catalog fails with CatalogOpenError", () => {
  expect(() => openCatalog(fixture.layout, { readOnly: false })).toThrow(CatalogOpenError);
});

test("openCatalog() failure is one line: directory, RocksDB's detail, remedy, with no doubled prefix", () => {
  const err = thrownError(() => openCatalog(fixture.layout, { readOnly: false }), CatalogOpenError);
  const dir = fixture.layout.catalogDbDir();
  expect(err.cause).toBeInstanceOf(RocksDbError);
  expect(err.message).toStartWith(`Cannot open catalog "${dir}": IO error: `);
  expect(err.message).toEndWith("; check [storage] catalog, its permissions and free space, then restart");
  expect(err.message.match(/Cannot/g)).toHaveLength(1);
  expect(err.message).not.toContain("\n");
});

test("writeSynced() failure is one CatalogWriteError line naming the write, with no doubled prefix", () => {
  closeCatalog(fixture.catalog);
  const err = thrownError(() => writeSynced(fixture.catalog, [{ key: "chunk:00000007:ledgers", value: "freezing" }]), CatalogWriteError);
  expect(err.cause).toBeInstanceOf(RocksDbError);
  expect(err.message).toStartWith(`Cannot write the catalog ("chunk:00000007:ledgers" = "freezing"): `);
  expect(err.message.match(/Cannot/g)).toHaveLength(1);
  fixture.catalog = openCatalog(fixture.layout, { readOnly: false });
});
