/**
 * `thrownError(run, errorClass)`: the error of `errorClass` that `run` throws, for tests that
 * assert on its fields (an XdrError's ledgerSeq, byteOffset, detail). Any other error is rethrown,
 * and returning normally fails the test.
 * @module
 */

/** Runs `run` and returns the `errorClass` instance it throws; rethrows anything else; throws if it returns. */
export function thrownError<E extends Error>(run: () => unknown, errorClass: abstract new (...args: never[]) => E): E {
  try {
    run();
  } catch (err) {
    if (err instanceof errorClass) return err;
    throw err;
  }
  throw new Error(`expected ${errorClass.name}, but the call returned`);
}
