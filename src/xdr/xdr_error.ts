/**
 * The error every XDR reader in `src/xdr` throws for bytes it cannot trust (style R4, R9).
 * Ledger bytes come from a lake, a hot DB or a cold pack: they are input, never assumed valid.
 * The message names the ledger (when the header was readable), the byte offset of the fault
 * inside the buffer that was given to the reader, and what was wrong.
 * @module
 */

import { FullhistoryError } from "../errors.ts";

/** Malformed, truncated or unsupported XDR. `byteOffset` is relative to the buffer the caller passed. */
export class XdrError extends FullhistoryError {
  override name = "XdrError";
  /** The ledger whose bytes failed, or undefined when its header could not be read. */
  readonly ledgerSeq: number | undefined;
  readonly byteOffset: number;
  readonly detail: string;

  /** `what` names the object being decoded (`"LedgerCloseMeta"`, `"LedgerCloseMetaBatch"`). */
  constructor(
    what: string,
    fault: { ledgerSeq: number | undefined; byteOffset: number; detail: string },
    options?: { cause?: unknown },
  ) {
    const ledger = fault.ledgerSeq === undefined ? "" : ` of ledger ${fault.ledgerSeq}`;
    super(
      `Cannot decode ${what}${ledger}: ${fault.detail} at byte offset ${fault.byteOffset}; ` +
        `the source bytes are corrupt or use XDR newer than this build understands`,
      options,
    );
    this.ledgerSeq = fault.ledgerSeq;
    this.byteOffset = fault.byteOffset;
    this.detail = fault.detail;
  }
}
