import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CatalogOpenError, closeCatalog } from "../catalog/catalog.ts";
import { fixtureLayout, openCatalogFixture, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import { openCatalogReadOnly } from "./_open_read_only.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
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
