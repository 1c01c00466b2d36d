/**
 * `pairEnvelopes(view, networkId)`: finds each transaction's `TransactionEnvelope` in the tx set.
 * Tx-set order is not apply order (phases, components, parallel stages and clusters), so envelopes
 * are matched to results by hash, as Go's `LedgerTransactionReader` does (lake-and-xdr §3.4).
 * A separate step from `walkLedger` because it costs one SHA-256 per transaction and only
 * getTransaction needs envelopes; backfill does not (result hashes are in the meta).
 *
 * Zero-copy hashing (lake-and-xdr §4): an envelope is `u32 type ‖ body`, and the signed payload
 * is `networkId ‖ u32 type ‖ tx` where `tx` is the body up to its `signatures<20>`, hashed
 * straight from the ledger buffer:
 *   - ENVELOPE_TYPE_TX (2): `Transaction` bytes, prefix 00000002.
 *   - ENVELOPE_TYPE_TX_FEE_BUMP (5): `FeeBumpTransaction` bytes, prefix 00000005 (the outer hash);
 *     the inner hash is the inner `Transaction` with prefix 00000002, checked against the
 *     result's inner pair when it has one.
 *   - ENVELOPE_TYPE_TX_V0 (0): hashed as ENVELOPE_TYPE_TX: prefix 00000002 then 00000000 (the
 *     ed25519 MuxedAccount arm) then the `TransactionV0` bytes; V0's timeBounds option flag (0/1)
 *     is byte-identical to PRECOND_NONE/PRECOND_TIME.
 *
 * Keeps: every result has exactly one envelope and every envelope exactly one result; otherwise
 * an `EnvelopePairingError` naming the ledger (usually the wrong network passphrase).
 * @module
 */

import { FullhistoryError } from "../errors.ts";
import {
  skipFeeBumpTransaction,
  skipMuxedAccount,
  skipTransaction,
  skipTransactionEnvelope,
  skipTransactionV0,
} from "./_skip_generated.ts";
import type { ArrayLimits } from "./_xdr_read.ts";
import { arrayCount, i32, rethrowAsXdrError, truncated, u32, XdrFault } from "./_xdr_read.ts";
import type { ByteRange, LedgerView } from "./walk_ledger.ts";

/** Envelopes and results of one ledger do not pair up under the given network id. */
export class EnvelopePairingError extends FullhistoryError {
  override name = "EnvelopePairingError";
  readonly ledgerSeq: number;

  constructor(ledgerSeq: number, detail: string) {
    super(
      `Cannot pair transaction envelopes with results in ledger ${ledgerSeq}: ${detail}; ` +
        `check the configured network passphrase, else the ledger's source is corrupt`,
    );
    this.ledgerSeq = ledgerSeq;
  }
}

const HASH_BYTES = 32;
const ENVELOPE_TYPE_TX_V0 = 0;
const ENVELOPE_TYPE_TX = 2;
const ENVELOPE_TYPE_TX_FEE_BUMP = 5;
const GENERALIZED_TX_SET_V1 = 1;
const PHASE_COMPONENTS = 0;
const PHASE_PARALLEL = 1;
const COMPONENT_TXS_MAYBE_DISCOUNTED_FEE = 0;

const TYPE_TX_PREFIX = new Uint8Array([0, 0, 0, ENVELOPE_TYPE_TX]);
const TYPE_TX_V0_PREFIX = new Uint8Array([0, 0, 0, ENVELOPE_TYPE_TX, 0, 0, 0, 0]);
const TYPE_FEE_BUMP_PREFIX = new Uint8Array([0, 0, 0, ENVELOPE_TYPE_TX_FEE_BUMP]);

// Every element is at least 4 bytes; walking each element then proves its size.
function limits(where: string): ArrayLimits {
  return { countMax: 0x7fff_ffff, elementBytesMin: 4, where };
}

const ENVELOPES = limits("TransactionEnvelope array");
const PHASES = limits("TransactionSetV1 phases");
const COMPONENTS = limits("TransactionPhase components");
const STAGES = limits("ParallelTxsComponent executionStages");
const CLUSTERS = limits("ParallelTxExecutionStage clusters");

/** An envelope found in the tx set, with the hashes it signs. */
interface FoundEnvelope {
  range: ByteRange;
  hash: Uint8Array;
  innerHash: Uint8Array | undefined;
}

/**
 * The `TransactionEnvelope` of each of `view.transactions` (same index), found by hash under
 * `networkId` (`networkIdOf(passphrase)`). Throws EnvelopePairingError when they do not pair up.
 */
export function pairEnvelopes(view: LedgerView, networkId: Uint8Array): ByteRange[] {
  let found: FoundEnvelope[];
  try {
    found = collectEnvelopes(view, networkId);
  } catch (err) {
    return rethrowAsXdrError(err, { what: "TransactionSet", ledgerSeq: view.ledgerSeq });
  }
  const bytes = view.bytes;
  const txIndexByHash = new Map<string, number>();
  view.transactions.forEach((tx, txIndex) => {
    txIndexByHash.set(hexAt(bytes, tx.hashOffset), txIndex);
  });
  if (txIndexByHash.size !== view.transactions.length) {
    throw new EnvelopePairingError(view.ledgerSeq, "two transaction results carry the same hash");
  }
  const envelopes: (ByteRange | undefined)[] = new Array(view.transactions.length).fill(undefined);
  for (const envelope of found) {
    const hashHex = hexOf(envelope.hash);
    const txIndex = txIndexByHash.get(hashHex);
    if (txIndex === undefined) {
      throw new EnvelopePairingError(
        view.ledgerSeq,
        `the envelope at byte offset ${envelope.range.byteOffset} hashes to ${hashHex}, which no result carries`,
      );
    }
    if (envelopes[txIndex] !== undefined) {
      throw new EnvelopePairingError(view.ledgerSeq, `two envelopes hash to ${hashHex}`);
    }
    checkInnerHash(view, { txIndex, envelope });
    envelopes[txIndex] = envelope.range;
  }
  return envelopes.map((range, txIndex) => {
    if (range !== undefined) return range;
    const hashHex = hexAt(bytes, view.transactions[txIndex]!.hashOffset);
    throw new EnvelopePairingError(view.ledgerSeq, `transaction ${hashHex} has no envelope in the tx set`);
  });
}

/** A fee bump whose result carries an inner pair must sign that inner hash (lake-and-xdr §3.3). */
function checkInnerHash(view: LedgerView, pair: { txIndex: number; envelope: FoundEnvelope }): void {
  const innerHashOffset = view.transactions[pair.txIndex]!.innerHashOffset;
  if (innerHashOffset === undefined) return;
  const want = hexAt(view.bytes, innerHashOffset);
  if (pair.envelope.innerHash === undefined) {
    throw new EnvelopePairingError(view.ledgerSeq, `result with inner hash ${want} pairs with a non-fee-bump envelope`);
  }
  const got = hexOf(pair.envelope.innerHash);
  if (got !== want) {
    throw new EnvelopePairingError(view.ledgerSeq, `fee bump's inner transaction hashes to ${got}, its result says ${want}`);
  }
}

/** Every envelope of the tx set, in tx-set order, with its hashes. Throws XdrFault. */
function collectEnvelopes(view: LedgerView, networkId: Uint8Array): FoundEnvelope[] {
  const bytes = view.bytes;
  const found: FoundEnvelope[] = [];
  const collect = (byteOffset: number): number => collectEnvelopeArray(bytes, byteOffset, { networkId, found });
  const start = view.txSet.byteOffset;
  if (view.lcmVersion === 0) {
    collect(start + HASH_BYTES); // TransactionSet { Hash previousLedgerHash; TransactionEnvelope txs<> }
    return found;
  }
  // GeneralizedTransactionSet v1 { Hash previousLedgerHash; TransactionPhase phases<> }
  if (start + 4 > bytes.length) throw truncated(bytes, start, 4, "GeneralizedTransactionSet");
  if (i32(bytes, start) !== GENERALIZED_TX_SET_V1) {
    throw new XdrFault(start, `GeneralizedTransactionSet has unknown version ${i32(bytes, start)}`);
  }
  let offset = start + 4 + HASH_BYTES;
  const phaseCount = arrayCount(bytes, offset, PHASES);
  offset += 4;
  for (let phase = 0; phase < phaseCount; phase++) {
    if (offset + 4 > bytes.length) throw truncated(bytes, offset, 4, "TransactionPhase");
    const phaseVersion = i32(bytes, offset);
    offset += 4;
    switch (phaseVersion) {
      case PHASE_COMPONENTS:
        offset = collectComponents(bytes, offset, collect);
        break;
      case PHASE_PARALLEL:
        offset = collectParallel(bytes, offset, collect);
        break;
      default:
        throw new XdrFault(offset - 4, `TransactionPhase has unknown version ${phaseVersion}`);
    }
  }
  return found;
}

/** `TxSetComponent v0Components<>`: each `{ int64* baseFee; TransactionEnvelope txs<> }`. */
function collectComponents(bytes: Uint8Array, byteOffset: number, collect: (byteOffset: number) => number): number {
  const componentCount = arrayCount(bytes, byteOffset, COMPONENTS);
  let offset = byteOffset + 4;
  for (let component = 0; component < componentCount; component++) {
    if (offset + 4 > bytes.length) throw truncated(bytes, offset, 4, "TxSetComponent");
    if (i32(bytes, offset) !== COMPONENT_TXS_MAYBE_DISCOUNTED_FEE) {
      throw new XdrFault(offset, `TxSetComponent has unknown type ${i32(bytes, offset)}`);
    }
    offset = collect(skipOptionalInt64(bytes, offset + 4));
  }
  return offset;
}

/** `ParallelTxsComponent { int64* baseFee; stages<clusters<TransactionEnvelope<>>> }`. */
function collectParallel(bytes: Uint8Array, byteOffset: number, collect: (byteOffset: number) => number): number {
  let offset = skipOptionalInt64(bytes, byteOffset);
  const stageCount = arrayCount(bytes, offset, STAGES);
  offset += 4;
  for (let stage = 0; stage < stageCount; stage++) {
    const clusterCount = arrayCount(bytes, offset, CLUSTERS);
    offset += 4;
    for (let cluster = 0; cluster < clusterCount; cluster++) offset = collect(offset);
  }
  return offset;
}

function skipOptionalInt64(bytes: Uint8Array, byteOffset: number): number {
  if (byteOffset + 4 > bytes.length) throw truncated(bytes, byteOffset, 4, "optional int64");
  const flag = u32(bytes, byteOffset);
  if (flag > 1) throw new XdrFault(byteOffset, `optional int64 has invalid flag ${flag}`);
  const end = byteOffset + 4 + flag * 8;
  if (end > bytes.length) throw truncated(bytes, byteOffset, end - byteOffset, "optional int64");
  return end;
}

/** `TransactionEnvelope envelopes<>`: hashes each one into `into.found`; returns the offset after the array. */
function collectEnvelopeArray(
  bytes: Uint8Array,
  byteOffset: number,
  into: { networkId: Uint8Array; found: FoundEnvelope[] },
): number {
  const envelopeCount = arrayCount(bytes, byteOffset, ENVELOPES);
  let offset = byteOffset + 4;
  for (let index = 0; index < envelopeCount; index++) {
    const end = skipTransactionEnvelope(bytes, offset); // validates the envelope before we look inside
    into.found.push(hashEnvelope(bytes.subarray(offset, end), { byteOffset: offset, networkId: into.networkId }));
    offset = end;
  }
  return offset;
}

/** Hashes one validated envelope (its own bytes) as lake-and-xdr §4 says. */
function hashEnvelope(envelope: Uint8Array, at: { byteOffset: number; networkId: Uint8Array }): FoundEnvelope {
  const range = { byteOffset: at.byteOffset, byteLength: envelope.length };
  const type = u32(envelope, 0);
  switch (type) {
    case ENVELOPE_TYPE_TX: {
      const tx = envelope.subarray(4, skipTransaction(envelope, 4));
      return { range, hash: sha256(at.networkId, TYPE_TX_PREFIX, tx), innerHash: undefined };
    }
    case ENVELOPE_TYPE_TX_V0: {
      const tx = envelope.subarray(4, skipTransactionV0(envelope, 4));
      return { range, hash: sha256(at.networkId, TYPE_TX_V0_PREFIX, tx), innerHash: undefined };
    }
    case ENVELOPE_TYPE_TX_FEE_BUMP: {
      const feeBumpTx = envelope.subarray(4, skipFeeBumpTransaction(envelope, 4));
      // FeeBumpTransaction { MuxedAccount feeSource; int64 fee; union (type 2) { TransactionV1Envelope v1 } innerTx; ext }
      const innerTxOffset = skipMuxedAccount(envelope, 4) + 8 + 4;
      const innerTx = envelope.subarray(innerTxOffset, skipTransaction(envelope, innerTxOffset));
      return {
        range,
        hash: sha256(at.networkId, TYPE_FEE_BUMP_PREFIX, feeBumpTx),
        innerHash: sha256(at.networkId, TYPE_TX_PREFIX, innerTx),
      };
    }
    default:
      throw new XdrFault(at.byteOffset, `TransactionEnvelope has unknown type ${type}`);
  }
}

function sha256(networkId: Uint8Array, prefix: Uint8Array, tx: Uint8Array): Uint8Array {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(networkId);
  hasher.update(prefix);
  hasher.update(tx);
  return new Uint8Array(hasher.digest());
}

function hexAt(bytes: Uint8Array, byteOffset: number): string {
  return hexOf(bytes.subarray(byteOffset, byteOffset + HASH_BYTES));
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
