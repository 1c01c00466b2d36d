/**
 * Catch-up progress as numbers: what a pass planned, what is done, and the recent ledger rate
 * (pure; the clock is passed in). The rate is measured over the last `RATE_WINDOW_MS` of chunk
 * completions, so the ETA follows the current speed rather than the average since start; the sample
 * ring is bounded (`RATE_SAMPLES_MAX`). The ETA assumes each remaining chunk build reads a whole
 * chunk (every build streams all of its chunk's ledgers, reference §7.5).
 * @module
 */

import { assert } from "../assert.ts";
import { LEDGERS_PER_CHUNK } from "../geometry/chunk.ts";

/** Chunk completions older than this no longer count toward the rate. */
export const RATE_WINDOW_MS = 30_000;
/** Completions remembered for the rate (older ones fall out first). */
export const RATE_SAMPLES_MAX = 256;

/** One moment of a pass. */
export interface ProgressSnapshot {
  /** 1-based; 0 before the first plan. */
  readonly passNumber: number;
  readonly chunksDone: number;
  readonly chunksTotal: number;
  readonly indexesDone: number;
  readonly indexesTotal: number;
  /** Ledgers read into artifacts during this pass. */
  readonly ledgersDone: number;
  /** Undefined until two completions (or one and some elapsed time) give a rate. */
  readonly ledgersPerSecond: number | undefined;
  /** Undefined without a rate or with nothing left. */
  readonly etaSeconds: number | undefined;
}

interface RateSample {
  readonly atMs: number;
  readonly ledgerCount: number;
}

/** Counts one pass at a time; `planResolved` starts the next pass. */
export class ProgressTracker {
  #passNumber = 0;
  #passStartMs = 0;
  #chunksDone = 0;
  #chunksTotal = 0;
  #indexesDone = 0;
  #indexesTotal = 0;
  #ledgersDone = 0;
  #samples: RateSample[] = [];

  planResolved(plan: { chunkBuildCount: number; indexBuildCount: number }, nowMs: number): void {
    this.#passNumber += 1;
    this.#passStartMs = nowMs;
    this.#chunksDone = 0;
    this.#chunksTotal = plan.chunkBuildCount;
    this.#indexesDone = 0;
    this.#indexesTotal = plan.indexBuildCount;
    this.#ledgersDone = 0;
    this.#samples = [];
  }

  chunkBuilt(ledgerCount: number, nowMs: number): void {
    assert(this.#chunksDone < this.#chunksTotal, `chunk built beyond the plan's ${this.#chunksTotal} chunk builds`);
    this.#chunksDone += 1;
    this.#ledgersDone += ledgerCount;
    this.#samples.push({ atMs: nowMs, ledgerCount });
    if (this.#samples.length > RATE_SAMPLES_MAX) this.#samples.shift();
  }

  indexBuilt(): void {
    assert(this.#indexesDone < this.#indexesTotal, `index built beyond the plan's ${this.#indexesTotal} index builds`);
    this.#indexesDone += 1;
  }

  snapshot(nowMs: number): ProgressSnapshot {
    const ledgersPerSecond = this.#rate(nowMs);
    const chunksLeft = this.#chunksTotal - this.#chunksDone;
    const etaSeconds =
      ledgersPerSecond === undefined || ledgersPerSecond === 0 || chunksLeft === 0
        ? undefined
        : (chunksLeft * LEDGERS_PER_CHUNK) / ledgersPerSecond;
    return {
      passNumber: this.#passNumber,
      chunksDone: this.#chunksDone,
      chunksTotal: this.#chunksTotal,
      indexesDone: this.#indexesDone,
      indexesTotal: this.#indexesTotal,
      ledgersDone: this.#ledgersDone,
      ledgersPerSecond,
      etaSeconds,
    };
  }

  /**
   * Ledgers per second over the window: completions inside it divided by the time from the
   * window's start (or the pass start, if later) to now. Chunks finish in bursts of `workers`,
   * so measuring to now — not to the last completion — keeps the rate from spiking after a burst.
   */
  #rate(nowMs: number): number | undefined {
    const windowStartMs = Math.max(nowMs - RATE_WINDOW_MS, this.#passStartMs);
    const spanMs = nowMs - windowStartMs;
    const recent = this.#samples.filter((sample) => sample.atMs >= windowStartMs);
    if (recent.length === 0 || spanMs <= 0) return undefined;
    const ledgerCount = recent.reduce((total, sample) => total + sample.ledgerCount, 0);
    return (ledgerCount * 1000) / spanMs;
  }
}

/** `catch-up pass 2: chunks 12/40, indexes 0/1, 31250 ledgers/s, ETA 1m02s`. */
export function formatProgressLine(snapshot: ProgressSnapshot): string {
  const rate = snapshot.ledgersPerSecond === undefined ? "measuring speed" : `${Math.round(snapshot.ledgersPerSecond)} ledgers/s`;
  const eta = snapshot.etaSeconds === undefined ? "" : `, ETA ${formatDuration(snapshot.etaSeconds)}`;
  return (
    `catch-up pass ${snapshot.passNumber}: chunks ${snapshot.chunksDone}/${snapshot.chunksTotal}, ` +
    `indexes ${snapshot.indexesDone}/${snapshot.indexesTotal}, ${rate}${eta}`
  );
}

/** `45s`, `1m02s`, `3h07m`: two units at most, rounded up so an ETA never reads 0s while work remains. */
export function formatDuration(seconds: number): string {
  const totalSeconds = Math.ceil(seconds);
  if (totalSeconds < 60) return `${totalSeconds}s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes < 60) return `${totalMinutes}m${String(totalSeconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(totalMinutes / 60)}h${String(totalMinutes % 60).padStart(2, "0")}m`;
}
