import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { barrierChunkArtifacts, createChunkDirs, createIndexDir, flipChunkFrozen, markChunkFreezing, markIndexFreezing } from "../catalog/write_protocol.ts";
import { type Catalog } from "../catalog/catalog.ts";
import { type ChunkId, type LedgerSeq, chunkFirstLedger } from "../geometry/chunk.ts";
import { type IndexCoverage } from "../geometry/windows.ts";
import { openTxhashIndex } from "../formats/txhash_index_reader.ts";
import { TxhashEntries } from "../formats/txhash_entries.ts";
import { writeTxhashRun } from "../formats/txhash_run.ts";
import { Prng } from "../synth/prng.ts";
import { type CatalogFixture, coverageOf, openCatalogFixture, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import { catalogSnapshot } from "../../test/support/backfill_fixture.ts";
import { BackfillTaskError, IndexPreconditionError } from "./backfill_errors.ts";
import { buildThenSweep, buildTxhashIndex } from "./build_txhash_index.ts";

const HASHES_PER_RUN = 200;

let fixture: CatalogFixture | undefined;
afterEach(() => {
  if (fixture !== undefined) removeCatalogFixture(fixture);
  fixture = undefined;
});

function openFixture(chunksPerWindow: number): CatalogFixture {
  fixture = openCatalogFixture({ chunksPerWindow });
  return fixture;
}

interface RunEntry {
  hash: Uint8Array;
  ledgerSeq: LedgerSeq;
}

/** Freezes chunk `chunkId`'s `.bin` through the §5.2 protocol with `count` random hashes inside the chunk. */
async function freezeRun(catalog: Catalog, chunkId: number, options: { count: number; ledgerOffset?: number }): Promise<RunEntry[]> {
  const artifacts = { chunkId: chunkId as ChunkId, kinds: ["txhash" as const] };
  const prng = new Prng(1, chunkId);
  const entries = new TxhashEntries();
  const written: RunEntry[] = [];
  for (let index = 0; index < options.count; index++) {
    const hash = new Uint8Array(32);
    prng.fill(hash);
    const ledgerSeq = (chunkFirstLedger(artifacts.chunkId) + (options.ledgerOffset ?? index)) as LedgerSeq;
    entries.add(hash, ledgerSeq);
    written.push({ hash, ledgerSeq });
  }
  markChunkFreezing(catalog, artifacts);
  createChunkDirs(catalog, artifacts);
  await writeTxhashRun(catalog.layout.txhashRunPath(artifacts.chunkId), entries);
  barrierChunkArtifacts(catalog, artifacts);
  flipChunkFrozen(catalog, artifacts);
  return written;
}

function options(): { signal: AbortSignal } {
  return { signal: new AbortController().signal };
}

function expectResolves(catalog: Catalog, coverage: IndexCoverage, entries: readonly RunEntry[]): void {
  const index = openTxhashIndex(catalog.layout.indexPath(coverage));
  try {
    for (const entry of entries) expect(index.lookup(entry.hash)).toContain(entry.ledgerSeq);
  } finally {
    index.close();
  }
}

function indexFiles(catalog: Catalog, windowId: number): string[] {
  const dir = catalog.layout.indexWindowDir(coverageOf(windowId, 0, 0).windowId);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe("buildTxhashIndex() and buildThenSweep()", () => {
  test("buildTxhashIndex() builds a queryable non-terminal coverage and keeps its input runs frozen", async () => {
    const { catalog } = openFixture(4);
    const entries = [...(await freezeRun(catalog, 0, { count: HASHES_PER_RUN })), ...(await freezeRun(catalog, 1, { count: HASHES_PER_RUN }))];
    const built = await buildTxhashIndex({ catalog }, coverageOf(0, 0, 1), options());
    expect(built).toEqual({ skipped: false, keyCount: 2 * HASHES_PER_RUN });
    expect(catalogSnapshot(catalog)).toEqual({
      "chunk:00000000:txhash": "frozen",
      "chunk:00000001:txhash": "frozen",
      "index:00000000:00000000:00000001": "frozen",
    });
    expectResolves(catalog, coverageOf(0, 0, 1), entries);
  });

  test("buildThenSweep() demotes and sweeps the rolling predecessor: one coverage key and one .idx remain each time", async () => {
    const { catalog } = openFixture(4);
    const entries: RunEntry[] = [];
    for (let hi = 0; hi <= 2; hi++) {
      entries.push(...(await freezeRun(catalog, hi, { count: HASHES_PER_RUN })));
      await buildThenSweep({ catalog }, coverageOf(0, 0, hi), options());
      const coverageKeys = Object.keys(catalogSnapshot(catalog)).filter((key) => key.startsWith("index:"));
      expect(coverageKeys).toEqual([`index:00000000:00000000:0000000${hi}`]);
      expect(indexFiles(catalog, 0)).toEqual([`00000000-0000000${hi}.idx`]);
    }
    expectResolves(catalog, coverageOf(0, 0, 2), entries);
  });

  test("buildThenSweep() of a terminal coverage sweeps every input run, and the .idx still resolves", async () => {
    const { catalog } = openFixture(2);
    const entries = [...(await freezeRun(catalog, 0, { count: HASHES_PER_RUN })), ...(await freezeRun(catalog, 1, { count: HASHES_PER_RUN }))];
    await buildThenSweep({ catalog }, coverageOf(0, 0, 1), options());
    expect(catalogSnapshot(catalog)).toEqual({ "index:00000000:00000000:00000001": "frozen" });
    expect(existsSync(catalog.layout.txhashRunPath(0 as ChunkId))).toBe(false);
    expect(existsSync(catalog.layout.txhashRunPath(1 as ChunkId))).toBe(false);
    expectResolves(catalog, coverageOf(0, 0, 1), entries);
  });

  test("buildTxhashIndex() skips an exactly frozen coverage without asking for its swept input runs", async () => {
    const { catalog } = openFixture(2);
    await freezeRun(catalog, 0, { count: HASHES_PER_RUN });
    await freezeRun(catalog, 1, { count: HASHES_PER_RUN });
    await buildThenSweep({ catalog }, coverageOf(0, 0, 1), options());
    const before = catalogSnapshot(catalog);
    expect(await buildThenSweep({ catalog }, coverageOf(0, 0, 1), options())).toEqual({ skipped: true, keyCount: 0 });
    expect(catalogSnapshot(catalog)).toEqual(before);
  });

  test("buildTxhashIndex() fails before writing any key when an input run is not frozen", async () => {
    const { catalog } = openFixture(4);
    await freezeRun(catalog, 0, { count: HASHES_PER_RUN });
    markChunkFreezing(catalog, { chunkId: 1 as ChunkId, kinds: ["txhash"] });
    const before = catalogSnapshot(catalog);
    await expect(buildTxhashIndex({ catalog }, coverageOf(0, 0, 2), options())).rejects.toThrow(
      'Cannot build index 00000000 [00000000, 00000002]: chunk:00000001:txhash is "freezing", want "frozen"',
    );
    await expect(buildTxhashIndex({ catalog }, coverageOf(0, 0, 0), options())).resolves.toMatchObject({ skipped: false });
    await expect(buildTxhashIndex({ catalog }, coverageOf(0, 2, 3), options())).rejects.toThrow(IndexPreconditionError);
    expect(catalogSnapshot(catalog)).toEqual({ ...before, "index:00000000:00000000:00000000": "frozen" });
  });

  test("buildTxhashIndex() builds a valid empty index for a coverage without transactions (D9)", async () => {
    const { catalog } = openFixture(4);
    await freezeRun(catalog, 0, { count: 0 });
    expect(await buildTxhashIndex({ catalog }, coverageOf(0, 0, 0), options())).toEqual({ skipped: false, keyCount: 0 });
    const index = openTxhashIndex(catalog.layout.indexPath(coverageOf(0, 0, 0)));
    expect(index.lookup(new Uint8Array(32).fill(9))).toEqual([]);
    index.close();
  });

  test("buildTxhashIndex() leaves the coverage freezing and no .idx when an input run holds a ledger outside the coverage", async () => {
    const { catalog } = openFixture(4);
    await freezeRun(catalog, 0, { count: 3, ledgerOffset: 20_000 });
    const error = await buildTxhashIndex({ catalog }, coverageOf(0, 0, 0), options()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BackfillTaskError);
    expect((error as Error).message).toStartWith("Cannot build index 00000000 [00000000, 00000000]: ");
    expect(catalogSnapshot(catalog)["index:00000000:00000000:00000000"]).toBe("freezing");
    expect(indexFiles(catalog, 0)).toEqual([]);
  });

  test("buildThenSweep() converges after a crash between mark and commit: the debris is overwritten, one coverage is frozen", async () => {
    const { catalog } = openFixture(4);
    const entries = await freezeRun(catalog, 0, { count: HASHES_PER_RUN });
    await buildThenSweep({ catalog }, coverageOf(0, 0, 0), options());
    entries.push(...(await freezeRun(catalog, 1, { count: HASHES_PER_RUN })));
    markIndexFreezing(catalog, coverageOf(0, 0, 1));
    createIndexDir(catalog, coverageOf(0, 0, 1));
    writeFileSync(catalog.layout.indexPath(coverageOf(0, 0, 1)), "a torn .idx");
    await buildThenSweep({ catalog }, coverageOf(0, 0, 1), options());
    expect(Object.entries(catalogSnapshot(catalog)).filter(([key]) => key.startsWith("index:"))).toEqual([
      ["index:00000000:00000000:00000001", "frozen"],
    ]);
    expect(indexFiles(catalog, 0)).toEqual(["00000000-00000001.idx"]);
    expectResolves(catalog, coverageOf(0, 0, 1), entries);
  });

  test("buildThenSweep() finishes the sweep of a terminal commit whose sweep never ran", async () => {
    const { catalog } = openFixture(2);
    await freezeRun(catalog, 0, { count: HASHES_PER_RUN });
    await freezeRun(catalog, 1, { count: HASHES_PER_RUN });
    await buildTxhashIndex({ catalog }, coverageOf(0, 0, 1), options());
    expect(catalogSnapshot(catalog)["chunk:00000000:txhash"]).toBe("pruning");
    expect(await buildThenSweep({ catalog }, coverageOf(0, 0, 1), options())).toEqual({ skipped: true, keyCount: 0 });
    expect(catalogSnapshot(catalog)).toEqual({ "index:00000000:00000000:00000001": "frozen" });
    expect(existsSync(catalog.layout.txhashRunPath(0 as ChunkId))).toBe(false);
  });
});
