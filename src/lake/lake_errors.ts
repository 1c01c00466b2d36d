/**
 * The failures a ledger lake can report (lake-and-xdr §1; reference §4.4, §9.2). Every message names
 * the lake object (its full location) or the setting at fault, and what the operator can do.
 *
 *   LakeMissingObjectError   an object the range needs does not exist (a gap in the lake)
 *   LakeCorruptObjectError   an object exists but its bytes are not the batch its key promises
 *   LakeUnavailableError     the store kept failing transiently (network, 5xx, timeout) past the retries
 *   LakeNotReadyError        the lake answers but serves no ledger at or above genesis yet
 *   LakeConfigError          wrong network, schema mismatch, bad datastore params: fatal (D11)
 * @module
 */

import { FatalError, FullhistoryError } from "../errors.ts";

/** An object the requested ledgers need is absent from the lake. Not retried. */
export class LakeMissingObjectError extends FullhistoryError {
  override name = "LakeMissingObjectError";
  readonly location: string;

  constructor(location: string, detail: string) {
    super(
      `Cannot read lake object "${location}": it does not exist (${detail}); ` +
        `the lake has a gap: re-export that range with Galexie or point the datastore at a complete lake`,
    );
    this.location = location;
  }
}

/** An object whose bytes are not the batch its key names (bad zstd, bad XDR, wrong range). Not retried. */
export class LakeCorruptObjectError extends FullhistoryError {
  override name = "LakeCorruptObjectError";
  readonly location: string;
  readonly detail: string;

  constructor(location: string, detail: string, options?: { cause?: unknown }) {
    super(
      `Cannot read lake object "${location}": object is corrupt: ${detail}; ` +
        `re-export that object with Galexie (or restore it from another copy of the lake)`,
      options,
    );
    this.location = location;
    this.detail = detail;
  }
}

/** The store failed transiently on every attempt; the supervisor may retry the whole run later. */
export class LakeUnavailableError extends FullhistoryError {
  override name = "LakeUnavailableError";
}

/** The lake is reachable but its newest ledger is below genesis: nothing to serve yet (§4.4). */
export class LakeNotReadyError extends FullhistoryError {
  override name = "LakeNotReadyError";
}

/** The datastore settings contradict the lake or themselves; restarting cannot fix it (D11). */
export class LakeConfigError extends FatalError {
  override name = "LakeConfigError";
}

/**
 * A store operation failed in a way that may succeed if repeated (connection refused or reset,
 * 5xx, timeout). Stores throw it; the prefetcher retries it and wraps the last one in
 * `LakeUnavailableError`. It never reaches an operator unwrapped.
 */
export class TransientStoreError extends FullhistoryError {
  override name = "TransientStoreError";
}
