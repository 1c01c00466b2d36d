/**
 * Fixtures for the backfill tests (src/backfill/*_test.ts, test/backfill_crash.test.ts, the bench):
 * a synthetic Filesystem lake of whole chunks, `BackfillDeps` over a catalog fixture, a hot-chunk
 * reader over ledgers held in memory, and exact snapshots of what a backfill leaves on disk (every
 * catalog key and the SHA-256 of every artifact file) so two runs can be compared byte for byte.
 * @module
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { chunkArtifactEntries } from "../../src/catalog/artifact_reads.ts";
import { type Catalog } from "../../src/catalog/catalog.ts";
import { allCoverages } from "../../src/catalog/coverage_reads.ts";
import { hotChunkEntries } from "../../src/catalog/hot_reads.ts";
import { type ChunkId, type LedgerSeq, chunkFirstLedger, chunkLastLedger } from "../../src/geometry/chunk.ts";
import { chunkKey, hotKey, indexKey } from "../../src/geometry/keys.ts";
import { type Layout, STORAGE_ROOT_NAMES } from "../../src/geometry/layout.ts";
import { type LakeSourceOptions, openLakeSource } from "../../src/lake/open_lake_source.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { writeSynthLake } from "../../src/synth/synth_lake.ts";
import { type SynthProfileName } from "../../src/synth/synth_profile.ts";
import { SILENT_BACKFILL_OBSERVER } from "../../src/backfill/backfill_observer.ts";
import { type HotChunkReader } from "../../src/backfill/hot_chunk_reader.ts";
import { type BackfillDeps } from "../../src/backfill/run_backfill.ts";

export const BACKFILL_TEST_PASSPHRASE = "Standalone Network ; February 2017";
/** 100 ledgers per lake object: a chunk is 100 objects, not 10,000 files. */
const LEDGERS_PER_FILE = 100;

/** The lake settings of a Filesystem lake at `lakeDir`, as the daemon passes them. */
export function lakeOptionsOf(lakeDir: string): LakeSourceOptions {
  return {
    type: "Filesystem",
    params: { destination_path: lakeDir },
    schema: {},
    bsb: { bufferObjectCount: 16, workerCount: 4, maxRetries: 0, retryWaitMs: 0 },
    networkPassphrase: BACKFILL_TEST_PASSPHRASE,
  };
}

/** Writes chunks 0..chunkCount−1 as a synthetic lake under `lakeDir` (created by the caller). */
export async function writeBackfillLake(
  lakeDir: string,
  options: { chunkCount: number; profile: SynthProfileName },
): Promise<LakeSourceOptions> {
  await writeSynthLake({
    outDir: lakeDir,
    first: chunkFirstLedger(0 as ChunkId),
    last: chunkLastLedger((options.chunkCount - 1) as ChunkId),
    profile: options.profile,
    seed: 1,
    networkPassphrase: BACKFILL_TEST_PASSPHRASE,
    ledgersPerFile: LEDGERS_PER_FILE,
    filesPerPartition: 64_000,
  });
  return lakeOptionsOf(lakeDir);
}

/** Every ledger of chunk `chunkId` read from the lake, in order. */
export async function chunkLedgersOf(lake: LakeSourceOptions, chunkId: ChunkId): Promise<Uint8Array[]> {
  const source = await openLakeSource(lake);
  return await Array.fromAsync(source.ledgers({ first: chunkFirstLedger(chunkId), last: chunkLastLedger(chunkId) }));
}

/** Deps for `runBackfill` with one worker, no retries, a 1 ms backoff, silent logger and observer. */
export function testBackfillDeps(catalog: Catalog, lake: LakeSourceOptions, overrides: Partial<BackfillDeps> = {}): BackfillDeps {
  return {
    catalog,
    workerCount: 1,
    maxRetries: 0,
    retryBackoffBaseMs: 1,
    lake,
    openHotChunk: (dir) => {
      throw new Error(`test deps open no hot DB (asked for "${dir}")`);
    },
    observer: SILENT_BACKFILL_OBSERVER,
    logger: silentLogger(),
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** A hot-chunk reader over ledgers in memory (the interface's contract, without a 10,000-batch ingest). */
export interface MemoryHotChunk extends HotChunkReader {
  closeCount: number;
}

/** Serves `ledgers` as the chunk's hot DB; `maxCommittedSeq` is the last one's (or the override). */
export function memoryHotChunk(ledgers: readonly Uint8Array[], options: { firstLedgerSeq: LedgerSeq; maxCommittedSeq?: LedgerSeq }): MemoryHotChunk {
  const reader: MemoryHotChunk = {
    closeCount: 0,
    maxCommittedSeq: () => options.maxCommittedSeq ?? ((options.firstLedgerSeq + ledgers.length - 1) as LedgerSeq),
    ledgers: () => ledgers,
    close: () => {
      reader.closeCount += 1;
    },
  };
  return reader;
}

/** Every catalog key and value, sorted: artifact keys, coverage keys, hot keys. */
export function catalogSnapshot(catalog: Catalog): Record<string, string> {
  const snapshot: Record<string, string> = {};
  for (const entry of chunkArtifactEntries(catalog)) snapshot[chunkKey(entry.chunkId, entry.kind)] = entry.state;
  for (const entry of allCoverages(catalog)) snapshot[indexKey(entry.coverage)] = entry.state;
  for (const entry of hotChunkEntries(catalog)) snapshot[hotKey(entry.chunkId)] = entry.state;
  return snapshot;
}

/** SHA-256 (hex) of every file under the artifact roots, keyed by `treeNameOf`; directories map to `/`. */
export function artifactTreeHashes(layout: Layout): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const rootName of STORAGE_ROOT_NAMES) {
    if (rootName === "catalog") continue;
    for (const path of walkTree(layout.roots[rootName])) {
      hashes[treeNameOf(layout, path)] = statSync(path).isDirectory() ? "/" : new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");
    }
  }
  return hashes;
}

/** `{root name}/{path relative to that root}`: the same name for the same file in two data dirs. */
export function treeNameOf(layout: Layout, path: string): string {
  for (const rootName of STORAGE_ROOT_NAMES) {
    const root = layout.roots[rootName];
    if (path.startsWith(`${root}/`)) return `${rootName}/${relative(root, path)}`;
  }
  throw new Error(`"${path}" is under no storage root`);
}

/** Every path below `dir` (not `dir` itself), depth first, sorted; a test's trees are a few dozen entries. */
function walkTree(dir: string): string[] {
  const paths: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    paths.push(path);
    if (statSync(path).isDirectory()) paths.push(...walkTree(path));
  }
  return paths;
}
