/**
 * `findTransaction` (reference §8.7; D8): a transaction by its outer hash or, for a fee bump, its
 * inner hash. Each tier proposes candidate ledgers (newest first); candidates below the retention
 * floor are skipped (reader gate, §6); each remaining candidate's ledger is walked and the full
 * 32-byte hash compared, so an index fingerprint collision is never served (the `.idx` keeps at
 * most 48 bits of a hash, docs/formats.md). The first verified ledger wins: a transaction is
 * applied in exactly one ledger.
 *
 * Envelopes are paired with results under the configured network (`pairEnvelopes`,
 * lake-and-xdr §3.4); a pairing failure names the ledger and points at the passphrase.
 * @module
 */

import { assert } from "../assert.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { type RetentionFloor, isLedgerRetained } from "../geometry/retention.ts";
import { pairEnvelopes } from "../xdr/pair_envelopes.ts";
import { type LedgerView, sliceRange, walkLedger } from "../xdr/walk_ledger.ts";
import { readLedger } from "./read_ledger.ts";
import type { ReadTier } from "./read_tier.ts";

/** Bytes of a transaction hash. */
export const TX_HASH_BYTES = 32;

/** `TransactionEnvelope` arm of a fee bump (ENVELOPE_TYPE_TX_FEE_BUMP). */
const ENVELOPE_TYPE_TX_FEE_BUMP = 5;

/** A verified transaction. Byte arrays are views into the ledger read for it. */
export interface FoundTransaction {
  readonly ledgerSeq: LedgerSeq;
  readonly closeTimeSec: number;
  /** 1-based position in the ledger's apply order (stellar-rpc `applicationOrder`). */
  readonly applicationOrder: number;
  /** The outer hash (for a fee bump, the fee-bump transaction's). */
  readonly txHash: Uint8Array;
  /** The inner transaction's hash when the result carries one (fee bumps past outer validation). */
  readonly innerTxHash: Uint8Array | undefined;
  /** True when the envelope is a fee bump. */
  readonly feeBump: boolean;
  /** True when the hash asked for is the inner hash (D8), not the outer one. */
  readonly matchedInnerHash: boolean;
  /** The Go SDK's `Successful()`: txSUCCESS or txFEE_BUMP_INNER_SUCCESS. */
  readonly successful: boolean;
  readonly envelopeXdr: Uint8Array;
  readonly resultXdr: Uint8Array;
  readonly resultMetaXdr: Uint8Array;
}

/** Finds the transaction whose outer or inner hash is `txHash`; undefined when no retained ledger holds it. */
export function findTransaction(
  tiers: readonly ReadTier[],
  txHash: Uint8Array,
  options: { floor: RetentionFloor; networkId: Uint8Array },
): FoundTransaction | undefined {
  assert(txHash.length === TX_HASH_BYTES, `tx hash of ${txHash.length} bytes, want ${TX_HASH_BYTES}`);
  const triedLedgerSeqs = new Set<LedgerSeq>();
  for (const tier of tiers) {
    for (const ledgerSeq of tier.txCandidates(txHash)) {
      if (!isLedgerRetained(options.floor, ledgerSeq) || triedLedgerSeqs.has(ledgerSeq)) continue;
      triedLedgerSeqs.add(ledgerSeq);
      const lcmBytes = readLedger(tiers, ledgerSeq, options.floor);
      if (lcmBytes === undefined) continue;
      const found = transactionIn(walkLedger(lcmBytes), txHash, options.networkId);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The transaction of `view` whose outer or inner hash is `txHash`, or undefined (a false candidate). */
function transactionIn(view: LedgerView, txHash: Uint8Array, networkId: Uint8Array): FoundTransaction | undefined {
  const bytes = view.bytes;
  const txIndex = view.transactions.findIndex(
    (tx) => hashAt(bytes, tx.hashOffset, txHash) || (tx.innerHashOffset !== undefined && hashAt(bytes, tx.innerHashOffset, txHash)),
  );
  if (txIndex === -1) return undefined;
  const tx = view.transactions[txIndex]!;
  const envelope = pairEnvelopes(view, networkId)[txIndex]!;
  const envelopeXdr = sliceRange(bytes, envelope);
  return {
    ledgerSeq: view.ledgerSeq,
    closeTimeSec: view.closeTimeSec,
    applicationOrder: txIndex + 1,
    txHash: bytes.subarray(tx.hashOffset, tx.hashOffset + TX_HASH_BYTES),
    innerTxHash: tx.innerHashOffset === undefined ? undefined : bytes.subarray(tx.innerHashOffset, tx.innerHashOffset + TX_HASH_BYTES),
    feeBump: new DataView(envelopeXdr.buffer, envelopeXdr.byteOffset, 4).getUint32(0) === ENVELOPE_TYPE_TX_FEE_BUMP,
    matchedInnerHash: !hashAt(bytes, tx.hashOffset, txHash),
    successful: !tx.failed,
    envelopeXdr,
    resultXdr: sliceRange(bytes, tx.result),
    resultMetaXdr: sliceRange(bytes, tx.meta),
  };
}

/** True when the 32 bytes of `bytes` at `byteOffset` equal `txHash`. */
function hashAt(bytes: Uint8Array, byteOffset: number, txHash: Uint8Array): boolean {
  for (let index = 0; index < TX_HASH_BYTES; index++) {
    if (bytes[byteOffset + index] !== txHash[index]) return false;
  }
  return true;
}
