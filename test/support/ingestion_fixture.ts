/**
 * Fixtures for the ingestion tests (src/daemon/ingestion_test.ts, src/daemon/_ingest_pipeline_test.ts;
 * the daemon tests corrupt lake objects with it too): a synthetic Filesystem lake with one ledger
 * per object (as Galexie writes the live tail; objects can be appended while a loop runs), watched
 * from the ingest Worker that reads it, a hot
 * DB of chunk 0 pre-filled
 * close to its last ledger (so a boundary test ingests a handful of ledgers, not 10,000), and
 * `IngestionDeps` whose wake signal, log lines and last-committed gauge a test can watch.
 * @module
 */

import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { closeDb, columnFamily, columnFamilyId, createBatchFrom, destroyBatch, openDb, writeBatch } from "../../ffi/rocksdb.ts";
import { type Catalog } from "../../src/catalog/catalog.ts";
import { openHotDbForChunk } from "../../src/catalog/hot_bracket.ts";
import { type IngestLake } from "../../src/daemon/_ingest_pipeline.ts";
import { type IngestionDeps, runIngestion } from "../../src/daemon/ingestion.ts";
import { type ChunkId, chunkFirstLedger, type LedgerSeq } from "../../src/geometry/chunk.ts";
import { HOT_COLUMN_FAMILIES } from "../../src/hot/_hot_schema.ts";
import { hotDbOpener } from "../../src/hot/hot_db_opener.ts";
import { prepareLedgerBatch } from "../../src/hot/prepared_ledger_batch.ts";
import { type DatastoreSchema, objectKeyOf } from "../../src/lake/datastore_schema.ts";
import { openLakeSource } from "../../src/lake/open_lake_source.ts";
import { WakeSignal } from "../../src/lifecycle/wake_signal.ts";
import { createLogger } from "../../src/log/logger.ts";
import { createDaemonMetrics } from "../../src/metrics/daemon_metrics.ts";
import { LedgerSynth } from "../../src/synth/ledger_synth.ts";
import { writeSynthLake } from "../../src/synth/synth_lake.ts";
import { type SynthProfileName } from "../../src/synth/synth_profile.ts";
import { BACKFILL_TEST_PASSPHRASE, lakeOptionsOf } from "./backfill_fixture.ts";
import { type FromWatchedLake, type ToWatchedLake, watchedLakeChannelName } from "./watched_lake_protocol.ts";

const INGEST_TEST_PASSPHRASE = BACKFILL_TEST_PASSPHRASE;
const LAKE_SCHEMA: DatastoreSchema = { ledgersPerFile: 1, filesPerPartition: 64_000, fileExtension: "zst" };
/** One seed for every lake and pre-fill, so a ledger's bytes depend on its seq and profile only. */
const SEED = 11;

/** Writes ledgers first..last of `profile` into the lake at `lakeDir` (created; appending is fine). */
export async function writeTestLake(lakeDir: string, range: { first: number; last: number; profile: SynthProfileName }): Promise<void> {
  mkdirSync(lakeDir, { recursive: true });
  await writeSynthLake({
    outDir: lakeDir,
    first: range.first as LedgerSeq,
    last: range.last as LedgerSeq,
    profile: range.profile,
    seed: SEED,
    networkPassphrase: INGEST_TEST_PASSPHRASE,
    ledgersPerFile: LAKE_SCHEMA.ledgersPerFile,
    filesPerPartition: LAKE_SCHEMA.filesPerPartition,
  });
}

/** Replaces ledger `ledgerSeq`'s object with bytes that are not zstd: the lake refuses it. */
export function corruptLakeObject(lakeDir: string, ledgerSeq: number): void {
  writeFileSync(join(lakeDir, objectKeyOf(LAKE_SCHEMA, ledgerSeq as LedgerSeq)), "not a zstd frame");
}

/** The lake at `lakeDir` as the daemon hands it to ingestion: its options, and its description. */
export async function openTestLake(lakeDir: string): Promise<IngestLake> {
  const options = lakeOptionsOf(lakeDir);
  return { options, description: (await openLakeSource(options)).description };
}

/**
 * A real lake, read by the ingest Worker through a wrapper (`watched_ingest_worker.ts`) that reports
 * every `ledger()` call here, and hands out other bytes for chosen ledgers (what a faulty live
 * source would deliver; the lake itself refuses malformed objects). Tells which ledgers were asked
 * for and when one was asked for but not there yet.
 */
export class WatchedLake {
  readonly lake: IngestLake;
  readonly workerSpecifier = new URL("./watched_ingest_worker.ts", import.meta.url).href;
  /** Every ledger asked for, in call order (repeats are polls). */
  readonly asked: number[] = [];
  readonly #missingWaiters: Array<{ ledgerSeq: number; resolve: () => void }> = [];

  constructor(lake: IngestLake, options: { replaced?: ReadonlyMap<number, Uint8Array> } = {}) {
    this.lake = lake;
    const replaced = [...(options.replaced ?? new Map<number, Uint8Array>())];
    const channel = new BroadcastChannel(watchedLakeChannelName(lake.options));
    channel.onmessage = (event): void => {
      const message: FromWatchedLake = event.data;
      if (message.kind === "hello") {
        const config: ToWatchedLake = { kind: "config", replaced };
        channel.postMessage(config);
        return;
      }
      this.asked.push(message.ledgerSeq);
      if (!message.missing) return;
      for (const waiter of this.#missingWaiters.filter((each) => each.ledgerSeq === message.ledgerSeq)) waiter.resolve();
    };
  }

  /** Resolves once `ledger(ledgerSeq)` has answered "not there yet". */
  missing(ledgerSeq: number): Promise<void> {
    return new Promise((resolve) => this.#missingWaiters.push({ ledgerSeq, resolve }));
  }
}

/** The lake and Worker script for `IngestionDeps` / the pipeline: a watched lake's own, or the real ones. */
export function ingestSourceOf(lake: IngestLake | WatchedLake): { lake: IngestLake; workerSpecifier: string | undefined } {
  return lake instanceof WatchedLake ? { lake: lake.lake, workerSpecifier: lake.workerSpecifier } : { lake, workerSpecifier: undefined };
}

/** The LedgerCloseMeta a test lake holds for `ledgerSeq` (the synthesizer is deterministic per seq). */
export function testLedger(ledgerSeq: number, profile: SynthProfileName): Uint8Array {
  const synth = new LedgerSynth({ seed: SEED, profile, networkPassphrase: INGEST_TEST_PASSPHRASE });
  return new Uint8Array(synth.generate(ledgerSeq as LedgerSeq).lcm);
}

/**
 * A hot DB of chunk `chunkId` in `dir` holding sparse ledgers from the chunk's first through
 * `throughLedgerSeq`, built fast: each batch is exactly what `prepareLedgerBatch` makes for the
 * ingestion loop, written without fsync (a fixture, made durable by the close's flush).
 */
export function buildPrefilledHotDb(dir: string, options: { chunkId: ChunkId; throughLedgerSeq: number }): void {
  const first = chunkFirstLedger(options.chunkId);
  const db = openDb(dir, { createIfMissing: true, readOnly: false, columnFamilies: HOT_COLUMN_FAMILIES, profile: "hot" });
  try {
    const columnFamilyIds = HOT_COLUMN_FAMILIES.map((name) => columnFamilyId(columnFamily(db, name)));
    const synth = new LedgerSynth({ seed: SEED, profile: "sparse", networkPassphrase: INGEST_TEST_PASSPHRASE });
    let firstEventId = 0;
    for (let ledgerSeq = first; ledgerSeq <= options.throughLedgerSeq; ledgerSeq++) {
      const lcm = new Uint8Array(synth.generate(ledgerSeq as LedgerSeq).lcm);
      const prepared = prepareLedgerBatch(ledgerSeq as LedgerSeq, lcm, { firstEventId, columnFamilyIds });
      firstEventId += prepared.eventCount;
      const batch = createBatchFrom(db, prepared.rep);
      try {
        writeBatch(db, batch, { sync: false });
      } finally {
        destroyBatch(batch);
      }
    }
  } finally {
    closeDb(db);
  }
}

/** Makes chunk `chunkId`'s hot DB `ready` in `catalog` with a copy of the DB in `templateDir`. */
export function installHotDb(catalog: Catalog, chunkId: ChunkId, templateDir: string): void {
  openHotDbForChunk(catalog, chunkId, hotDbOpener(chunkId)).close();
  const dir = catalog.layout.hotDbDir(chunkId);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  cpSync(templateDir, dir, { recursive: true });
}

/** What a test can watch of one ingestion run's deps. */
export interface IngestionHarness {
  deps: IngestionDeps;
  /** Every `wake()`, with what the test's `onWake` returned at that instant. */
  wakes: unknown[];
  /** Every log line, parsed (json format). */
  logLines: Array<Record<string, unknown>>;
  /** The last value of `last_committed_ledger`, or undefined before the first commit. */
  lastCommitted(): number | undefined;
  /** Resolves once `last_committed_ledger` has reached `ledgerSeq`. */
  committed(ledgerSeq: number): Promise<void>;
  chunkBoundaryCount(): number;
}

/** Deps over `catalog` and `lake` with a watched wake signal, json log lines and a watched gauge. */
export function ingestionHarness(catalog: Catalog, lake: IngestLake | WatchedLake, options: { onWake?: () => unknown } = {}): IngestionHarness {
  const metrics = createDaemonMetrics();
  const wakes: unknown[] = [];
  const logLines: Array<Record<string, unknown>> = [];
  let lastCommitted: number | undefined;
  const waiters: Array<{ ledgerSeq: number; resolve: () => void }> = [];
  let boundaryCount = 0;
  class WatchedWakeSignal extends WakeSignal {
    override wake(): void {
      wakes.push(options.onWake?.());
      super.wake();
    }
  }
  const lastCommittedLedger = {
    set(value: number): void {
      metrics.lastCommittedLedger.set(value);
      lastCommitted = value;
      for (const waiter of waiters.filter((each) => each.ledgerSeq <= value)) waiter.resolve();
    },
  };
  const chunkBoundariesTotal = {
    inc(): void {
      metrics.chunkBoundariesTotal.inc();
      boundaryCount++;
    },
    add(amount: number): void {
      metrics.chunkBoundariesTotal.add(amount);
      boundaryCount += amount;
    },
  };
  const logger = createLogger({ level: "debug", format: "json", write: (line) => logLines.push(JSON.parse(line) as Record<string, unknown>) });
  return {
    deps: {
      catalog,
      ...ingestSourceOf(lake),
      pollIntervalMs: 5,
      wakeup: new WatchedWakeSignal(),
      logger,
      metrics: { ...metrics, lastCommittedLedger, chunkBoundariesTotal },
    },
    wakes,
    logLines,
    lastCommitted: () => lastCommitted,
    committed: (ledgerSeq) =>
      lastCommitted !== undefined && lastCommitted >= ledgerSeq
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ ledgerSeq, resolve })),
    chunkBoundaryCount: () => boundaryCount,
  };
}

/**
 * Runs `runIngestion` until `throughLedgerSeq` is committed, then aborts it and waits for it to
 * resolve. A run that ends or fails before throws (so a test never waits forever on a dead loop).
 */
export async function ingestThrough(harness: IngestionHarness, options: { resumeChunkId: ChunkId; throughLedgerSeq: number }): Promise<void> {
  const stop = new AbortController();
  const run = runIngestion(harness.deps, { resumeChunkId: options.resumeChunkId, signal: stop.signal });
  const ended = run.then(
    () => ({ kind: "ended" as const, error: undefined }),
    (error: unknown) => ({ kind: "ended" as const, error }),
  );
  const first = await Promise.race([harness.committed(options.throughLedgerSeq).then(() => ({ kind: "committed" as const })), ended]);
  if (first.kind === "ended") {
    if (first.error !== undefined) throw first.error;
    throw new Error(`runIngestion resolved before ledger ${options.throughLedgerSeq} was committed`);
  }
  stop.abort(new Error("test: stop ingestion"));
  await run;
}

