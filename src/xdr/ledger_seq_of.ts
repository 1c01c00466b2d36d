/**
 * `ledgerSeqOf(lcm)`: the ledger sequence of one `LedgerCloseMeta`, reading only its header
 * (lake-and-xdr §3.1). For callers that must check a ledger's identity before anything else
 * (reference §9.3: every streamed LCM's own seq is validated against the expected seq).
 * It does not validate the rest of the ledger: `walkLedger` does.
 * @module
 */

import type { LedgerSeq } from "../geometry/chunk.ts";
import { readLedgerHeader } from "./_ledger_header.ts";
import { rethrowAsXdrError } from "./_xdr_read.ts";

/** The `ledgerSeq` in the header of `lcmBytes`; throws XdrError when the header is malformed. */
export function ledgerSeqOf(lcmBytes: Uint8Array): LedgerSeq {
  try {
    return readLedgerHeader(lcmBytes, 0).ledgerSeq as LedgerSeq;
  } catch (err) {
    return rethrowAsXdrError(err, { what: "LedgerCloseMeta", ledgerSeq: undefined });
  }
}
