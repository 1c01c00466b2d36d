/**
 * Invariant checks for our own state (style R3). An `InvariantError` means a bug or a broken
 * on-disk promise: it is never caught below the supervisor. Expected failures (bad input, a corrupt
 * file, a locked root) are `FullhistoryError`s instead (src/errors.ts).
 * @module
 */

/** A broken invariant: the process must stop rather than run on a false belief. */
export class InvariantError extends Error {
  override name = "InvariantError";
}

/** Throws `InvariantError(message)` unless `ok`. One fact per call. */
export function assert(ok: boolean, message: string): asserts ok {
  if (!ok) throw new InvariantError(message);
}

/** Exhaustiveness guard for switches over string unions (style R14). */
export function unreachable(value: never): never {
  throw new InvariantError(`unreachable: unexpected value ${JSON.stringify(value)}`);
}
