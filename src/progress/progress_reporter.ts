/**
 * Shows catch-up progress while backfill runs. On a terminal: the status line (chunks done/total,
 * indexes, ledgers/s, ETA), redrawn by a timer every `REDRAW_INTERVAL_MS` (at most 5 times a
 * second, and only when the text changed). Not on a terminal (a service manager, a pipe): the same
 * facts as an info log line every `LOG_INTERVAL_MS` while a pass has work left, so journals get a
 * heartbeat without a flood. The timer is unref'd and `stop()` ends it and erases the line.
 * @module
 */

import type { Logger } from "../log/logger.ts";
import { formatProgressLine, ProgressTracker } from "./progress_tracker.ts";
import type { StatusLine } from "./status_line.ts";

/** Terminal redraw period. */
export const REDRAW_INTERVAL_MS = 200;
/** Log period when stderr is not a terminal. */
export const LOG_INTERVAL_MS = 10_000;

export interface ProgressReporter {
  planResolved(plan: { chunkBuildCount: number; indexBuildCount: number }): void;
  chunkBuilt(ledgerCount: number): void;
  indexBuilt(): void;
  /** Draws the line (terminal) or logs it (otherwise) now; the timer calls this. */
  tick(): void;
  /** Stops the timer and erases the status line. Idempotent. */
  stop(): void;
}

export interface ProgressReporterOptions {
  readonly statusLine: StatusLine;
  readonly logger: Logger;
  /** Default `performance.now`. */
  readonly nowMs?: () => number;
  /** False in tests that drive `tick()` themselves. Default true. */
  readonly timer?: boolean;
}

/** Starts reporting; call `stop()` when catch-up ends, however it ends. */
export function startProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const nowMs = options.nowMs ?? (() => performance.now());
  const tracker = new ProgressTracker();
  const interactive = options.statusLine.interactive;
  const tick = (): void => {
    const snapshot = tracker.snapshot(nowMs());
    if (snapshot.passNumber === 0) return;
    if (interactive) {
      options.statusLine.show(formatProgressLine(snapshot));
      return;
    }
    if (snapshot.chunksDone === snapshot.chunksTotal && snapshot.indexesDone === snapshot.indexesTotal) return;
    options.logger.info("catch-up progress", {
      pass: snapshot.passNumber,
      chunks_done: snapshot.chunksDone,
      chunks_total: snapshot.chunksTotal,
      indexes_done: snapshot.indexesDone,
      indexes_total: snapshot.indexesTotal,
      ledgers_per_s: snapshot.ledgersPerSecond === undefined ? undefined : Math.round(snapshot.ledgersPerSecond),
      eta_s: snapshot.etaSeconds === undefined ? undefined : Math.ceil(snapshot.etaSeconds),
    });
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  if (options.timer !== false) {
    timer = setInterval(tick, interactive ? REDRAW_INTERVAL_MS : LOG_INTERVAL_MS);
    timer.unref();
  }
  return {
    planResolved: (plan) => tracker.planResolved(plan, nowMs()),
    chunkBuilt: (ledgerCount) => tracker.chunkBuilt(ledgerCount, nowMs()),
    indexBuilt: () => tracker.indexBuilt(),
    tick,
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      options.statusLine.clear();
    },
  };
}
