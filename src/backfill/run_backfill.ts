/**
 * `runBackfill(deps, { rangeStart, rangeEnd })` = `resolve` + `executePlan` (reference §7.3): makes
 * every chunk of the range hold frozen ledgers, events and (through the window's index coverage)
 * tx hashes. The startup catch-up loop calls it once per pass, the lifecycle once per tick.
 * Idempotent and crash-safe: everything it does is derived from the catalog at the call, so a call
 * after a crash (or a second call) finishes exactly what is missing. There is no upfront
 * producibility check: a chunk no source can produce fails inside its build, on every retry (§7.3).
 *
 * Task bodies: a chunk build is `processChunk` (§5.2), an index build is `buildThenSweep` (§5.4);
 * each success is reported to `deps.observer`, each retry too (through `executePlan`). After the
 * plan, the windows of the range that needed no index build are swept too, finishing what a
 * crashed earlier pass demoted but did not delete (`sweepUnbuiltWindows`).
 * @module
 */

import { type Catalog } from "../catalog/catalog.ts";
import { type LakeSourceOptions } from "../lake/open_lake_source.ts";
import { type Logger } from "../log/logger.ts";
import { sweepWindow } from "../catalog/window_sweep.ts";
import { type WindowId, pad8 } from "../geometry/chunk.ts";
import { type BackfillObserver } from "./backfill_observer.ts";
import { buildThenSweep } from "./build_txhash_index.ts";
import { executePlan } from "./execute_plan.ts";
import { type HotChunkOpener } from "./hot_chunk_reader.ts";
import { processChunk } from "./process_chunk.ts";
import { type ChunkRange, type Plan, resolve } from "./resolve.ts";
import { RETRY_BACKOFF_BASE_MS_DEFAULT } from "./with_retries.ts";

/** Everything a backfill uses; the daemon wires it once (style R16). */
export interface BackfillDeps {
  /** The open read-write catalog; `catalog.layout` names every file and the window size. */
  catalog: Catalog;
  /** `[backfill] workers`: slots shared by chunk and index builds, each running one Worker. */
  workerCount: number;
  /** `[backfill] max_retries`: further attempts per failed task; 0 runs each once. */
  maxRetries: number;
  /** Wait before a task's first retry, doubling up to 30 s; default 1 s (reference §7.2). */
  retryBackoffBaseMs?: number;
  /** The lake, as `openLakeSource` takes it; each chunk build's Worker opens its own stream. */
  lake: LakeSourceOptions;
  /** Opens a closed chunk's `ready` hot DB for reading (the hot DB module implements it). */
  openHotChunk: HotChunkOpener;
  observer: BackfillObserver;
  logger: Logger;
  /** Aborting stops the backfill: Workers are terminated, nothing new starts; it rejects with `signal.reason`. */
  signal: AbortSignal;
}

/** Resolves the plan of `range` and runs it; resolves with the plan it ran (empty when nothing was missing). */
export async function runBackfill(deps: BackfillDeps, range: ChunkRange): Promise<Plan> {
  const { catalog, observer } = deps;
  const plan = resolve(catalog, range);
  observer.planResolved({ range, chunkBuildCount: plan.chunkBuilds.length, indexBuildCount: plan.indexBuilds.length });
  deps.logger.debug("backfill: plan resolved", {
    range_lo: pad8(range.rangeStart),
    range_hi: pad8(range.rangeEnd),
    chunk_builds: plan.chunkBuilds.length,
    index_builds: plan.indexBuilds.length,
  });
  await executePlan(plan, {
    workerCount: deps.workerCount,
    maxRetries: deps.maxRetries,
    retryBackoffBaseMs: deps.retryBackoffBaseMs ?? RETRY_BACKOFF_BASE_MS_DEFAULT,
    signal: deps.signal,
    observer,
    runChunkBuild: async (build, signal) => {
      const startMs = performance.now();
      const built = await processChunk(deps, build, { signal });
      observer.chunkBuilt({ chunkId: build.chunkId, kinds: built.kinds, source: built.source, ...built.written, durationMs: performance.now() - startMs });
    },
    runIndexBuild: async (coverage, signal) => {
      const startMs = performance.now();
      const built = await buildThenSweep({ catalog, logger: deps.logger }, coverage, { signal });
      observer.indexBuilt({ coverage, keyCount: built.keyCount, skipped: built.skipped, durationMs: performance.now() - startMs });
    },
  });
  sweepUnbuiltWindows(catalog, { range, plan });
  return plan;
}

/**
 * Finishes the sweeps of every window of the range that got no index build in this plan: a pass
 * killed between a commit and its sweep (§5.4) leaves `pruning` keys and files that no later
 * build of that window may ever come to sweep, because its frozen coverage already contains the
 * range. The reference leaves them to the lifecycle prune scan (§7.10); sweeping them here makes a
 * backfill converge on its own. Window-local and safe: the plan has finished, and a window without
 * an index build had no txhash build either (resolve plans txhash only with one).
 */
function sweepUnbuiltWindows(catalog: Catalog, context: { range: ChunkRange; plan: Plan }): void {
  const { range, plan } = context;
  if (range.rangeEnd < range.rangeStart) return;
  const windows = catalog.layout.windows;
  const built = new Set(plan.indexBuilds.map((build) => build.windowId as number));
  for (let windowId: number = windows.windowOf(range.rangeStart); windowId <= windows.windowOf(range.rangeEnd); windowId++) {
    if (!built.has(windowId)) sweepWindow(catalog, windowId as WindowId);
  }
}

