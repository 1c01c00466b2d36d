import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CatalogOpenError, closeCatalog } from "../catalog/catalog.ts";
import { discardHotDbForChunk } from "../catalog/hot_bracket.ts";
import type { ChunkId, LedgerSeq } from "../geometry/chunk.ts";
import { type HotTier, ReadyHotDbMissingError } from "../read/hot_tier.ts";
import { readLedger } from "../read/read_ledger.ts";
import { fixtureLayout, openCatalogFixture, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import {
  createStoreFixture,
  ingestHotChunk,
  lakeLedgers,
  removeStoreFixture,
  type StoreFixture,
  storeCatalog,
} from "../../test/support/read_store.ts";
import { openCatalogReadOnly, SNAPSHOT_ATTEMPTS_MAX, withStoreReads } from "./_open_read_only.ts";

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

describe("withStoreReads()", () => {
  let fixture: StoreFixture | undefined;
  afterEach(() => {
    if (fixture !== undefined) removeStoreFixture(fixture);
    fixture = undefined;
  });

  /**
   * A store with two ready hot DBs: chunk 0 complete in spirit (its first 3 lake ledgers, awaiting
   * its freeze) and chunk 1 live (1 ledger). The watermark probe opens only chunk 1's.
   */
  async function storeWithTwoHotChunks(): Promise<StoreFixture> {
    fixture = await createStoreFixture({ lastChunkId: 1, chunksPerWindow: 1000, seed: 3 });
    ingestHotChunk(fixture, 0, (await lakeLedgers(fixture, 0)).slice(0, 3));
    ingestHotChunk(fixture, 1, (await lakeLedgers(fixture, 1)).slice(0, 1));
    return fixture;
  }

  test("reads on a fresh snapshot when the first one named a hot DB retired since (a discard by a running daemon)", async () => {
    const store = await storeWithTwoHotChunks();
    const snapshots: (readonly ChunkId[])[] = [];
    const served = await withStoreReads(["--config", store.configPath], ({ tiers, retained }) => {
      snapshots.push((tiers[0] as HotTier).readyChunkIds);
      // The running daemon discards chunk 0's hot DB after this snapshot was read (reference §5.6).
      if (snapshots.length === 1) discardHotDbForChunk(storeCatalog(store), 0 as ChunkId);
      return readLedger(tiers, 2 as LedgerSeq, retained);
    });
    expect(snapshots).toEqual([[1 as ChunkId, 0 as ChunkId], [1 as ChunkId]]);
    expect(served).toBeUndefined();
  });

  test("reports a ready hot DB still missing on the fresh snapshot (damage, not a race)", async () => {
    const store = await storeWithTwoHotChunks();
    rmSync(store.layout.hotDbDir(0 as ChunkId), { recursive: true });
    let attempts = 0;
    const read = withStoreReads(["--config", store.configPath], ({ tiers, retained }) => {
      attempts++;
      return readLedger(tiers, 2 as LedgerSeq, retained);
    });
    await expect(read).rejects.toThrow(ReadyHotDbMissingError);
    expect(attempts).toBe(SNAPSHOT_ATTEMPTS_MAX);
  });
});
