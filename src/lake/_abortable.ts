/**
 * Waiting that an AbortSignal can cut short (folder-private). Both reject with `signal.reason`,
 * so a cancelled caller sees its own reason (reference §9.1: a cancelled stream must end in an error).
 * @module
 */

/** Resolves after `delayMs`, or rejects with `signal.reason` as soon as `signal` aborts. */
export function sleepMs(delayMs: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Settles like `promise`, or rejects with `signal.reason` first if `signal` aborts. `promise` must
 * never reject (callers pass settled-result promises), so nothing is left unobserved.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    void promise.then((value) => {
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    });
  });
}
