/**
 * The lifecycle (reference §7.7 as changed by Appendix B; README D11): the background writer that,
 * after each chunk boundary, freezes the closed chunk from its hot DB, rolls its window's index
 * forward, retires hot DBs cold files now serve, and deletes superseded and past-retention files.
 *
 * One run, in this order (each stage reported: metrics always, an info line when it did something):
 *   1. snapshot  derive lastCompleteChunk, through and the floor from the catalog (no chunk id is
 *                passed in; lifecycle_snapshot.ts)
 *   2. freeze    runBackfill over [max(floor, lowest materialized chunk), lastCompleteChunk]: the
 *                closed chunk freezes from its `ready`, complete hot DB and the window index is
 *                rebuilt (§7.4, §5.3)                                            ⟶ lifecycle.frozen
 *   3. discard   discardScan, then each op in order (discard_scan.ts)           ⟶ lifecycle.discarded
 *   4. prune     pruneScan, then each op in order (prune_scan.ts)               ⟶ lifecycle.pruned
 *   5. measure   cold_tier_bytes
 * Each scan runs after the stage before it finished, so it sees no build in flight (§7.10).
 *
 * Crash safety: every op is one of the write protocol's steps (mark/flip, commit, sweep, hot
 * discard), each crash-safe on its own; nothing about the run is stored. A crash anywhere leaves
 * keys the next run (or startup's catch-up) re-derives and finishes.
 *
 * Failure (D11): a failing op fails the run and the loop throws it; the supervisor aborts
 * ingestion, restarts with backoff, and startup + the next run converge. Never a process exit from
 * here. Stopping: between stages and between ops the run yields to the event loop and checks the
 * signal, so an abort (or ingestion's next ledger, which shares this thread) never waits behind a
 * whole run or a long prune.
 *
 * Concurrency (§7.12): ingestion owns the live chunk (its hot DB and the creation of each
 * `hot:chunk` key); the lifecycle owns everything below it. They share only the catalog (never the
 * same key) and the WakeSignal.
 * @module
 */

import { assert, unreachable } from "../assert.ts";
import { type BackfillDeps, runBackfill } from "../backfill/run_backfill.ts";
import type { Plan } from "../backfill/resolve.ts";
import type { Catalog } from "../catalog/catalog.ts";
import { hotChunkEntries } from "../catalog/hot_reads.ts";
import { crashPoint } from "../crash_point.ts";
import { StorageWalkError } from "../storage_walk/walk_storage_root.ts";
import { pad8 } from "../geometry/chunk.ts";
import type { RetentionPolicy } from "../geometry/retention.ts";
import { type Logger, secondsOf } from "../log/logger.ts";
import { type DaemonMetrics, observePhase } from "../metrics/daemon_metrics.ts";
import { coldTierBytes } from "./cold_tier_bytes.ts";
import { yieldToEventLoop } from "./_yield_to_event_loop.ts";
import { type DiscardOp, discardScan, runDiscardOp } from "./discard_scan.ts";
import { type LifecycleSnapshot, deriveLifecycleSnapshot } from "./lifecycle_snapshot.ts";
import { type PruneOp, pruneScan, runPruneOp } from "./prune_scan.ts";
import type { WakeSignal } from "./wake_signal.ts";

/** How the freeze stage backfills: everything `runBackfill` takes but the catalog and the run's signal. */
export type LifecycleBackfillDeps = Omit<BackfillDeps, "catalog" | "signal">;

/** What the lifecycle needs; the daemon wires it once (style R16). */
export interface LifecycleDeps {
  /** The open read-write catalog; `catalog.layout` names every file, the window size and the cold roots. */
  readonly catalog: Catalog;
  /** `[retention] retention_chunks` and the pinned earliest ledger (as validateConfig settled it). */
  readonly policy: RetentionPolicy;
  /** The freeze stage's backfill (Workers, retries, lake, hot opener, observer for rebuild reporting). */
  readonly backfill: LifecycleBackfillDeps;
  readonly logger: Logger;
  readonly metrics: DaemonMetrics;
}

/** What one run did. */
export interface LifecycleRunReport {
  readonly snapshot: LifecycleSnapshot;
  /** The freeze stage's plan (empty when there was nothing to freeze). */
  readonly plan: Plan;
  /** Discard ops run, in order. */
  readonly discarded: readonly DiscardOp[];
  /** Prune ops run, in order. */
  readonly pruned: readonly PruneOp[];
  /** The cold tier after the prune stage; undefined when a cold root could not be walked. */
  readonly coldTierBytes: number | undefined;
}

/**
 * Waits for a wake, runs the lifecycle once, repeats. A wake that arrives during a run means exactly
 * one more run after it (the WakeSignal coalesces). Resolves when `signal` aborts (whatever the
 * interrupted run threw); rejects with the first failed run's error.
 */
export async function runLifecycleLoop(deps: LifecycleDeps, options: { wakeup: WakeSignal; signal: AbortSignal }): Promise<void> {
  const { wakeup, signal } = options;
  // The one loop here with no bound: it lives as long as the daemon run; only an abort or a failed
  // run ends it, and each iteration waits for a wake first.
  for (;;) {
    try {
      await wakeup.wait({ signal });
      await runLifecycle(deps, { signal });
    } catch (err) {
      if (!signal.aborted) throw err;
      // Stopping: the abort reason itself is the clean path; anything else failed while we stopped,
      // and the next start converges from whatever it left (§7.7 error policy), but say so.
      if (err !== signal.reason) deps.logger.warn("lifecycle: run failed while stopping", { error: errorOf(err) });
      return;
    }
  }
}

/** Catalogs with a run in progress: the scans are safe only with no other build in flight (§7.10). */
const catalogsInRun = new WeakSet<Catalog>();

/** One lifecycle run (see the module comment); rejects with the first failed op's error or `signal.reason`. */
export async function runLifecycle(deps: LifecycleDeps, options: { signal: AbortSignal }): Promise<LifecycleRunReport> {
  const { catalog } = deps;
  assert(!catalogsInRun.has(catalog), "a lifecycle run started while another one runs on the same catalog (one run at a time, §7.10)");
  catalogsInRun.add(catalog);
  try {
    return await runStages(deps, options);
  } finally {
    catalogsInRun.delete(catalog);
  }
}

async function runStages(deps: LifecycleDeps, options: { signal: AbortSignal }): Promise<LifecycleRunReport> {
  const { catalog, logger, metrics } = deps;
  const { signal } = options;
  signal.throwIfAborted();
  const snapshot = deriveLifecycleSnapshot(catalog, deps.policy); // 1
  metrics.watermarkLedger.set(snapshot.throughLedgerSeq);
  metrics.retentionFloorLedger.set(snapshot.floor.floorLedgerSeq);
  logger.debug("lifecycle: snapshot derived", {
    last_complete_chunk: snapshot.lastCompleteChunk < 0 ? "none" : pad8(snapshot.lastCompleteChunk),
    through: snapshot.throughLedgerSeq,
    floor: snapshot.floor.floorLedgerSeq,
  });
  await betweenSteps(signal);
  const plan = await runFreezeStage(deps, { snapshot, signal }); // 2
  crashPoint("lifecycle.frozen");
  await betweenSteps(signal);
  const discarded = await runDiscardStage(deps, { snapshot, signal }); // 3
  crashPoint("lifecycle.discarded");
  await betweenSteps(signal);
  const pruned = await runPruneStage(deps, { snapshot, signal }); // 4
  crashPoint("lifecycle.pruned");
  await betweenSteps(signal);
  const bytes = await measureColdTier(deps); // 5
  metrics.lifecycleRunsTotal.inc();
  // The run's end, also when it did nothing: with no wake pending the lifecycle is settled through
  // `through` (the daemon tests wait for this line before auditing).
  logger.debug("lifecycle: run complete", { through: snapshot.throughLedgerSeq, floor: snapshot.floor.floorLedgerSeq });
  return { snapshot, plan, discarded, pruned, coldTierBytes: bytes };
}

async function runFreezeStage(deps: LifecycleDeps, context: { snapshot: LifecycleSnapshot; signal: AbortSignal }): Promise<Plan> {
  const { snapshot, signal } = context;
  const startedMs = performance.now();
  const range = snapshot.freezeRange;
  const plan = range === undefined ? { chunkBuilds: [], indexBuilds: [] } : await runBackfill({ ...deps.backfill, catalog: deps.catalog, signal }, range);
  const durationMs = performance.now() - startedMs;
  deps.metrics.freezeChunksTotal.add(plan.chunkBuilds.length);
  deps.metrics.freezeIndexesTotal.add(plan.indexBuilds.length);
  observePhase(deps.metrics, "freeze", durationMs);
  if (range !== undefined && plan.chunkBuilds.length + plan.indexBuilds.length > 0) {
    deps.logger.info("lifecycle: freeze stage complete", {
      range_lo: pad8(range.rangeStart),
      range_hi: pad8(range.rangeEnd),
      chunk_builds: plan.chunkBuilds.length,
      index_builds: plan.indexBuilds.length,
      duration_s: secondsOf(durationMs),
    });
  }
  return plan;
}

async function runDiscardStage(deps: LifecycleDeps, context: { snapshot: LifecycleSnapshot; signal: AbortSignal }): Promise<DiscardOp[]> {
  const { catalog, logger } = deps;
  const startedMs = performance.now();
  const ops = discardScan(catalog, context.snapshot);
  for (const op of ops) {
    await betweenSteps(context.signal);
    runDiscardOp(catalog, op);
    deps.metrics.discardedHotChunksTotal.inc();
    logger.debug("lifecycle: hot DB discarded", { chunk: pad8(op.chunkId), reason: op.reason });
  }
  const durationMs = performance.now() - startedMs;
  observePhase(deps.metrics, "discard", durationMs);
  deps.metrics.liveHotChunks.set(hotChunkEntries(catalog).length);
  if (ops.length > 0) logger.info("lifecycle: discard stage complete", { discarded: ops.length, duration_s: secondsOf(durationMs) });
  return ops;
}

async function runPruneStage(deps: LifecycleDeps, context: { snapshot: LifecycleSnapshot; signal: AbortSignal }): Promise<PruneOp[]> {
  const { catalog, logger } = deps;
  const startedMs = performance.now();
  const ops = pruneScan(catalog, context.snapshot);
  for (const op of ops) {
    await betweenSteps(context.signal);
    runPruneOp(catalog, op);
    deps.metrics.prunedOpsTotal.inc();
    logger.debug("lifecycle: pruned", pruneOpFields(op));
  }
  const durationMs = performance.now() - startedMs;
  observePhase(deps.metrics, "prune", durationMs);
  if (ops.length > 0) {
    const chunkRefCount = ops.reduce((count, op) => count + (op.kind === "chunks" ? op.refs.length : 0), 0);
    logger.info("lifecycle: prune stage complete", {
      pruned: ops.length,
      index_keys: ops.length - ops.filter((op) => op.kind === "chunks").length,
      chunk_keys: chunkRefCount,
      duration_s: secondsOf(durationMs),
    });
  }
  return ops;
}

/** Step 5: the cold tier gauge; a walk failure only skips the gauge (it is a measurement, §7.7 step 8). */
async function measureColdTier(deps: LifecycleDeps): Promise<number | undefined> {
  try {
    const byteCount = await coldTierBytes(deps.catalog.layout);
    deps.metrics.coldTierBytes.set(byteCount);
    return byteCount;
  } catch (err) {
    if (!(err instanceof StorageWalkError)) throw err;
    deps.logger.warn("lifecycle: cold tier not measured; cold_tier_bytes keeps its last value", { error: err });
    return undefined;
  }
}

/**
 * Between two stages and between two ops: let the event loop turn (ingestion commits on this
 * thread; an abort is delivered as an event), then stop if the run was aborted. Stages' scans and
 * ops are synchronous catalog and file steps, so these are the run's only safe points.
 */
async function betweenSteps(signal: AbortSignal): Promise<void> {
  await yieldToEventLoop();
  signal.throwIfAborted();
}

function pruneOpFields(op: PruneOp): Record<string, string | number> {
  switch (op.kind) {
    case "index":
      return { window: pad8(op.coverage.windowId), lo: pad8(op.coverage.lo), hi: pad8(op.coverage.hi), reason: op.reason };
    case "chunks":
      return { chunk_keys: op.refs.length, first_chunk: pad8(op.refs[0]!.chunkId), last_chunk: pad8(op.refs[op.refs.length - 1]!.chunkId) };
    default:
      return unreachable(op);
  }
}

function errorOf(err: unknown): Error | string {
  return err instanceof Error ? err : String(err);
}
