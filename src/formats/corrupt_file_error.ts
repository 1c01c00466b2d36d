/**
 * The one error every cold-file reader throws for bytes it cannot trust (style R4, R9, R12). Bytes
 * read back from disk are input: a reader that finds a bad magic, CRC, size or count throws this
 * instead of returning garbage. The message names the file, where in it (byte offset, record or
 * item) and what was wrong, and tells the operator what to do.
 * @module
 */

import { FullhistoryError } from "../errors.ts";

/** A cold file whose bytes fail validation. `path` and `detail` are kept for tests and logs. */
export class CorruptFileError extends FullhistoryError {
  override name = "CorruptFileError";
  readonly path: string;
  readonly detail: string;

  /**
   * `detail` says where and what, e.g. `"record 12 at byte 40960: CRC32C 0x1a2b3c4d, want 0x..."`.
   * Keep `cause` when a lower layer (a decompressor, a read) reported the failure first.
   */
  constructor(path: string, detail: string, options?: { cause?: unknown }) {
    super(
      `Cannot read "${path}": file is corrupt: ${detail}; ` +
        `the file cannot be served; restore it from a replica or rebuild it from the ledger lake`,
      options,
    );
    this.path = path;
    this.detail = detail;
  }
}
