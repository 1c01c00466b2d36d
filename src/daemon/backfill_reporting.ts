/**
 * Turns the backfill engine's events (`BackfillObserver`) into what an operator sees: the progress
 * line, log lines (reference §10.3, with the fields an operator needs to find the chunk, window or
 * file) and the metrics of §10.1. Never throws on a well-formed event (an observer throw would fail
 * the reporting task).
 *
 *   plan resolved   progress: a new pass total (the engine logs the plan itself at debug)
 *   chunk built     progress +1 chunk; backfill chunk and ledger counters; debug line per chunk
 *   index built     progress +1 index; rebuilt-chunks counter, chunks-per-index and `rebuild`
 *                   phase histograms; info line (skipped builds: debug, no metrics)
 *   task retried    retry counter; warn line with the error and the wait
 * @module
 */

import type { BackfillObserver } from "../backfill/backfill_observer.ts";
import { pad8 } from "../geometry/chunk.ts";
import { type Logger, secondsOf } from "../log/logger.ts";
import { type DaemonMetrics, observePhase } from "../metrics/daemon_metrics.ts";
import type { ProgressReporter } from "../progress/progress_reporter.ts";

/** The observer catch-up passes to every backfill. */
export function backfillReporting(deps: { logger: Logger; metrics: DaemonMetrics; progress: ProgressReporter }): BackfillObserver {
  const { logger, metrics, progress } = deps;
  return {
    planResolved(event) {
      progress.planResolved(event);
    },
    chunkBuilt(event) {
      progress.chunkBuilt(event.ledgerCount);
      if (event.kinds.length === 0) return;
      metrics.backfillChunksTotal.inc();
      metrics.backfillLedgersTotal.add(event.ledgerCount);
      logger.debug("chunk built", {
        chunk: pad8(event.chunkId),
        kinds: event.kinds.join(","),
        source: event.source,
        ledgers: event.ledgerCount,
        txhash_entries: event.txhashEntryCount,
        events: event.eventCount,
        duration_s: secondsOf(event.durationMs),
      });
    },
    indexBuilt(event) {
      progress.indexBuilt();
      const { windowId, lo, hi } = event.coverage;
      const fields = { window: pad8(windowId), lo: pad8(lo), hi: pad8(hi) };
      if (event.skipped) {
        logger.debug("index already frozen; skipped", fields);
        return;
      }
      const chunkCount = hi - lo + 1;
      metrics.rebuiltChunksTotal.add(chunkCount);
      metrics.rebuildChunksPerIndex.observe(chunkCount);
      observePhase(metrics, "rebuild", event.durationMs);
      logger.info("index built", { ...fields, keys: event.keyCount, duration_s: secondsOf(event.durationMs) });
    },
    taskRetried(event) {
      metrics.backfillRetriesTotal.inc();
      logger.warn("backfill task failed; retrying", {
        task: event.task,
        attempt: event.attempt,
        retry_in_s: secondsOf(event.delayMs),
        error: event.error,
      });
    },
  };
}
