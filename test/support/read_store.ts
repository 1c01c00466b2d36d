/**
 * Real stores for the read-path and audit tests: a synthesized lake on disk (`writeSynthLake`,
 * sparse profile: mostly empty ledgers, fee bumps among the rest), read back through the real
 * lake source, frozen chunk by chunk with the real protocol (catalog mark → the backfill's own
 * `writeChunkArtifacts` → barrier → flip) and indexed with the real coverage protocol (mark →
 * `buildTxhashIndex` → barrier → commit → window sweep). Nothing is faked; the helpers only
 * sequence `src/` functions the way the backfill engine does.
 * @module
 */

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { put } from "../../ffi/rocksdb.ts";
import { writeChunkArtifacts } from "../../src/backfill/write_chunk_artifacts.ts";
import { type Catalog, closeCatalog, openCatalog } from "../../src/catalog/catalog.ts";
import { pinEarliestLedger } from "../../src/catalog/earliest_ledger.ts";
import { openHotDbForChunk } from "../../src/catalog/hot_bracket.ts";
import { sweepWindow } from "../../src/catalog/window_sweep.ts";
import {
  barrierChunkArtifacts,
  barrierIndexFile,
  commitIndex,
  createChunkDirs,
  createIndexDir,
  flipChunkFrozen,
  markChunkFreezing,
  markIndexFreezing,
} from "../../src/catalog/write_protocol.ts";
import { parseConfig } from "../../src/config/load_config.ts";
import { hotDbOpener } from "../../src/hot/hot_db_opener.ts";
import { createLedgerPackWriter } from "../../src/formats/ledger_pack_writer.ts";
import { buildTxhashIndex } from "../../src/formats/txhash_index_build.ts";
import { type ChunkId, type LedgerSeq, chunkFirstLedger, chunkIdsInclusive, chunkLastLedger } from "../../src/geometry/chunk.ts";
import { ARTIFACT_KINDS, type ArtifactKind } from "../../src/geometry/keys.ts";
import { Layout } from "../../src/geometry/layout.ts";
import { type IndexCoverage, WindowGeometry, coverageLedgerSpan } from "../../src/geometry/windows.ts";
import type { LedgerSource } from "../../src/lake/ledger_source.ts";
import { openLakeSource } from "../../src/lake/open_lake_source.ts";
import { LedgerSynth } from "../../src/synth/ledger_synth.ts";
import { writeSynthLake } from "../../src/synth/synth_lake.ts";
import type { SynthProfileName } from "../../src/synth/synth_profile.ts";

export const TEST_PASSPHRASE = "Test SDF Network ; September 2015";

/** A temp dir holding a lake, a config naming it, and a data dir. */
export interface StoreFixture {
  readonly dir: string;
  readonly lakeDir: string;
  readonly configPath: string;
  readonly layout: Layout;
  /** Read-write; close it (`closeStoreCatalog`) before a child process opens the store. */
  catalog: Catalog | undefined;
  readonly source: LedgerSource;
}

/** The config the CLI tests run with: data under `dir/data`, the lake at `lakeDir`. */
export function storeConfigToml(dir: string, lakeDir: string): string {
  return [
    "[storage]",
    `default_data_dir = "${join(dir, "data")}"`,
    "[backfill.datastore]",
    'type = "Filesystem"',
    `params = { destination_path = "${lakeDir}" }`,
    "[ingestion]",
    `network_passphrase = "${TEST_PASSPHRASE}"`,
    "",
  ].join("\n");
}

/**
 * Writes a lake covering chunks [0, lastChunkId] (seeded; sparse unless `profile` says otherwise), a
 * config, and an empty store with `chunksPerWindow`-chunk windows (the CLI always uses 1000) and
 * the earliest ledger pinned at 2.
 */
export async function createStoreFixture(options: {
  lastChunkId: number;
  chunksPerWindow: number;
  seed: number;
  profile?: SynthProfileName;
}): Promise<StoreFixture> {
  const dir = mkdtempSync(join(tmpdir(), "fullhistory-read-"));
  const lakeDir = join(dir, "lake");
  const last = chunkLastLedger(options.lastChunkId as ChunkId);
  await writeSynthLake({
    outDir: lakeDir,
    first: 2 as LedgerSeq,
    last,
    profile: options.profile ?? "sparse",
    seed: options.seed,
    networkPassphrase: TEST_PASSPHRASE,
    ledgersPerFile: 100,
    filesPerPartition: 64,
  });
  const configPath = join(dir, "fullhistory.toml");
  const toml = storeConfigToml(dir, lakeDir);
  writeFileSync(configPath, toml);
  const config = parseConfig(toml, { configPath });
  for (const root of Object.values(config.storage.roots)) mkdirSync(root, { recursive: true });
  const layout = new Layout(config.storage.roots, new WindowGeometry(options.chunksPerWindow));
  const catalog = openCatalog(layout, { readOnly: false });
  pinEarliestLedger(catalog, 2 as LedgerSeq);
  const source = await openLakeSource({
    type: "Filesystem",
    params: { destination_path: lakeDir },
    schema: {},
    bsb: { bufferObjectCount: 8, workerCount: 2, maxRetries: 0, retryWaitMs: 10 },
    networkPassphrase: TEST_PASSPHRASE,
  });
  return { dir, lakeDir, configPath, layout, catalog, source };
}

/** The fixture's read-write catalog (asserts it is open). */
export function storeCatalog(fixture: StoreFixture): Catalog {
  if (fixture.catalog === undefined) throw new Error("the fixture's catalog is closed");
  return fixture.catalog;
}

/** Closes the fixture's catalog so another process (or a read-only open) can take it. */
export function closeStoreCatalog(fixture: StoreFixture): void {
  if (fixture.catalog !== undefined) closeCatalog(fixture.catalog);
  fixture.catalog = undefined;
}

/** Opens the fixture's catalog read-write again after `closeStoreCatalog` (no child may hold it then). */
export function reopenStoreCatalog(fixture: StoreFixture): Catalog {
  fixture.catalog ??= openCatalog(fixture.layout, { readOnly: false });
  return fixture.catalog;
}

/** Closes the catalog and removes everything. */
export function removeStoreFixture(fixture: StoreFixture): void {
  closeStoreCatalog(fixture);
  rmSync(fixture.dir, { recursive: true, force: true });
}

/** Freezes `kinds` of every chunk in [lo, hi] from the lake with the §5.2 protocol. */
export async function freezeChunksFromLake(
  fixture: StoreFixture,
  range: { lo: number; hi: number },
  kinds: readonly ArtifactKind[] = ARTIFACT_KINDS,
): Promise<void> {
  const catalog = storeCatalog(fixture);
  for (const chunkId of chunkIdsInclusive(range.lo as ChunkId, range.hi as ChunkId)) {
    const artifacts = { chunkId, kinds };
    markChunkFreezing(catalog, artifacts);
    createChunkDirs(catalog, artifacts);
    await writeChunkArtifacts(fixture.source.ledgers({ first: chunkFirstLedger(chunkId), last: chunkLastLedger(chunkId) }), {
      chunkId,
      kinds,
      paths: {
        ledgerPack: fixture.layout.ledgerPackPath(chunkId),
        events: fixture.layout.eventsPaths(chunkId),
        txhashRun: fixture.layout.txhashRunPath(chunkId),
      },
      sourceDescription: fixture.source.description,
    });
    barrierChunkArtifacts(catalog, artifacts);
    flipChunkFrozen(catalog, artifacts);
  }
}

/** Builds and commits `coverage` from its chunks' frozen `.bin`s (§5.3), then sweeps the window. */
export function freezeCoverage(fixture: StoreFixture, coverage: IndexCoverage): void {
  const catalog = storeCatalog(fixture);
  markIndexFreezing(catalog, coverage);
  createIndexDir(catalog, coverage);
  const runPaths = [...chunkIdsInclusive(coverage.lo, coverage.hi)].map((chunkId) => fixture.layout.txhashRunPath(chunkId));
  const span = coverageLedgerSpan(coverage);
  buildTxhashIndex({ runPaths, outputPath: fixture.layout.indexPath(coverage), minLedger: span.minLedger, maxLedger: span.maxLedger });
  barrierIndexFile(catalog, coverage);
  commitIndex(catalog, coverage);
  sweepWindow(catalog, coverage.windowId);
}

/**
 * Creates chunk `chunkId`'s hot DB through the real hot bracket (its key ends `ready`, §5.6) and
 * ingests `ledgers` (consecutive from the chunk's first ledger, as the ingestion loop would), then
 * closes it.
 */
export function ingestHotChunk(fixture: StoreFixture, chunkId: number, ledgers: readonly Uint8Array[]): void {
  const db = openHotDbForChunk(storeCatalog(fixture), chunkId as ChunkId, hotDbOpener(chunkId as ChunkId));
  try {
    ledgers.forEach((lcm, index) => db.ingestLedger((chunkFirstLedger(chunkId as ChunkId) + index) as LedgerSeq, lcm));
  } finally {
    db.close();
  }
}

/** `count` ledgers of ANOTHER lake (seed `seed`) from chunk `chunkId`'s first ledger: valid, but not this store's. */
export function foreignLedgers(options: { chunkId: number; count: number; seed: number }): Uint8Array[] {
  const synth = new LedgerSynth({ seed: options.seed, profile: "sparse", networkPassphrase: TEST_PASSPHRASE });
  const firstLedgerSeq = chunkFirstLedger(options.chunkId as ChunkId);
  return Array.from({ length: options.count }, (_, index) => synth.generate((firstLedgerSeq + index) as LedgerSeq).lcm);
}

/** Writes a raw catalog entry, bypassing the protocol: only for planting a broken state. */
export function plantCatalogValue(fixture: StoreFixture, key: string, value: string): void {
  const encoder = new TextEncoder();
  put(storeCatalog(fixture).db, encoder.encode(key), encoder.encode(value), { sync: true });
}

/** Every ledger of chunk `chunkId` from the lake, in order. */
export async function lakeLedgers(fixture: StoreFixture, chunkId: number): Promise<Uint8Array[]> {
  const ledgers: Uint8Array[] = [];
  const range = { first: chunkFirstLedger(chunkId as ChunkId), last: chunkLastLedger(chunkId as ChunkId) };
  for await (const lcm of fixture.source.ledgers(range)) ledgers.push(lcm);
  return ledgers;
}

/** Runs `use` with `path` changed by `damage`, then puts the original file back (even on failure). */
export async function withDamagedFile(path: string, damage: (path: string) => void, use: () => Promise<void> | void): Promise<void> {
  // Saved outside the store: a copy inside a root would itself be a stray file to audit.
  const savedDir = mkdtempSync(join(tmpdir(), "fullhistory-saved-"));
  const saved = join(savedDir, "original");
  copyFileSync(path, saved);
  try {
    damage(path);
    await use();
  } finally {
    copyFileSync(saved, path);
    rmSync(savedDir, { recursive: true });
  }
}

/** Flips one bit of the byte at `byteOffset` of `path` (negative: from the end). */
export function flipByte(path: string, byteOffset: number): void {
  const bytes = readFileSync(path);
  bytes[byteOffset < 0 ? bytes.length + byteOffset : byteOffset]! ^= 0x01;
  writeFileSync(path, bytes);
}

/**
 * Writes a valid ledger pack for chunk `chunkId` at `path` holding ANOTHER lake's ledgers (seed
 * `seed`): it opens and checks like the real one, only a deep audit can tell them apart.
 */
export function writeForeignPack(path: string, options: { chunkId: number; seed: number }): void {
  const synth = new LedgerSynth({ seed: options.seed, profile: "sparse", networkPassphrase: TEST_PASSPHRASE });
  const firstLedgerSeq = chunkFirstLedger(options.chunkId as ChunkId);
  const writer = createLedgerPackWriter(path, firstLedgerSeq);
  for (let ledgerSeq: number = firstLedgerSeq; ledgerSeq <= chunkLastLedger(options.chunkId as ChunkId); ledgerSeq++) {
    writer.append(ledgerSeq as LedgerSeq, synth.generate(ledgerSeq as LedgerSeq).lcm);
  }
  writer.finish();
}
