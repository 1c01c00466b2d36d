/**
 * Catch-up (reference §7.9 as changed by Appendix B's latest design; README D10): before the daemon
 * ingests live, backfill every complete chunk of the retention window from the lake, in passes,
 * until the target stops moving. Each pass:
 *
 *   1. samples the tip; NO reachable tip fails the run (D10: never serve behind an unknown
 *      frontier; no degrade-to-local-progress, no first-start special case);
 *   2. target = backfillTarget(tip, lastCommitted): the last complete chunk at max(tip,
 *      lastCommitted), lowered to the chunk below lastCommitted's when lastCommitted is mid-chunk
 *      and within one chunk of the tip (that chunk's hot DB is the live one: leave it to ingestion);
 *   3. rangeStart = the retention floor's chunk with the TARGET as upper bound (so widening
 *      retention fills downward, and a floor above the target means nothing to do);
 *   4. stops when target < 0 (nothing complete), target ≤ the previous pass's, or rangeStart > target;
 *   5. otherwise backfills [rangeStart, target] (resolve skips what is frozen) and advances
 *      lastCommitted to the target's last ledger.
 * A lake that grows during a long pass is caught by the next pass; every pass strictly raises the
 * target, so there are at most CHUNK_ID_MAX + 1 of them. Nothing here is stored: a restart
 * re-derives lastCommitted and starts over (README "progress is derived").
 * @module
 */

import { assert } from "../assert.ts";
import {
  type ChunkId,
  type LedgerSeq,
  CHUNK_ID_MAX,
  chunkLastLedger,
  chunkOfLedger,
  completeThrough,
  LEDGERS_PER_CHUNK,
  lastCompleteChunkAt,
  pad8,
  signedChunkOfLedger,
} from "../geometry/chunk.ts";
import { effectiveRetentionFloor, type RetentionPolicy } from "../geometry/retention.ts";
import { type Logger, secondsOf } from "../log/logger.ts";
import { type DaemonMetrics, observePhase } from "../metrics/daemon_metrics.ts";
import { sampleTipOrFail, type TipSampler } from "./network_tip.ts";

/** An inclusive chunk range to backfill. */
export interface BackfillRange {
  readonly rangeStart: ChunkId;
  readonly rangeEnd: ChunkId;
}

/**
 * Backfills `range` (resolve, then execute the plan, reference §7.3); owned by this consumer
 * (style R16), implemented over the backfill engine. Rejects with `signal.reason` when aborted.
 */
export type BackfillRunner = (range: BackfillRange, options: { signal: AbortSignal }) => Promise<void>;

/** What catch-up needs. */
export interface CatchUpDeps {
  readonly sampleTip: TipSampler;
  readonly runBackfill: BackfillRunner;
  readonly logger: Logger;
  readonly metrics: DaemonMetrics;
  readonly signal: AbortSignal;
  /** Clock for pass durations; default `performance.now`. */
  readonly nowMs?: () => number;
}

/** Where catch-up starts. */
export interface CatchUpStart {
  /** `lastCommittedLedger` derived at startup (reference §7.8). */
  readonly lastCommittedLedger: LedgerSeq;
  readonly policy: RetentionPolicy;
}

/** What catch-up did. */
export interface CatchUpResult {
  readonly lastCommittedLedger: LedgerSeq;
  readonly passCount: number;
}

/**
 * The pass target (Appendix B `backfillTarget`): the last complete chunk at max(tip, lastCommitted),
 * signed (−1 = none), lowered to the chunk below lastCommitted's when lastCommitted is strictly
 * inside a chunk and the tip is less than one chunk ahead of it (a lagging tip counts as within).
 * The pre-genesis sentinel 1 counts as a chunk boundary.
 */
export function backfillTarget(tipLedgerSeq: LedgerSeq, lastCommittedLedgerSeq: LedgerSeq): number {
  const anchorLedgerSeq = Math.max(tipLedgerSeq, lastCommittedLedgerSeq);
  const withinOneChunk = tipLedgerSeq - lastCommittedLedgerSeq < LEDGERS_PER_CHUNK;
  const midChunk = lastCommittedLedgerSeq !== completeThrough(signedChunkOfLedger(lastCommittedLedgerSeq));
  if (withinOneChunk && midChunk) return lastCompleteChunkAt(lastCommittedLedgerSeq);
  return lastCompleteChunkAt(anchorLedgerSeq);
}

/** Runs passes until the target stops moving (see the module comment). */
export async function catchUp(deps: CatchUpDeps, start: CatchUpStart): Promise<CatchUpResult> {
  const nowMs = deps.nowMs ?? (() => performance.now());
  let lastCommittedLedgerSeq = start.lastCommittedLedger;
  let backfilledThroughChunk = -1;
  let passCount = 0;
  // Bounded: each pass that does not stop raises backfilledThroughChunk by at least one chunk.
  for (let passIndex = 0; passIndex <= CHUNK_ID_MAX + 1; passIndex++) {
    deps.signal.throwIfAborted();
    const passNumber = passIndex + 1;
    const tipLedgerSeq = await sampleTipOrFail(deps.sampleTip, {
      signal: deps.signal,
      why:
        `Cannot run catch-up pass ${passNumber}: no reachable network tip, and the daemon never serves behind ` +
        "an unknown frontier (D10); restart once the lake answers",
    });
    const targetChunk = backfillTarget(tipLedgerSeq, lastCommittedLedgerSeq);
    deps.metrics.ingestionLagLedgers.set(Math.max(0, tipLedgerSeq - lastCommittedLedgerSeq));
    deps.metrics.catchupTargetLedger.set(completeThrough(targetChunk));
    const pass = planPass(targetChunk, { backfilledThroughChunk, policy: start.policy });
    if (pass.kind === "stop") {
      deps.logger.info("catch-up complete", {
        last_committed: lastCommittedLedgerSeq,
        tip: tipLedgerSeq,
        passes: passCount,
        reason: pass.reason,
      });
      return { lastCommittedLedger: lastCommittedLedgerSeq, passCount };
    }
    const range = pass.range;
    const passLogger = deps.logger.child({ pass: passNumber, range_lo: pad8(range.rangeStart), range_hi: pad8(range.rangeEnd) });
    passLogger.info("catch-up pass starting", { tip: tipLedgerSeq, last_committed: lastCommittedLedgerSeq });
    const startedMs = nowMs();
    await deps.runBackfill(range, { signal: deps.signal });
    const durationMs = nowMs() - startedMs;
    lastCommittedLedgerSeq = Math.max(lastCommittedLedgerSeq, chunkLastLedger(range.rangeEnd)) as LedgerSeq;
    backfilledThroughChunk = range.rangeEnd;
    passCount += 1;
    deps.metrics.catchupPassesTotal.inc();
    observePhase(deps.metrics, "catchup_pass", durationMs);
    deps.metrics.catchupBackfilledLedger.set(lastCommittedLedgerSeq);
    deps.metrics.lastCommittedLedger.set(lastCommittedLedgerSeq);
    passLogger.info("catch-up pass complete", { last_committed: lastCommittedLedgerSeq, duration_s: secondsOf(durationMs) });
  }
  assert(false, `catch-up ran more than ${CHUNK_ID_MAX + 1} passes without the target settling`);
}

type PassPlan = { kind: "stop"; reason: string } | { kind: "backfill"; range: BackfillRange };

/** Steps 3–4 of the module comment: the pass's range, or why catch-up is done. */
function planPass(targetChunk: number, options: { backfilledThroughChunk: number; policy: RetentionPolicy }): PassPlan {
  if (targetChunk < 0) return { kind: "stop", reason: "no complete chunk below the tip yet" };
  if (targetChunk <= options.backfilledThroughChunk) return { kind: "stop", reason: "target reached" };
  const rangeEnd = targetChunk as ChunkId;
  // The floor with the target's last ledger as upper bound (Appendix B `retentionFloorChunk(target)`).
  const rangeStart = chunkOfLedger(effectiveRetentionFloor(chunkLastLedger(rangeEnd), options.policy));
  if (rangeStart > rangeEnd) return { kind: "stop", reason: "retention floor is above the target" };
  return { kind: "backfill", range: { rangeStart, rangeEnd } };
}
