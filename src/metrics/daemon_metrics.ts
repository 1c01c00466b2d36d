/**
 * The daemon's control-plane metrics (reference §10.1, our prefix `fullhistory_` instead of the
 * reference's `soroban_rpc_fullhistory_streaming_`), registered once per process: startup and
 * catch-up, and the lifecycle runs (freeze, discard, prune, hot chunks, cold bytes; src/lifecycle).
 * docs/operations.md lists every metric and when it moves.
 * @module
 */

import { version } from "../../package.json";
import { type Counter, exponentialBuckets, type Gauge, type Histogram, MetricsRegistry } from "./registry.ts";

/** Phases timed by `phaseDurationSeconds` (reference §10.1 label `phase`); the last three are lifecycle stages. */
export type Phase = "catchup_pass" | "rebuild" | "freeze" | "discard" | "prune";

/** The named metrics; every handle writes into `registry`. */
export interface DaemonMetrics {
  readonly registry: MetricsRegistry;
  /** Highest ledger durably committed (derived at startup, advanced by catch-up). */
  readonly lastCommittedLedger: Gauge;
  /** The watermark the retention floor is computed from. */
  readonly watermarkLedger: Gauge;
  /** First retained ledger at the watermark. */
  readonly retentionFloorLedger: Gauge;
  /** Catch-up only: max(0, tip − last committed). */
  readonly ingestionLagLedgers: Gauge;
  /** Catch-up: last ledger of the highest chunk backfilled so far. */
  readonly catchupBackfilledLedger: Gauge;
  /** Catch-up: last ledger of the current pass's target chunk. */
  readonly catchupTargetLedger: Gauge;
  readonly catchupPassesTotal: Counter;
  /** Chunks whose artifacts a backfill finished (a chunk counts once per build). */
  readonly backfillChunksTotal: Counter;
  /** Ledgers read from a source into chunk artifacts. */
  readonly backfillLedgersTotal: Counter;
  /** Chunk or index task attempts that failed and were retried. */
  readonly backfillRetriesTotal: Counter;
  /** Chunks covered by index builds: hi − lo + 1 per build (reference `rebuilt_chunks_total`). */
  readonly rebuiltChunksTotal: Counter;
  readonly phaseDurationSeconds: Histogram;
  /** Chunks per index build. */
  readonly rebuildChunksPerIndex: Histogram;
  /** Lifecycle: chunk builds planned by freeze stages (reference `freeze_chunks_total`). */
  readonly freezeChunksTotal: Counter;
  /** Lifecycle: index builds planned by freeze stages (reference `freeze_indexes_total`). */
  readonly freezeIndexesTotal: Counter;
  /** Lifecycle: hot DBs the discard stage removed. */
  readonly discardedHotChunksTotal: Counter;
  /** Lifecycle: prune ops run (one per coverage key, one per batch of artifact keys). */
  readonly prunedOpsTotal: Counter;
  /** Lifecycle: runs that finished every stage. */
  readonly lifecycleRunsTotal: Counter;
  /** Lifecycle: `hot:chunk` keys (any state) after the discard stage. */
  readonly liveHotChunks: Gauge;
  /** Lifecycle: bytes of the files under the four cold roots after the prune stage. */
  readonly coldTierBytes: Gauge;
  /** Daemon runs that failed and were restarted by the supervisor (D11). */
  readonly daemonRestartsTotal: Counter;
  /** Ingestion: chunk boundaries crossed (chunk closed, next chunk's hot DB opened, lifecycle woken). */
  readonly chunkBoundariesTotal: Counter;
}

/** Registers every daemon metric in a fresh registry; `fullhistory_build_info{version}` is 1. */
export function createDaemonMetrics(): DaemonMetrics {
  const registry = new MetricsRegistry();
  registry
    .gauge({ name: "fullhistory_build_info", help: "Always 1; the version label names the running build.", labelNames: ["version"] })
    .set(1, { version });
  return {
    registry,
    lastCommittedLedger: registry.gauge({
      name: "fullhistory_last_committed_ledger",
      help: "Highest ledger durably committed, derived from the catalog (never stored).",
    }),
    watermarkLedger: registry.gauge({
      name: "fullhistory_watermark_ledger",
      help: "Ledger the retention floor is derived from (startup: last committed).",
    }),
    retentionFloorLedger: registry.gauge({
      name: "fullhistory_retention_floor_ledger",
      help: "First retained ledger at the watermark; readers see nothing below it.",
    }),
    ingestionLagLedgers: registry.gauge({
      name: "fullhistory_ingestion_lag_ledgers",
      help: "Catch-up: network tip minus last committed ledger, at least 0.",
    }),
    catchupBackfilledLedger: registry.gauge({
      name: "fullhistory_catchup_backfilled_ledger",
      help: "Catch-up: last ledger committed by the passes so far.",
    }),
    catchupTargetLedger: registry.gauge({
      name: "fullhistory_catchup_target_ledger",
      help: "Catch-up: last ledger of the current pass's target chunk.",
    }),
    catchupPassesTotal: registry.counter({ name: "fullhistory_catchup_passes_total", help: "Completed catch-up passes." }),
    backfillChunksTotal: registry.counter({
      name: "fullhistory_backfill_chunks_total",
      help: "Chunks whose planned artifacts a backfill wrote and froze.",
    }),
    backfillLedgersTotal: registry.counter({
      name: "fullhistory_backfill_ledgers_total",
      help: "Ledgers a backfill read into chunk artifacts.",
    }),
    backfillRetriesTotal: registry.counter({
      name: "fullhistory_backfill_retries_total",
      help: "Backfill task attempts that failed and were retried.",
    }),
    rebuiltChunksTotal: registry.counter({
      name: "fullhistory_rebuilt_chunks_total",
      help: "Chunks covered by tx-hash index builds (hi - lo + 1 per build).",
    }),
    phaseDurationSeconds: registry.histogram({
      name: "fullhistory_phase_duration_seconds",
      help: "Wall time of one run of a phase.",
      labelNames: ["phase"],
      buckets: exponentialBuckets(0.001, { factor: 4, count: 12 }),
    }),
    rebuildChunksPerIndex: registry.histogram({
      name: "fullhistory_rebuild_chunks_per_index",
      help: "Chunks covered by one tx-hash index build.",
      buckets: exponentialBuckets(1, { factor: 2, count: 13 }),
    }),
    freezeChunksTotal: registry.counter({
      name: "fullhistory_freeze_chunks_total",
      help: "Chunk builds planned by lifecycle freeze stages.",
    }),
    freezeIndexesTotal: registry.counter({
      name: "fullhistory_freeze_indexes_total",
      help: "Tx-hash index builds planned by lifecycle freeze stages.",
    }),
    discardedHotChunksTotal: registry.counter({
      name: "fullhistory_discarded_hot_chunks_total",
      help: "Hot chunk DBs removed by the lifecycle (served by cold files, or below the retention floor).",
    }),
    prunedOpsTotal: registry.counter({
      name: "fullhistory_pruned_ops_total",
      help: "Lifecycle prune ops: one per index coverage key, one per batch of chunk artifact keys.",
    }),
    lifecycleRunsTotal: registry.counter({
      name: "fullhistory_lifecycle_runs_total",
      help: "Lifecycle runs that finished every stage (freeze, discard, prune).",
    }),
    liveHotChunks: registry.gauge({
      name: "fullhistory_live_hot_chunks",
      help: "Hot chunk DBs in the catalog (any state) after the lifecycle's discard stage.",
    }),
    coldTierBytes: registry.gauge({
      name: "fullhistory_cold_tier_bytes",
      help: "Bytes of the files under the ledgers, events, txhash_raw and txhash_index roots after the lifecycle's prune stage.",
    }),
    daemonRestartsTotal: registry.counter({
      name: "fullhistory_daemon_restarts_total",
      help: "Daemon runs that failed and were restarted after a backoff (the warn log line says why).",
    }),
    chunkBoundariesTotal: registry.counter({
      name: "fullhistory_chunk_boundaries_total",
      help: "Chunk boundaries ingestion crossed: the chunk closed, the next chunk's hot DB opened, the lifecycle woken.",
    }),
  };
}

/** Records one run of `phase` that took `durationMs`. */
export function observePhase(metrics: DaemonMetrics, phase: Phase, durationMs: number): void {
  metrics.phaseDurationSeconds.observe(durationMs / 1000, { phase });
}
