/**
 * Fixtures for the lifecycle tests (src/lifecycle/*_test.ts, test/lifecycle_crash.test.ts): a catalog fixture wired as `LifecycleDeps` (real catalog,
 * real files, a json logger whose lines the test can read and react to, fresh metrics), hot DBs
 * put in place through the real hot bracket, and metric reads from the exposition text.
 * @module
 */

import { cpSync } from "node:fs";
import { closeDb, openDb, type Db } from "../../ffi/rocksdb.ts";
import { type HotDbOpener, openHotDbForChunk } from "../../src/catalog/hot_bracket.ts";
import { pinEarliestLedger } from "../../src/catalog/earliest_ledger.ts";
import type { Catalog } from "../../src/catalog/catalog.ts";
import { sweepWindow } from "../../src/catalog/window_sweep.ts";
import { type ChunkId, type LedgerSeq, type WindowId, chunkFirstLedger, FIRST_LEDGER_SEQ } from "../../src/geometry/chunk.ts";
import { ARTIFACT_KINDS } from "../../src/geometry/keys.ts";
import { type HotChunkDb, openHotChunkDb, openHotChunkDbReadOnly } from "../../src/hot/hot_chunk_db.ts";
import type { LakeSourceOptions } from "../../src/lake/open_lake_source.ts";
import { createLogger } from "../../src/log/logger.ts";
import { createDaemonMetrics } from "../../src/metrics/daemon_metrics.ts";
import { type CatalogFixture, coverageOf, freezeChunkArtifacts, freezeIndexCoverage, openCatalogFixture } from "./catalog_fixture.ts";
import { testBackfillDeps } from "./backfill_fixture.ts";
import type { BackfillObserver } from "../../src/backfill/backfill_observer.ts";
import type { LifecycleDeps } from "../../src/lifecycle/lifecycle_loop.ts";

/** One parsed json log line. */
export type LogLine = Readonly<Record<string, unknown>> & { readonly level: string; readonly msg: string };

/** A catalog fixture plus everything a lifecycle run takes. */
export interface LifecycleFixture extends CatalogFixture {
  readonly deps: LifecycleDeps;
  /** Every line logged so far, parsed. */
  readonly logLines: LogLine[];
}

/** Options of `openLifecycleFixture`. */
export interface LifecycleFixtureOptions {
  readonly chunksPerWindow: number;
  /** The lake the freeze stage may read; a test that freezes nothing can pass any (it is never opened). */
  readonly lake: LakeSourceOptions;
  readonly retentionChunks?: number;
  /** Pinned in the catalog and given to the policy; default genesis. */
  readonly earliestLedgerSeq?: LedgerSeq;
  /** Receives every chunk and index build of the freeze stage. */
  readonly observer?: BackfillObserver;
  /** Called with each log line as it is written (a test's hook into a running run). */
  readonly onLog?: (line: LogLine) => void;
}

/** A fresh catalog fixture with the earliest ledger pinned and `LifecycleDeps` over it. */
export function openLifecycleFixture(options: LifecycleFixtureOptions): LifecycleFixture {
  const fixture = openCatalogFixture({ chunksPerWindow: options.chunksPerWindow });
  const earliestLedgerSeq = options.earliestLedgerSeq ?? FIRST_LEDGER_SEQ;
  pinEarliestLedger(fixture.catalog, earliestLedgerSeq);
  const logLines: LogLine[] = [];
  const deps = lifecycleDepsOf(fixture.catalog, {
    ...options,
    earliestLedgerSeq,
    onLog: (line) => {
      logLines.push(line);
      options.onLog?.(line);
    },
  });
  return { ...fixture, deps, logLines };
}

/**
 * `LifecycleDeps` over an open catalog whose earliest ledger is already pinned: one backfill
 * Worker, no retries, hot DBs opened read-only as the daemon does, a debug json logger.
 */
export function lifecycleDepsOf(catalog: Catalog, options: Omit<LifecycleFixtureOptions, "chunksPerWindow">): LifecycleDeps {
  const logger = createLogger({
    level: "debug",
    format: "json",
    write: (text) => options.onLog?.(JSON.parse(text) as LogLine),
  });
  const backfill = testBackfillDeps(catalog, options.lake, {
    openHotChunk: (dir, where) => openHotChunkDbReadOnly(dir, { chunkId: where.chunkId }),
    logger,
    ...(options.observer === undefined ? {} : { observer: options.observer }),
  });
  return {
    catalog,
    policy: { retentionChunks: options.retentionChunks ?? 0, earliestLedgerSeq: options.earliestLedgerSeq ?? FIRST_LEDGER_SEQ },
    backfill,
    logger,
    metrics: createDaemonMetrics(),
  };
}

/**
 * Windows `windowIds` made settled with fixture bytes: every chunk frozen with every kind, one
 * terminal coverage per window, swept (so only `ledgers` and `events` keys remain per chunk).
 */
export function settleWindows(catalog: Catalog, windowIds: readonly number[]): void {
  const chunksPerWindow = catalog.layout.windows.chunksPerWindow;
  for (const windowId of windowIds) {
    const lo = windowId * chunksPerWindow;
    const hi = lo + chunksPerWindow - 1;
    for (let chunkId = lo; chunkId <= hi; chunkId++) freezeChunkArtifacts(catalog, chunkId as ChunkId, [...ARTIFACT_KINDS]);
    freezeIndexCoverage(catalog, coverageOf(windowId, lo, hi));
    sweepWindow(catalog, windowId as WindowId);
  }
}

/** A plain RocksDB stands in for a hot DB whose contents no stage reads (the bracket never looks inside). */
const PLAIN_HOT_OPENER: HotDbOpener<Db> = {
  open: (dir, options) => openDb(dir, { createIfMissing: options.create, readOnly: false }),
  close: (db) => closeDb(db),
};

/** Creates chunk `chunkId`'s hot DB through the bracket (key `ready`, dir present) as a plain RocksDB, closed. */
export function createPlainHotDb(catalog: Catalog, chunkId: ChunkId): void {
  closeDb(openHotDbForChunk(catalog, chunkId, PLAIN_HOT_OPENER));
}

/**
 * Creates chunk `chunkId`'s real hot DB through the bracket and leaves it OPEN for writing, as
 * ingestion holds the live chunk (its RocksDB LOCK is taken); ingests `ledgers` from the chunk's
 * first ledger.
 */
export function openLiveHotDb(catalog: Catalog, chunkId: ChunkId, ledgers: readonly Uint8Array[]): HotChunkDb {
  const db = openHotDbForChunk(catalog, chunkId, {
    open: (dir, options) => openHotChunkDb(dir, { chunkId, create: options.create }),
    close: (opened) => opened.close(),
  });
  ledgers.forEach((lcm, index) => db.ingestLedger((chunkFirstLedger(chunkId) + index) as LedgerSeq, lcm));
  return db;
}

/** Puts a copy of the closed hot DB in `templateDir` in place as chunk `chunkId`'s `ready` hot DB. */
export function copyHotDb(catalog: Catalog, chunkId: ChunkId, templateDir: string): void {
  const db = openHotDbForChunk(catalog, chunkId, {
    open: (dir) => {
      cpSync(templateDir, dir, { recursive: true });
      return openHotChunkDb(dir, { chunkId, create: false });
    },
    close: (opened) => opened.close(),
  });
  db.close();
}

/** Builds a closed hot DB of chunk `chunkId` in `dir` holding `ledgers` from its first ledger (a template to copy). */
export function buildHotDbTemplate(dir: string, options: { chunkId: ChunkId; ledgers: readonly Uint8Array[] }): void {
  const db = openHotChunkDb(dir, { chunkId: options.chunkId, create: true });
  try {
    options.ledgers.forEach((lcm, index) => db.ingestLedger((chunkFirstLedger(options.chunkId) + index) as LedgerSeq, lcm));
  } finally {
    db.close();
  }
}

/** The value of an unlabelled counter or gauge, or of a histogram's `_count` with `{phase}`, from the exposition. */
export function metricValue(deps: LifecycleDeps, series: string): number {
  const exposition = deps.metrics.registry.exposition();
  const line = exposition.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no series "${series}" in the exposition`);
  return Number(line.slice(series.length + 1));
}

/** The messages of the lines logged at `level`. */
export function messagesAt(lines: readonly LogLine[], level: string): string[] {
  return lines.filter((line) => line.level === level).map((line) => line.msg);
}
