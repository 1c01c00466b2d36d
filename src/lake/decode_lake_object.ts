/**
 * One lake object's bytes → its ledgers, checked against the range its key promises
 * (lake-and-xdr §1.1–1.2). The object is zstd(XDR LedgerCloseMetaBatch); frames without a content
 * size decode too (Bun's zstd streams them). Every check failure is a `LakeCorruptObjectError`
 * naming the object, with the decoder's error as `cause`.
 *
 * Keeps: the batch is exactly the key's range, except that a batch whose key starts below genesis
 * starts at genesis (ledgers 0 and 1 do not exist; Galexie's first object `FFFFFFFF--0-63` holds
 * 2..63); each ledger's own header seq is its position (checked by `splitLedgerBatch`).
 * @module
 */

import { FIRST_LEDGER_SEQ, type LedgerSeq } from "../geometry/chunk.ts";
import { splitLedgerBatch } from "../xdr/ledger_close_meta_batch.ts";
import { XdrError } from "../xdr/xdr_error.ts";
import type { LedgerRange } from "./ledger_source.ts";
import { LakeCorruptObjectError } from "./lake_errors.ts";

/** The ledgers of one object: `ledgers[i]` is ledger `firstSeq + i` (views into one buffer). */
export interface DecodedObject {
  readonly firstSeq: LedgerSeq;
  readonly ledgers: readonly Uint8Array[];
}

/** Decompresses and splits one object read from `location`, whose key names `keyRange`. */
export function decodeLakeObject(compressed: Uint8Array, options: { location: string; keyRange: LedgerRange }): DecodedObject {
  const { location, keyRange } = options;
  let batchBytes: Uint8Array;
  try {
    batchBytes = Bun.zstdDecompressSync(compressed);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new LakeCorruptObjectError(location, `zstd decompression failed (${detail})`, { cause: err });
  }
  let batch;
  try {
    batch = splitLedgerBatch(batchBytes);
  } catch (err) {
    if (!(err instanceof XdrError)) throw err;
    throw new LakeCorruptObjectError(location, `bad LedgerCloseMetaBatch XDR: ${err.detail} at byte ${err.byteOffset}`, {
      cause: err,
    });
  }
  const wantFirst = Math.max(keyRange.first, FIRST_LEDGER_SEQ);
  if (batch.startSeq !== wantFirst || batch.endSeq !== keyRange.last) {
    throw new LakeCorruptObjectError(
      location,
      `batch holds ledgers [${batch.startSeq}, ${batch.endSeq}] but its key names [${wantFirst}, ${keyRange.last}]`,
    );
  }
  return { firstSeq: batch.startSeq, ledgers: batch.ledgers };
}
