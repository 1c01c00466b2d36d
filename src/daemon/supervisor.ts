/**
 * The supervisor (README D10, D11; reference §7.6 `superviseStreaming`): runs the daemon's run
 * function again and again until the process is told to stop. A run is catch-up, then live
 * ingestion and the lifecycle side by side (src/daemon/daemon.ts); it only ever ends by failing or
 * by being aborted. What happens next depends on how it failed:
 *
 *   aborted (SIGINT/SIGTERM)      resolve: the caller closes storage and exits 0
 *   FatalError                    reject with it: restarting cannot fix it (hot volume lost, a
 *                                 changed earliest_ledger, a misconfigured lake); the CLI prints
 *                                 its one line and exits 1
 *   a bug (InvariantError, any    reject with it: the process must not run on a false belief
 *     non-Fullhistory error         (src/assert.ts); the CLI prints it with its stack, exit 70
 *     without an errno code)
 *   anything else (a FullhistoryError, or a system error such as EIO or ENOSPC)
 *                                 log `daemon run failed; restarting in Ns` with the cause, wait,
 *                                 run again. Startup is the recovery: the next run re-derives
 *                                 progress from the catalog and converges (README invariants)
 *
 * The wait is capped exponential: `firstMs`, doubling per consecutive failure up to `maxMs`; a run
 * that stayed up for `healthyRunMs` before it failed counts as a first failure again. A shutdown
 * during the wait ends it at once. The supervisor never re-locks the roots or re-validates the
 * config (§7.6): it only calls the run function, which the caller built over storage opened once.
 * @module
 */

import { InvariantError } from "../assert.ts";
import { FatalError, FullhistoryError, systemErrorCode } from "../errors.ts";
import { type Logger, secondsOf } from "../log/logger.ts";
import type { DaemonMetrics } from "../metrics/daemon_metrics.ts";

/** How long to wait before the next run after a failed one. */
export interface RestartBackoff {
  /** Wait after a first failure (or one after a healthy run). */
  readonly firstMs: number;
  /** Largest wait: consecutive failures double the wait up to this. */
  readonly maxMs: number;
  /** A run that lasted at least this long before failing resets the wait to `firstMs`. */
  readonly healthyRunMs: number;
}

/** 1 s → 2 s → … → 30 s; a run that stayed up a minute starts over at 1 s. */
export const RESTART_BACKOFF_DEFAULT: RestartBackoff = { firstMs: 1_000, maxMs: 30_000, healthyRunMs: 60_000 };

/** One daemon run; it must not resolve before `signal` aborts, and rejects when it fails. */
export type DaemonRun = (options: { signal: AbortSignal }) => Promise<void>;

/** How a run ended when it did not end by the shutdown signal. */
export type RunFailureClass = "restart" | "fatal" | "bug";

/** Options of `supervise`. */
export interface SuperviseOptions {
  readonly logger: Logger;
  readonly metrics: DaemonMetrics;
  /** The shutdown signal: aborting it stops the current run and the supervisor resolves. */
  readonly signal: AbortSignal;
  /** Default `RESTART_BACKOFF_DEFAULT`. */
  readonly backoff?: RestartBackoff;
  /** Clock for run durations; default `performance.now`. */
  readonly nowMs?: () => number;
}

/** Classifies a failed run's error (see the module comment). */
export function classifyRunFailure(err: unknown): RunFailureClass {
  if (err instanceof FatalError) return "fatal";
  if (err instanceof FullhistoryError) return "restart";
  if (err instanceof InvariantError) return "bug";
  // A system error (EIO, ENOSPC, EACCES) is the disk or the host, not our logic: a restart may succeed.
  if (systemErrorCode(err) !== undefined) return "restart";
  return "bug";
}

/** The wait before the run after `consecutiveFailures` failures in a row (1 = the first). */
export function restartDelayMs(consecutiveFailures: number, backoff: RestartBackoff): number {
  // Doubling past 2^30 would overflow nothing in JS, but no cap is that far; stop doubling early.
  const doublings = Math.min(consecutiveFailures - 1, 30);
  return Math.min(backoff.firstMs * 2 ** doublings, backoff.maxMs);
}

/** Runs `run` until the shutdown signal (resolves) or a fatal or buggy failure (rejects with it). */
export async function supervise(run: DaemonRun, options: SuperviseOptions): Promise<void> {
  const { logger, signal } = options;
  const backoff = options.backoff ?? RESTART_BACKOFF_DEFAULT;
  const nowMs = options.nowMs ?? (() => performance.now());
  let consecutiveFailures = 0;
  // The one loop that never ends by itself (style R5): a daemon runs until it is stopped or cannot go on.
  for (;;) {
    if (signal.aborted) return;
    const startedMs = nowMs();
    const outcome = await settle(run({ signal }));
    if (signal.aborted) {
      // Winding down: expected failures of stopping tasks are part of stopping; a bug still surfaces.
      if (outcome.failed && outcome.err !== signal.reason && classifyRunFailure(outcome.err) === "bug") throw outcome.err;
      return;
    }
    if (!outcome.failed) throw new InvariantError("a daemon run resolved although nothing stopped it");
    const error = asError(outcome.err);
    const failureClass = classifyRunFailure(outcome.err);
    if (failureClass !== "restart") {
      logger.error(failureClass === "fatal" ? "daemon stopped: restarting cannot fix this" : "daemon stopped: internal error", { error });
      throw outcome.err;
    }
    const ranMs = nowMs() - startedMs;
    consecutiveFailures = ranMs >= backoff.healthyRunMs ? 1 : consecutiveFailures + 1;
    const delayMs = restartDelayMs(consecutiveFailures, backoff);
    options.metrics.daemonRestartsTotal.inc();
    logger.warn(`daemon run failed; restarting in ${secondsOf(delayMs)}s`, {
      error,
      consecutive_failures: consecutiveFailures,
      restart_in_s: secondsOf(delayMs),
    });
    await sleepUnlessAborted(delayMs, signal);
  }
}

/** A settled promise as data, so the loop branches on it instead of on try/catch scopes. */
type Outcome = { failed: false } | { failed: true; err: unknown };

async function settle(promise: Promise<void>): Promise<Outcome> {
  try {
    await promise;
    return { failed: false };
  } catch (err) {
    return { failed: true, err };
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Waits `delayMs`, or less when `signal` aborts first (then resolves too: the loop checks it). */
function sleepUnlessAborted(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, delayMs);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
