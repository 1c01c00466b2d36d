/**
 * Bounded, ordered prefetch with retries: the BufferedStorageBackend's download discipline
 * (lake-and-xdr §1.6; `[backfill.bsb]`, D3) as one async generator.
 *
 * Keeps, at every instant (style R5):
 *   - fetches in flight ≤ `workerCount`;
 *   - started but not yet handed to the consumer (in flight + finished, waiting) ≤ `bufferSize`;
 *   - every item is yielded exactly once, in index order;
 *   - one item is attempted at most `maxRetries + 1` times, and only `TransientStoreError`s are
 *     retried (a missing or corrupt object fails at once);
 *   - when the consumer stops (break, error, abort) nothing new starts; fetches already in flight
 *     run out and their results are dropped (at most `workerCount` of them).
 * @module
 */

import { assert } from "../assert.ts";
import { sleepMs, untilAborted } from "./_abortable.ts";
import { LakeUnavailableError, TransientStoreError } from "./lake_errors.ts";

/** The `[backfill.bsb]` knobs, in plain units. */
export interface PrefetchOptions {
  /** Items started ahead of the consumer, in flight or waiting (bsb `buffer_size`). */
  readonly bufferSize: number;
  /** Concurrent fetches (bsb `num_workers`); clamped to `bufferSize` as the SDK does. */
  readonly workerCount: number;
  /** Extra attempts after a transient failure (bsb `max_retries`); 0 = try once. */
  readonly maxRetries: number;
  /** Pause between attempts (bsb `retry_wait`). */
  readonly retryWaitMs: number;
  readonly signal?: AbortSignal | undefined;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Checks the knobs; exported so a source can fail at construction rather than on first use. */
export function assertPrefetchOptions(options: PrefetchOptions): void {
  assert(Number.isInteger(options.bufferSize), `buffer size ${options.bufferSize} is not an integer`);
  assert(options.bufferSize >= 1, `buffer size ${options.bufferSize} must be >= 1`);
  assert(Number.isInteger(options.workerCount), `worker count ${options.workerCount} is not an integer`);
  assert(options.workerCount >= 1, `worker count ${options.workerCount} must be >= 1`);
  assert(Number.isInteger(options.maxRetries), `max retries ${options.maxRetries} is not an integer`);
  assert(options.maxRetries >= 0, `max retries ${options.maxRetries} must be >= 0`);
  assert(options.retryWaitMs >= 0, `retry wait ${options.retryWaitMs} ms must be >= 0`);
}

/** Yields `fetchAt(0) … fetchAt(itemCount − 1)` in order, fetching ahead within the bounds above. */
export async function* prefetchOrdered<T>(
  itemCount: number,
  fetchAt: (index: number) => Promise<T>,
  options: PrefetchOptions,
): AsyncGenerator<T, void, undefined> {
  assertPrefetchOptions(options);
  assert(Number.isSafeInteger(itemCount) && itemCount >= 0, `item count ${itemCount} is not a count`);
  const workerCount = Math.min(options.workerCount, options.bufferSize);
  const stop = new AbortController();
  const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
  const fetchOptions = { ...options, signal };
  // Per item: one async call, and no waiter when its result is already in (the usual case on a
  // local lake with 1-ledger objects: 10,000 objects a chunk, so the per-item cost is counted).
  const slots = new Map<number, Promise<Settled<T>>>();
  const settledSlots = new Map<number, Settled<T>>();
  let nextToStart = 0;
  let nextToYield = 0;
  let inFlight = 0;

  const run = async (index: number): Promise<Settled<T>> => {
    let result: Settled<T>;
    try {
      result = { ok: true, value: await fetchWithRetries(index, fetchAt, fetchOptions) };
    } catch (error) {
      result = { ok: false, error };
    }
    inFlight--;
    settledSlots.set(index, result);
    fill();
    return result;
  };

  const fill = (): void => {
    while (!signal.aborted && nextToStart < itemCount && inFlight < workerCount && nextToStart - nextToYield < options.bufferSize) {
      const index = nextToStart++;
      inFlight++;
      slots.set(index, run(index));
    }
    assert(inFlight <= workerCount, `${inFlight} fetches in flight, limit ${workerCount}`);
    assert(nextToStart - nextToYield <= options.bufferSize, `${nextToStart - nextToYield} items ahead, limit ${options.bufferSize}`);
  };

  try {
    while (nextToYield < itemCount) {
      fill();
      const slot = slots.get(nextToYield);
      assert(slot !== undefined, `item ${nextToYield} was never started`);
      signal.throwIfAborted();
      const result = settledSlots.get(nextToYield) ?? (await untilAborted(slot, signal));
      slots.delete(nextToYield);
      settledSlots.delete(nextToYield);
      nextToYield++;
      if (!result.ok) throw result.error;
      yield result.value;
    }
  } finally {
    stop.abort();
  }
}

async function fetchWithRetries<T>(
  index: number,
  fetchAt: (index: number) => Promise<T>,
  options: PrefetchOptions & { signal: AbortSignal },
): Promise<T> {
  const attemptsMax = options.maxRetries + 1;
  let lastTransient: TransientStoreError | undefined;
  for (let attempt = 1; attempt <= attemptsMax; attempt++) {
    if (attempt > 1) await sleepMs(options.retryWaitMs, options.signal);
    try {
      return await fetchAt(index);
    } catch (err) {
      if (!(err instanceof TransientStoreError)) throw err; // missing, corrupt, misconfigured: final
      lastTransient = err;
    }
  }
  assert(lastTransient !== undefined, "a failed fetch left its error");
  throw new LakeUnavailableError(
    `Cannot read the ledger lake: ${lastTransient.message} on all ${attemptsMax} attempts; check that the ` +
      `store is reachable, or raise [backfill.bsb] max_retries / retry_wait`,
    { cause: lastTransient },
  );
}
