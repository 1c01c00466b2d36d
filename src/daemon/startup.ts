/**
 * Daemon startup (reference §7.6, README D10), one function both `fullhistory backfill` and the
 * daemon (`fullhistory run`, which then continues into live ingestion) call. In this order:
 *
 *   1. the config is loaded by the caller (it also built the logger and metrics from it);
 *   2. lock every storage root (fails fast naming the root), 3. open the catalog   — openStorage
 *   4. open the lake source (reads its manifest, checks the network passphrase)
 *   5. validateConfig: settle the `earliest_ledger` pin (§4.3; nothing written on failure)
 *   6. lastCommittedLedger: derive progress (§7.8; a lost ready hot DB is fatal)
 *   7. catch-up passes until the target stops moving (§7.9 + D10; no tip fails the run)
 *
 * Steps 2–5 (`openForStartup`) happen once per process; steps 6–7 (`catchUpOpened`) again at every
 * daemon run, because the supervisor restarts a failed run without re-locking or re-validating
 * (reference §7.6 `superviseStreaming`, D11). `startUp` is both, for `fullhistory backfill`.
 *
 * On success the caller owns the open storage and closes it; on any failure (or an abort) what was
 * opened is closed before the error propagates, so the locks are free when the caller sees it. A
 * `kill -9` at any instant leaves only states the write protocol converges from (README invariants).
 * @module
 */

import type { BackfillObserver } from "../backfill/backfill_observer.ts";
import { type BackfillDeps, runBackfill } from "../backfill/run_backfill.ts";
import type { Config } from "../config/config.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { effectiveRetentionFloor, type RetentionPolicy } from "../geometry/retention.ts";
import { openHotChunkDbReadOnly } from "../hot/hot_chunk_db.ts";
import { type LakeSourceOptions, openLakeSource } from "../lake/open_lake_source.ts";
import { sampleNetworkTip } from "../lake/sample_network_tip.ts";
import type { LedgerSource } from "../lake/ledger_source.ts";
import type { Logger } from "../log/logger.ts";
import type { DaemonMetrics } from "../metrics/daemon_metrics.ts";
import { type BackfillRunner, catchUp } from "./catch_up.ts";
import { hotChunkProbe } from "./hot_probe.ts";
import { lastCommittedLedger } from "../catalog/last_committed.ts";
import type { TipSampler } from "./network_tip.ts";
import { openStorage, type Storage } from "./storage.ts";
import { validateConfig } from "./validate_config.ts";

/** What startup reports through and is stopped by. */
export interface StartupDeps {
  readonly logger: Logger;
  readonly metrics: DaemonMetrics;
  /** Receives every backfill's events (progress line, logs, metrics). */
  readonly observer: BackfillObserver;
  /** Aborting stops startup at the next step or inside a backfill; it then rejects with `signal.reason`. */
  readonly signal: AbortSignal;
}

/** A started store, caught up with the lake. The caller must `storage.close()` it. */
export interface Started {
  readonly storage: Storage;
  /** The lake as the main thread reads it (tip sampling; the live tail, next). */
  readonly lake: LedgerSource;
  readonly earliestLedgerSeq: LedgerSeq;
  /** After catch-up. */
  readonly lastCommittedLedger: LedgerSeq;
}

/** Steps 2–5: storage locked and open, the lake open, the `earliest_ledger` pin settled. */
export interface OpenedStore {
  readonly storage: Storage;
  /** The lake as the main thread reads it (tip sampling, the live tail). */
  readonly lake: LedgerSource;
  /** The same lake's settings, for the backfill Workers that open their own. */
  readonly lakeOptions: LakeSourceOptions;
  readonly policy: RetentionPolicy;
  /** True when this start wrote the pin (first start). */
  readonly pinnedNow: boolean;
}

/** Runs steps 2–7 of the module comment. */
export async function startUp(config: Config, deps: StartupDeps): Promise<Started> {
  const opened = await openForStartup(config, deps);
  try {
    const lastCommittedLedgerSeq = await catchUpOpened(config, opened, deps);
    return {
      storage: opened.storage,
      lake: opened.lake,
      earliestLedgerSeq: opened.policy.earliestLedgerSeq,
      lastCommittedLedger: lastCommittedLedgerSeq,
    };
  } catch (err) {
    opened.storage.close();
    throw err;
  }
}

/** Steps 2–5 of the module comment; on failure nothing stays open or locked. */
export async function openForStartup(config: Config, deps: Pick<StartupDeps, "logger" | "signal">): Promise<OpenedStore> {
  const { logger, signal } = deps;
  const storage = openStorage(config.storage); // steps 2–3
  try {
    logger.info("storage roots locked", { catalog: config.storage.roots.catalog, roots: storage.locks.roots.length });
    const lakeOptions = lakeSourceOptions(config);
    const lake = await openLakeSource(lakeOptions); // step 4
    logger.info("lake source open", { lake: lake.description });
    const validateDeps = { catalog: storage.catalog, sampleTip: tipSamplerOf(lake), signal };
    const settled = await validateConfig(validateDeps, config.retention.earliestLedger); // step 5
    const policy: RetentionPolicy = { retentionChunks: config.retention.retentionChunks, earliestLedgerSeq: settled.earliestLedgerSeq };
    return { storage, lake, lakeOptions, policy, pinnedNow: settled.pinnedNow };
  } catch (err) {
    storage.close();
    throw err;
  }
}

/**
 * Steps 6–7 of the module comment over an opened store: derives the last committed ledger, then
 * catches up; returns the last committed ledger after catch-up. Closes nothing: the caller owns
 * `opened` (the daemon runs this again after a failed run, on the same storage).
 */
export async function catchUpOpened(config: Config, opened: OpenedStore, deps: StartupDeps): Promise<LedgerSeq> {
  const { logger, signal } = deps;
  const { storage, policy } = opened;
  const derivedLedgerSeq = deriveWatermark(storage, { policy, pinnedNow: opened.pinnedNow, deps }); // step 6
  const runner: BackfillRunner = (range, options) =>
    runBackfill(backfillDeps(config, { storage, lakeOptions: opened.lakeOptions, deps, signal: options.signal }), range).then(() => undefined);
  const caughtUp = await catchUp(
    { sampleTip: tipSamplerOf(opened.lake), runBackfill: runner, logger, metrics: deps.metrics, signal },
    { lastCommittedLedger: derivedLedgerSeq, policy },
  ); // step 7
  return caughtUp.lastCommittedLedger;
}

function tipSamplerOf(lake: LedgerSource): TipSampler {
  return (options) => sampleNetworkTip(lake, { signal: options.signal });
}

/** Step 6: lastCommittedLedger with the hot probe, its gauges and the startup log line (§10.3). */
function deriveWatermark(storage: Storage, context: { policy: RetentionPolicy; pinnedNow: boolean; deps: StartupDeps }): LedgerSeq {
  const { policy, deps } = context;
  const derivedLedgerSeq = lastCommittedLedger(storage.catalog, hotChunkProbe());
  const floorLedgerSeq = effectiveRetentionFloor(derivedLedgerSeq, policy);
  deps.metrics.lastCommittedLedger.set(derivedLedgerSeq);
  deps.metrics.watermarkLedger.set(derivedLedgerSeq);
  deps.metrics.retentionFloorLedger.set(floorLedgerSeq);
  deps.logger.info("startup: watermark derived, beginning catch-up", {
    last_committed: derivedLedgerSeq,
    earliest: policy.earliestLedgerSeq,
    pinned_now: context.pinnedNow,
    retention_chunks: policy.retentionChunks,
    retention_floor: floorLedgerSeq,
  });
  return derivedLedgerSeq;
}

/** The backfill engine's dependencies for one pass (style R16: wired here, once). */
function backfillDeps(
  config: Config,
  context: { storage: Storage; lakeOptions: LakeSourceOptions; deps: StartupDeps; signal: AbortSignal },
): BackfillDeps {
  const { deps } = context;
  const settings = backfillSettings(config, { lakeOptions: context.lakeOptions, observer: deps.observer, logger: deps.logger });
  return { ...settings, catalog: context.storage.catalog, signal: context.signal };
}

/**
 * The backfill engine's settings and reporting, everything but the catalog and the signal: catch-up
 * passes and the lifecycle's freezes (src/daemon/daemon.ts) build on the same ones.
 */
export function backfillSettings(
  config: Config,
  options: { lakeOptions: LakeSourceOptions; observer: BackfillObserver; logger: Logger },
): Omit<BackfillDeps, "catalog" | "signal"> {
  return {
    workerCount: config.backfill.workerCount,
    maxRetries: config.backfill.maxRetries,
    lake: options.lakeOptions,
    openHotChunk: (dir, where) => openHotChunkDbReadOnly(dir, { chunkId: where.chunkId }),
    observer: options.observer,
    logger: options.logger,
  };
}

/** `[backfill.datastore]`, `[backfill.bsb]` and the passphrase in the lake module's shape. */
export function lakeSourceOptions(config: Config): LakeSourceOptions {
  const datastore = config.backfill.datastore;
  return {
    type: datastore.type,
    params: datastore.params,
    schema: { ledgersPerFile: datastore.ledgersPerFile, filesPerPartition: datastore.filesPerPartition },
    bsb: config.backfill.bsb,
    networkPassphrase: config.ingestion.networkPassphrase,
  };
}
