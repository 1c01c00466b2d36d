/**
 * The lifecycle's safe points (README D11, reference §7.12): the lifecycle shares the main thread
 * with ingestion, whose synced batches must not wait behind a long run of synchronous catalog and
 * file steps. Awaiting this lets every pending event run first (timers, I/O, an abort).
 * @module
 */

/** Resolves after the event loop has turned once (`setImmediate`: after pending I/O callbacks). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
