import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvariantError } from "../assert.ts";
import { type ChunkId } from "../geometry/chunk.ts";
import { type CatalogFixture, fixtureLayout, openCatalogFixture, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import { artifactState } from "./artifact_reads.ts";
import { CatalogOpenError, closeCatalog, openCatalog } from "./catalog.ts";
import { markChunkFreezing } from "./write_protocol.ts";

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
