/**
 * The daemon (`fullhistory run`; reference §7.6 `RunDaemon` → `superviseStreaming` →
 * `startStreaming`, README D10, D11), wired here once (style R16):
 *
 *   once per process   lock the roots, open the catalog and the lake, settle the earliest_ledger
 *                      pin (startup steps 2–5, `openForStartup`); a failure here ends the process
 *   every run          (the supervisor reruns this after a failure, with backoff)
 *     1. derive the last committed ledger and catch up (startup steps 6–7, `catchUpOpened`)
 *                                                                         ⟶ daemon.catchup.done
 *     2. resume chunk = the chunk of the last committed ledger + 1
 *     3. seed the lifecycle: one wake, so its first run looks at what catch-up left (a complete
 *        chunk may already need freezing, discarding or pruning; §7.6 step 8)
 *     4. ingestion and the lifecycle loop side by side until the shutdown signal or a failure;
 *        either failing aborts the other and fails the run (`runSideBySide`)
 *   at the end         the catalog closes and the locks are released, however the process stops
 *
 * One WakeSignal serves every run of the process: a wake left pending by a failed run is consumed
 * by the next run's lifecycle, never lost. Nothing else carries over between runs: each one
 * re-derives where it stands from the catalog (README "progress is derived, never stored").
 * @module
 */

import type { Config } from "../config/config.ts";
import { crashPoint } from "../crash_point.ts";
import { chunkOfLedger, type LedgerSeq, pad8 } from "../geometry/chunk.ts";
import { type LifecycleDeps, runLifecycleLoop } from "../lifecycle/lifecycle_loop.ts";
import { WakeSignal } from "../lifecycle/wake_signal.ts";
import type { Logger } from "../log/logger.ts";
import type { DaemonMetrics } from "../metrics/daemon_metrics.ts";
import { startProgressReporter } from "../progress/progress_reporter.ts";
import type { StatusLine } from "../progress/status_line.ts";
import { backfillReporting } from "./backfill_reporting.ts";
import { type IngestionDeps, runIngestion } from "./ingestion.ts";
import { runSideBySide } from "./side_by_side.ts";
import { backfillSettings, catchUpOpened, type OpenedStore, openForStartup } from "./startup.ts";
import { supervise } from "./supervisor.ts";

/** What the daemon reports through and is stopped by. */
export interface DaemonDeps {
  readonly logger: Logger;
  readonly metrics: DaemonMetrics;
  /** Catch-up's progress line (drawn only on a terminal). */
  readonly statusLine: StatusLine;
  /** The shutdown signal (SIGINT/SIGTERM): the daemon stops cleanly and resolves. */
  readonly signal: AbortSignal;
}

/**
 * Starts once, then runs under the supervisor until `deps.signal` aborts (resolves) or a failure
 * restarting cannot fix (rejects with it). Storage is closed and unlocked before it settles.
 */
export async function runDaemon(config: Config, deps: DaemonDeps): Promise<void> {
  const opened = await openForStartup(config, deps);
  try {
    const wakeup = new WakeSignal();
    await supervise((run) => runOnce(config, { opened, wakeup, deps, signal: run.signal }), {
      logger: deps.logger,
      metrics: deps.metrics,
      signal: deps.signal,
    });
  } finally {
    opened.storage.close();
  }
}

interface RunContext {
  readonly opened: OpenedStore;
  readonly wakeup: WakeSignal;
  readonly deps: DaemonDeps;
  readonly signal: AbortSignal;
}

/** One run: steps 1–4 of the module comment. */
async function runOnce(config: Config, context: RunContext): Promise<void> {
  const { opened, wakeup, deps, signal } = context;
  const lastCommittedLedgerSeq = await catchUpWithProgress(config, context); // step 1
  crashPoint("daemon.catchup.done");
  const resumeChunkId = chunkOfLedger((lastCommittedLedgerSeq + 1) as LedgerSeq); // step 2
  deps.logger.info("daemon run: caught up; ingesting live from the resume chunk", {
    last_committed: lastCommittedLedgerSeq,
    resume_chunk: pad8(resumeChunkId),
  });
  wakeup.wake(); // step 3
  const ingestion: IngestionDeps = {
    catalog: opened.storage.catalog,
    lake: { options: opened.lakeOptions, description: opened.lake.description },
    pollIntervalMs: config.ingestion.pollIntervalMs,
    wakeup,
    logger: deps.logger,
    metrics: deps.metrics,
  };
  const lifecycle = lifecycleDeps(config, context);
  // Step 4. Ingestion is listed first: it opens (or creates) the resume chunk's hot DB before its
  // first await (§7.6 step 6), so the seeded lifecycle run already sees that chunk's key.
  await runSideBySide(
    {
      ingestion: (options) => runIngestion(ingestion, { resumeChunkId, signal: options.signal }),
      lifecycle: (options) => runLifecycleLoop(lifecycle, { wakeup, signal: options.signal }),
    },
    { signal },
  );
}

/** Step 1 with the progress line (terminal) or progress log lines, stopped however catch-up ends. */
async function catchUpWithProgress(config: Config, context: RunContext): Promise<LedgerSeq> {
  const { logger, metrics, statusLine } = context.deps;
  const progress = startProgressReporter({ statusLine, logger });
  try {
    const observer = backfillReporting({ logger, metrics, progress });
    return await catchUpOpened(config, context.opened, { logger, metrics, observer, signal: context.signal });
  } finally {
    progress.stop();
  }
}

/** The lifecycle's dependencies: its freezes are backfills with the same settings as catch-up's. */
function lifecycleDeps(config: Config, context: RunContext): LifecycleDeps {
  const { logger, metrics, statusLine } = context.deps;
  // Live, the lifecycle's freezes report as log lines and metrics only: no progress line (no timer).
  const progress = startProgressReporter({ statusLine, logger, timer: false });
  const observer = backfillReporting({ logger, metrics, progress });
  return {
    catalog: context.opened.storage.catalog,
    policy: context.opened.policy,
    backfill: backfillSettings(config, { lakeOptions: context.opened.lakeOptions, observer, logger }),
    logger,
    metrics,
  };
}
