/**
 * The lifecycle's wake-up (README D11; reference Appendix B `BoundarySignal`): a value-less,
 * coalescing signal from ingestion (one `wake()` per closed chunk) to the lifecycle loop (one
 * `wait()` per run). It carries no chunk id: each run derives the last complete chunk from the
 * catalog, so a wake only says "look again".
 *
 *   - `wake()` never blocks and never fails: ingestion's boundary never waits on the lifecycle, and
 *     there is no queue to overflow (no "fell behind" fatal, unlike the reference's channel of 8).
 *   - Any number of wakes before the next `wait()` collapse into one: 10 wakes during a run mean
 *     exactly one more run after it, which sees everything those 10 boundaries made complete.
 *   - A wake is never lost: one that arrives while nobody waits is kept for the next `wait()`, also
 *     across a supervisor restart (the same signal serves every run of the process).
 *
 * Bounded by construction: the whole state is one flag and at most one waiter.
 * @module
 */

import { assert } from "../assert.ts";

/** One coalescing wake-up flag with at most one waiter (the lifecycle loop). */
export class WakeSignal {
  /** A wake arrived while nobody waited; the next `wait()` consumes it. */
  #pending = false;
  /** Resolves the current `wait()`, if one is in progress. */
  #wakeWaiter: (() => void) | undefined;

  /** Wakes the waiter, or records one wake for the next `wait()`. Never blocks, never throws. */
  wake(): void {
    const wakeWaiter = this.#wakeWaiter;
    if (wakeWaiter === undefined) {
      this.#pending = true;
      return;
    }
    this.#wakeWaiter = undefined;
    wakeWaiter();
  }

  /**
   * Resolves at once when a wake is pending (consuming it), else at the next `wake()`. Rejects with
   * `signal.reason` when `signal` is (or becomes) aborted; an abort leaves a pending wake pending.
   */
  wait(options: { signal: AbortSignal }): Promise<void> {
    const { signal } = options;
    assert(this.#wakeWaiter === undefined, "WakeSignal.wait() called while another wait() is in progress (one lifecycle loop per signal)");
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#wakeWaiter = undefined;
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#wakeWaiter = () => {
        // A daemon waits once per chunk for years: the listener must not outlive its wait.
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
    });
  }
}
