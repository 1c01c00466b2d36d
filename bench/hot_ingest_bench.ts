/**
 * Live ingestion and the hot chunk DB against their floors, on the same data in the same run:
 *   hot_ingest        — `runIngestion` over a synthesized Filesystem lake of mixed ledgers (one per
 *                       object, as Galexie writes the live tail): lake read and prepare in the
 *                       Worker (walk, zstd, payloads, term keys) pipelined with the main thread's ONE
 *                       synced batch per ledger; against the floor of this disk's synced RocksDB
 *                       batch commits of the SAME batches: the exact keys and values the ingest
 *                       wrote, read back from its DB and pre-built per ledger, into a fresh DB with
 *                       the same column families and options (no lake, no walking, no compression,
 *                       no hashing). Timed from the first commit to the last (steady state: the
 *                       hot DB's creation and the Worker's start are once per run, not per ledger),
 *                       so both sides count the same LEDGER_COUNT − 1 commits.
 *   hot_ingest_serial — the same ledgers through `ingestLedger` (everything on one thread, the
 *                       pre-pipeline path) against the same floor, to show what the overlap buys.
 *   hot_open          — `openHotChunkDbReadOnly` of the ingested DB (open + every consistency
 *                       check), against a bare read-only RocksDB open of the same DB.
 * Rounds alternate the paths so drift on this shared machine hits all alike; each figure is the
 * best of the rounds (other processes' CPU load slows CPU work more than the fsyncs).
 * Prints `bench <name>: <value> <unit> | floor <value> <unit> | ratio <value/floor>`.
 */

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  batchPut,
  closeDb,
  type ColumnFamily,
  columnFamily,
  createBatch,
  type Db,
  destroyBatch,
  openDb,
  scanRange,
  writeBatch,
} from "../ffi/rocksdb.ts";
import { closeCatalog, openCatalog } from "../src/catalog/catalog.ts";
import { runIngestion } from "../src/daemon/ingestion.ts";
import { type ChunkId, chunkFirstLedger, type LedgerSeq } from "../src/geometry/chunk.ts";
import { openHotChunkDb, openHotChunkDbReadOnly } from "../src/hot/hot_chunk_db.ts";
import { openLakeSource } from "../src/lake/open_lake_source.ts";
import { WakeSignal } from "../src/lifecycle/wake_signal.ts";
import { silentLogger } from "../src/log/logger.ts";
import { createDaemonMetrics } from "../src/metrics/daemon_metrics.ts";
import { writeSynthLake } from "../src/synth/synth_lake.ts";
import { BACKFILL_TEST_PASSPHRASE, lakeOptionsOf } from "../test/support/backfill_fixture.ts";
import { fixtureLayout } from "../test/support/catalog_fixture.ts";
import { openTestLake } from "../test/support/ingestion_fixture.ts";

const LEDGER_COUNT = 1000;
const ROUNDS = 3;
const CHUNK = 0 as ChunkId;
const FIRST = chunkFirstLedger(CHUNK);
const LAST = (FIRST + LEDGER_COUNT - 1) as LedgerSeq;
const COLUMN_FAMILIES = ["ledgers", "events_data", "events_index", "events_offsets", "txhash"] as const;

interface Put {
  cf: (typeof COLUMN_FAMILIES)[number];
  key: Uint8Array;
  value: Uint8Array;
}

const root = mkdtempSync(join(tmpdir(), "fullhistory-hot-bench-"));
try {
  const lakeDir = join(root, "lake");
  mkdirSync(lakeDir);
  const written = await writeSynthLake({
    outDir: lakeDir,
    first: FIRST,
    last: LAST,
    profile: "mixed",
    seed: 7,
    networkPassphrase: BACKFILL_TEST_PASSPHRASE,
    ledgersPerFile: 1,
    filesPerPartition: 64_000,
  });
  const lake = await openLakeSource(lakeOptionsOf(lakeDir));
  const ledgers: Uint8Array[] = [];
  for await (const lcm of lake.ledgers({ first: FIRST, last: LAST })) ledgers.push(lcm.slice());

  let pipelinedMs = Infinity;
  let serialMs = Infinity;
  let floorMs = Infinity;
  let batches: Put[][] | undefined;
  let openMs = Infinity;
  let bareOpenMs = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const pipelined = await timePipelined(join(root, `pipelined-${round}`), lakeDir);
    pipelinedMs = Math.min(pipelinedMs, pipelined.ms);
    batches ??= batchesOf(pipelined.hotDbDir);
    floorMs = Math.min(floorMs, timeFloor(join(root, `floor-${round}`), batches));
    const serialDir = join(root, `serial-${round}`);
    serialMs = Math.min(serialMs, timeSerial(serialDir, ledgers));
    openMs = Math.min(openMs, timeMs(() => openHotChunkDbReadOnly(serialDir, { chunkId: CHUNK }).close()));
    bareOpenMs = Math.min(bareOpenMs, timeMs(() => closeDb(openRaw(serialDir, { create: false, readOnly: true }))));
    rmSync(join(root, `pipelined-${round}`), { recursive: true, force: true });
  }
  const opCount = batches!.reduce((sum, batch) => sum + batch.length, 0);
  const commitCount = LEDGER_COUNT - 1;
  const rate = (ms: number): number => (commitCount * 1000) / ms;
  console.log(
    `# ${LEDGER_COUNT} mixed ledgers from a Filesystem lake (${written.objectCount} objects), best of ${ROUNDS} rounds, ` +
      `${(written.ledgerBytes / LEDGER_COUNT / 1024).toFixed(1)} KiB LCM and ${(opCount / LEDGER_COUNT).toFixed(0)} puts per ledger batch`,
  );
  const line = (name: string, ms: number): string =>
    `bench ${name}: ${rate(ms).toFixed(1)} ledgers/s | floor ${rate(floorMs).toFixed(1)} ledgers/s | ratio ${(floorMs / ms).toFixed(3)}`;
  console.log(line("hot_ingest", pipelinedMs));
  console.log(line("hot_ingest_serial", serialMs));
  console.log(`bench hot_open: ${openMs.toFixed(1)} ms | floor ${bareOpenMs.toFixed(1)} ms | ratio ${(openMs / bareOpenMs).toFixed(2)}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}

function timeMs(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

/** `runIngestion` from an empty store until the lake's last ledger is committed; ms from the first commit to the last. */
async function timePipelined(dataDir: string, lakeDir: string): Promise<{ ms: number; hotDbDir: string }> {
  const layout = fixtureLayout(dataDir, { chunksPerWindow: 1000 });
  const catalog = openCatalog(layout, { readOnly: false });
  try {
    const metrics = createDaemonMetrics();
    const stop = new AbortController();
    let firstCommitMs = 0;
    let lastCommitMs = 0;
    const lastCommittedLedger = {
      set(ledgerSeq: number): void {
        metrics.lastCommittedLedger.set(ledgerSeq);
        if (ledgerSeq === FIRST) firstCommitMs = performance.now();
        if (ledgerSeq !== LAST) return;
        lastCommitMs = performance.now();
        stop.abort(new Error("bench: every ledger committed"));
      },
    };
    const deps = {
      catalog,
      lake: await openTestLake(lakeDir),
      pollIntervalMs: 1000,
      wakeup: new WakeSignal(),
      logger: silentLogger(),
      metrics: { ...metrics, lastCommittedLedger },
    };
    await runIngestion(deps, { resumeChunkId: CHUNK, signal: stop.signal });
    return { ms: lastCommitMs - firstCommitMs, hotDbDir: layout.hotDbDir(CHUNK) };
  } finally {
    closeCatalog(catalog);
  }
}

/** `ingestLedger` of every ledger; ms from the end of the first commit to the end of the last. */
function timeSerial(dir: string, ledgers: readonly Uint8Array[]): number {
  const db = openHotChunkDb(dir, { chunkId: CHUNK, create: true });
  try {
    db.ingestLedger(FIRST, ledgers[0]!);
    return timeMs(() => ledgers.slice(1).forEach((lcm, index) => db.ingestLedger((FIRST + 1 + index) as LedgerSeq, lcm)));
  } finally {
    db.close();
  }
}

/** Synced commits of every batch but the first (the first commit starts the other paths' clocks). */
function timeFloor(dir: string, batches: readonly Put[][]): number {
  const db = openRaw(dir, { create: true, readOnly: false });
  const cfs = new Map(COLUMN_FAMILIES.map((name) => [name, columnFamily(db, name)] as const));
  const commit = (puts: readonly Put[]): void => {
    const batch = createBatch();
    try {
      for (const put of puts) batchPut(batch, put.key, put.value, { cf: cfs.get(put.cf)! });
      writeBatch(db, batch, { sync: true });
    } finally {
      destroyBatch(batch);
    }
  };
  try {
    commit(batches[0]!);
    return timeMs(() => batches.slice(1).forEach(commit));
  } finally {
    closeDb(db);
  }
}

function openRaw(dir: string, options: { create: boolean; readOnly: boolean }): Db {
  return openDb(dir, { createIfMissing: options.create, readOnly: options.readOnly, columnFamilies: COLUMN_FAMILIES, profile: "hot" });
}

/** Every put the ingest wrote, grouped per ledger in the ingest's batch order, read back from its DB. */
function batchesOf(dir: string): Put[][] {
  const db = openRaw(dir, { create: false, readOnly: true });
  try {
    const rows = (name: Put["cf"]) => [...scanRange(db, { cf: columnFamily(db, name) as ColumnFamily })];
    const u32 = (bytes: Uint8Array, byteOffset: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(byteOffset);
    const batches: Put[][] = Array.from({ length: LEDGER_COUNT }, () => []);
    const ledgerOfEvent: number[] = [];
    for (const { key, value } of rows("events_offsets")) {
      for (let count = u32(value, 0); count > 0; count--) ledgerOfEvent.push(u32(key, 0) - FIRST);
    }
    for (const { key, value } of rows("ledgers")) batches[u32(key, 0) - FIRST]!.push({ cf: "ledgers", key, value });
    for (const { key, value } of rows("txhash")) batches[u32(value, 0) - FIRST]!.push({ cf: "txhash", key, value });
    for (const { key, value } of rows("events_data")) batches[ledgerOfEvent[u32(key, 0)]!]!.push({ cf: "events_data", key, value });
    for (const { key, value } of rows("events_index")) batches[ledgerOfEvent[u32(key, 16)]!]!.push({ cf: "events_index", key, value });
    for (const { key, value } of rows("events_offsets")) batches[u32(key, 0) - FIRST]!.push({ cf: "events_offsets", key, value });
    return batches;
  } finally {
    closeDb(db);
  }
}
