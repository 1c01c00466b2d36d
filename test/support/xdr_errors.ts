/**
 * `xdrErrorOf(run)`: the XdrError a reader throws, for tests that assert on its fields
 * (ledgerSeq, byteOffset, detail). Any other error, or no error, fails the test.
 * @module
 */

import { XdrError } from "../../src/xdr/xdr_error.ts";

/** Runs `run` and returns the XdrError it throws; rethrows anything else; throws if it returns. */
export function xdrErrorOf(run: () => unknown): XdrError {
  try {
    run();
  } catch (err) {
    if (err instanceof XdrError) return err;
    throw err;
  }
  throw new Error("expected an XdrError, but the reader accepted the bytes");
}
