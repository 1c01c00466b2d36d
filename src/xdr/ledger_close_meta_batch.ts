/**
 * `splitLedgerBatch(bytes)`: one decompressed lake object → its ledgers (lake-and-xdr §1.1).
 * A Galexie/SDK datastore object is the XDR of
 * `LedgerCloseMetaBatch { u32 startSequence; u32 endSequence; LedgerCloseMeta ledgerCloseMetas<> }`,
 * so the first LCM starts at byte 12 and ledger `seq` is element `seq − startSequence`.
 *
 * Keeps (bytes read from a lake are input, style R4): `endSequence ≥ startSequence`; the count
 * equals `end − start + 1`; element i's own header says `start + i`; every element is a complete,
 * valid `LedgerCloseMeta`; nothing follows the last one. The returned ledgers are subarrays
 * aliasing `bytes` (no copy).
 *
 * Each element is validated by WALKING it (`walkLeadingLedger`, which also finds where it ends),
 * not by skipping it: the walk is what the consumer needs next, and `walkLedger` of a ledger
 * returned here takes that view instead of walking again. So a lake ledger is walked once, and
 * a consumer that never walks (a pack-only build) still only ever sees validated bytes.
 * @module
 */

import type { LedgerSeq } from "../geometry/chunk.ts";
import { readLedgerHeader } from "./_ledger_header.ts";
import { arrayCount, rethrowAsXdrError, truncated, u32, XdrFault } from "./_xdr_read.ts";
import { walkLeadingLedger } from "./walk_ledger.ts";
import { XdrError } from "./xdr_error.ts";

/** The ledgers of one `LedgerCloseMetaBatch`, in sequence order. */
export interface LedgerBatch {
  startSeq: LedgerSeq;
  endSeq: LedgerSeq;
  /** `ledgers[i]` is the `LedgerCloseMeta` of ledger `startSeq + i`, a view into the input. */
  ledgers: Uint8Array[];
}

const BATCH_HEADER_BYTES = 12;
const LEDGERS_LIMITS = {
  countMax: 0x7fff_ffff, // js-xdr's VarArray default maximum
  elementBytesMin: 4, // the LCM version word; each element is then skipped, which proves its size
  where: "LedgerCloseMetaBatch",
};

/** Splits a decompressed `LedgerCloseMetaBatch`; throws XdrError naming the ledger that failed. */
export function splitLedgerBatch(bytes: Uint8Array): LedgerBatch {
  let ledgerSeq: number | undefined;
  try {
    if (bytes.length < BATCH_HEADER_BYTES) throw truncated(bytes, 0, BATCH_HEADER_BYTES, "LedgerCloseMetaBatch");
    const startSeq = u32(bytes, 0);
    const endSeq = u32(bytes, 4);
    if (endSeq < startSeq) {
      throw new XdrFault(4, `LedgerCloseMetaBatch endSequence ${endSeq} is before startSequence ${startSeq}`);
    }
    const ledgerCount = arrayCount(bytes, 8, LEDGERS_LIMITS);
    if (ledgerCount !== endSeq - startSeq + 1) {
      throw new XdrFault(
        8,
        `LedgerCloseMetaBatch [${startSeq}, ${endSeq}] holds ${ledgerCount} ledgers, want ${endSeq - startSeq + 1}`,
      );
    }
    const ledgers: Uint8Array[] = [];
    let byteOffset = BATCH_HEADER_BYTES;
    for (let index = 0; index < ledgerCount; index++) {
      ledgerSeq = startSeq + index;
      const headerSeq = readLedgerHeader(bytes, byteOffset).ledgerSeq;
      if (headerSeq !== ledgerSeq) {
        throw new XdrFault(byteOffset, `element ${index} is ledger ${headerSeq}, want ${ledgerSeq}`);
      }
      const ledger = walkElement(bytes, byteOffset);
      ledgers.push(ledger);
      byteOffset += ledger.length;
    }
    ledgerSeq = undefined;
    if (byteOffset !== bytes.length) {
      throw new XdrFault(byteOffset, `${bytes.length - byteOffset} bytes follow the last ledger`);
    }
    return { startSeq: startSeq as LedgerSeq, endSeq: endSeq as LedgerSeq, ledgers };
  } catch (err) {
    return rethrowAsXdrError(err, { what: "LedgerCloseMetaBatch", ledgerSeq });
  }
}

/** Walks the element at `byteOffset`; a fault's offset is rebased onto the batch. */
function walkElement(bytes: Uint8Array, byteOffset: number): Uint8Array {
  try {
    return walkLeadingLedger(bytes.subarray(byteOffset)).bytes;
  } catch (err) {
    if (!(err instanceof XdrError)) throw err;
    throw new XdrFault(byteOffset + err.byteOffset, err.detail);
  }
}
