/**
 * `withRetries`: one backfill task, attempted up to maxRetries + 1 times (reference §7.2). The
 * signal is checked before every attempt; the wait before retry n (n ≥ 1) is base · 2^(n−1),
 * capped at 30 s, and is cut short by the signal. Only expected, non-fatal failures
 * (`FullhistoryError` that is not a `FatalError`) are retried: a fatal class cannot be fixed by
 * repeating (D11), and anything else is a bug that must surface, not be masked by a lucky retry.
 * @module
 */

import { assert } from "../assert.ts";
import { FatalError, FullhistoryError } from "../errors.ts";

/** The reference's default wait before the first retry (§7.2 `RetryBackoff`). */
export const RETRY_BACKOFF_BASE_MS_DEFAULT = 1000;
/** The longest wait between two attempts (§7.2). */
export const RETRY_BACKOFF_MS_MAX = 30_000;

/** Options of `withRetries`. */
export interface RetryOptions {
  /** Further attempts after the first fails; 0 runs the task once. */
  maxRetries: number;
  /** Wait before the first retry; doubles per retry up to `RETRY_BACKOFF_MS_MAX`. */
  backoffBaseMs: number;
  /** Aborting stops the retries: no new attempt starts and a pending wait ends at once. */
  signal: AbortSignal;
  /** Told before each wait: the attempt that failed (1-based), its error and the wait. */
  onRetry?: (retry: { attempt: number; error: FullhistoryError; delayMs: number }) => void;
}

/** The wait before retry `retry` (1-based): base · 2^(retry−1), at most 30 s (reference §7.2). */
export function retryBackoffMs(retry: number, backoffBaseMs: number): number {
  assert(Number.isInteger(retry), `retry ${retry} is not an integer`);
  assert(retry >= 1, `retry ${retry} must be at least 1`);
  assert(backoffBaseMs >= 0, `backoff base ${backoffBaseMs} ms is negative`);
  // Any retry past 30 waits the cap (reference §7.2); clamping keeps 2 ** n small for huge n.
  const doublings = Math.min(retry - 1, 30);
  return Math.min(backoffBaseMs * 2 ** doublings, RETRY_BACKOFF_MS_MAX);
}

/** True for failures worth repeating: expected and not fatal. */
export function isRetryable(error: unknown): error is FullhistoryError {
  return error instanceof FullhistoryError && !(error instanceof FatalError);
}

/** Runs `task` until it succeeds, fails with a non-retryable error, exhausts the retries or is aborted. */
export async function withRetries<T>(task: (signal: AbortSignal) => Promise<T>, options: RetryOptions): Promise<T> {
  assert(Number.isInteger(options.maxRetries), `max retries ${options.maxRetries} is not an integer`);
  assert(options.maxRetries >= 0, `max retries ${options.maxRetries} is negative`);
  const { signal } = options;
  for (let attempt = 1; ; attempt++) {
    assert(attempt <= options.maxRetries + 1, `attempt ${attempt} exceeds ${options.maxRetries + 1}`);
    signal.throwIfAborted();
    try {
      return await task(signal);
    } catch (error) {
      if (signal.aborted) throw error; // the attempt was cancelled, not failed: never retried
      if (!isRetryable(error) || attempt > options.maxRetries) throw error;
      const delayMs = retryBackoffMs(attempt, options.backoffBaseMs);
      options.onRetry?.({ attempt, error, delayMs });
      await abortableDelay(delayMs, signal);
    }
  }
}

/** Resolves after `delayMs`, or rejects with `signal.reason` as soon as the signal aborts. */
export function abortableDelay(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, delayMs);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
