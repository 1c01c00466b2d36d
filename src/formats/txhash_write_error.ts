/**
 * The failure of writing a tx-hash run `.bin` or index `.idx` (reference §8.6, txindex.md §3.4):
 * a system error from open, write, fsync or close. The writer has removed the partial file before
 * throwing, so the caller's catalog key stays `freezing` and the artifact is simply redone
 * (reference §5.2).
 * @module
 */

import { FullhistoryError, errnoCode } from "../errors.ts";

/** A tx-hash file could not be written; the partial file is gone. Keeps the system error as `cause`. */
export class TxhashWriteError extends FullhistoryError {
  override name = "TxhashWriteError";
  readonly path: string;

  constructor(path: string, cause: unknown) {
    const reason = errnoCode(cause) ?? (cause instanceof Error ? cause.message : String(cause));
    super(
      `Cannot write "${path}": ${reason}; check free space and permissions on its storage root, ` +
        `the partial file was removed and the write is redone on the next attempt`,
      { cause },
    );
    this.path = path;
  }
}
