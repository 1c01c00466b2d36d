/**
 * `walkLedger(lcmBytes)`: the zero-copy walk of one `LedgerCloseMeta` (V0, V1, V2; TxMeta V0–V4)
 * that backfill and live ingestion run on every ledger (lake-and-xdr §3, §5; reference §9.3).
 *
 * Reads by hand only what the daemon needs: the header (seq, close time, protocol), per
 * transaction in APPLY order (`txProcessing`) its hash, fee-bump inner hash, result code and the
 * byte ranges of its result and meta, and the contract events in emission order. Everything else
 * is checked and skipped by the generated skippers, so a walk that returns has validated the
 * whole ledger (every union arm, enum, length and padding, as js-xdr would) and consumed it exactly.
 *
 * Results are offsets into `lcmBytes`, never copies: a caller that keeps bytes past the buffer's
 * life copies them. Envelopes are not read here: pairing them costs a SHA-256 per transaction and
 * only `get-tx` needs it (`pairEnvelopes`).
 *
 * Event emission order (reference §9.3, lake-and-xdr §3.5), the getEvents cursor order:
 *   1. every tx's BeforeAllTxs stage events: txIdx 0, opIdx 0, eventIdx counted ledger-wide;
 *   2. per tx in apply order (applyIdx = 1-based position): its operation events (txIdx applyIdx,
 *      opIdx = operation index, eventIdx = index within the operation; TxMeta V3: the Soroban
 *      events as operation 0), then its AfterTx stage events (txIdx applyIdx, opIdx 4095,
 *      eventIdx counted per tx);
 *   3. every tx's AfterAllTxs stage events: txIdx 1048575, opIdx 0, eventIdx counted ledger-wide.
 * Diagnostic events are never returned. Failed transactions keep their events (no filtering).
 * @module
 */

import type { LedgerSeq } from "../geometry/chunk.ts";
import { readLedgerHeader } from "./_ledger_header.ts";
import {
  isContractEventType,
  skipDiagnosticEvent,
  skipExtensionPoint,
  skipGeneralizedTransactionSet,
  skipLedgerEntry,
  skipLedgerEntryChanges,
  skipLedgerHeaderHistoryEntry,
  skipLedgerKey,
  skipOperationMeta,
  skipScpHistoryEntry,
  skipScVal,
  skipSorobanTransactionMetaExt,
  skipSorobanTransactionMetaV2,
  skipTransactionMeta,
  skipTransactionResult,
  skipTransactionSet,
  skipUpgradeEntryMeta,
} from "./_skip_generated.ts";
import type { ArrayLimits } from "./_xdr_read.ts";
import { arrayCount, i32, rethrowAsXdrError, truncated, u32, XdrFault } from "./_xdr_read.ts";
import { XdrError } from "./xdr_error.ts";

/** A span of the ledger buffer. */
export interface ByteRange {
  byteOffset: number;
  byteLength: number;
}

/** One transaction, in apply order. */
export interface TxView {
  /** Offset of the 32-byte `TransactionResultPair.transactionHash`: the outer hash. */
  hashOffset: number;
  /** Offset of the 32-byte `InnerTransactionResultPair.transactionHash` when the result code is txFEE_BUMP_INNER_SUCCESS/FAILED. */
  innerHashOffset: number | undefined;
  /** `TransactionResult.result.code` (TransactionResultCode: 0 txSUCCESS, 1 txFEE_BUMP_INNER_SUCCESS, negative = failed). */
  resultCode: number;
  /** True unless the code is txSUCCESS or txFEE_BUMP_INNER_SUCCESS (the Go SDK's `Successful()`). */
  failed: boolean;
  /** The `TransactionResult` XDR (what getTransaction returns as resultXdr). */
  result: ByteRange;
  /** The `TransactionMeta` XDR (resultMetaXdr). */
  meta: ByteRange;
  /** The `TransactionMeta` union arm, 0–4. */
  txMetaVersion: number;
}

/** The stage an event was emitted in; "operation" is an operation's own event (or TxMeta V3's Soroban events). */
export type EventStage = "beforeAllTxs" | "operation" | "afterTx" | "afterAllTxs";

/** One contract event (`ContractEvent` XDR), positioned by the emission rule above. */
export interface ContractEventView {
  stage: EventStage;
  /** Index into `LedgerView.transactions` of the tx whose meta holds the event (its outer hash is the payload's txHash). */
  txIndex: number;
  /** Cursor tx field: 0, the 1-based apply index, or TX_IDX_AFTER_ALL_TXS. */
  txIdx: number;
  /** Cursor operation field: the operation index, 0, or OP_IDX_AFTER_TX. */
  opIdx: number;
  /** Index within the event's (txIdx, opIdx) group. */
  eventIdx: number;
  /** The raw `ContractEvent` XDR. */
  byteOffset: number;
  byteLength: number;
  /** Offset of the 32-byte contract id, or undefined when the event has none. */
  contractIdOffset: number | undefined;
  /** How many topics the event body holds (all of them, not only the ones in `topics`). */
  topicCount: number;
  /** Raw `SCVal` XDR of topics 0..3 (reference §8.5 indexes only these). */
  topics: ByteRange[];
}

/** What `walkLedger` returns: header fields, transactions in apply order, events in emission order. */
export interface LedgerView {
  /** The buffer every offset refers to. */
  bytes: Uint8Array;
  lcmVersion: number;
  ledgerSeq: LedgerSeq;
  closeTimeSec: number;
  protocolVersion: number;
  /** `TransactionSet` (LCM V0) or `GeneralizedTransactionSet` (V1, V2): input of `pairEnvelopes`. */
  txSet: ByteRange;
  transactions: TxView[];
  events: ContractEventView[];
}

/** SDK toid TransactionMask, 2^20 − 1: the txIdx of AfterAllTxs events (reference §9.3). */
export const TX_IDX_AFTER_ALL_TXS = 1_048_575;
/** SDK toid OperationMask, 2^12 − 1: the opIdx of AfterTx events (reference §9.3). */
export const OP_IDX_AFTER_TX = 4095;
/** Topics indexed per event (reference §8.5 `MaxTopicCount`). */
export const INDEXED_TOPICS_MAX = 4;

const HASH_BYTES = 32;
const TX_SUCCESS = 0;
const TX_FEE_BUMP_INNER_SUCCESS = 1;
const TX_FEE_BUMP_INNER_FAILED = -13;
const STAGE_BEFORE_ALL_TXS = 0;
const STAGE_AFTER_TX = 1;
const STAGE_AFTER_ALL_TXS = 2;

// Every element these arrays hold is at least 4 bytes; the element walk then proves its size.
const TX_PROCESSING: ArrayLimits = { countMax: 0x7fff_ffff, elementBytesMin: 4, where: "txProcessing" };
const OPERATIONS: ArrayLimits = { countMax: 0x7fff_ffff, elementBytesMin: 4, where: "TransactionMeta operations" };
const EVENTS: ArrayLimits = { countMax: 0x7fff_ffff, elementBytesMin: 4, where: "ContractEvent array" };
const TOPICS: ArrayLimits = { countMax: 0x7fff_ffff, elementBytesMin: 4, where: "ContractEvent topics" };

/** A variable-length array whose elements have a generated skipper. */
interface SkippedArray {
  skipElement: (bytes: Uint8Array, byteOffset: number) => number;
  limits: ArrayLimits;
}

function skippedArray(skipElement: SkippedArray["skipElement"], where: string): SkippedArray {
  return { skipElement, limits: { countMax: 0x7fff_ffff, elementBytesMin: 4, where } };
}

const V3_OPERATIONS = skippedArray(skipOperationMeta, "TransactionMetaV3 operations");
const DIAGNOSTIC_EVENTS = skippedArray(skipDiagnosticEvent, "diagnosticEvents");
const UPGRADES_PROCESSING = skippedArray(skipUpgradeEntryMeta, "upgradesProcessing");
const SCP_INFO = skippedArray(skipScpHistoryEntry, "scpInfo");
const EVICTED_KEYS = skippedArray(skipLedgerKey, "evictedKeys");
const UNUSED_ENTRIES = skippedArray(skipLedgerEntry, "LedgerCloseMetaV1 unused");

/** Events grouped as they are found, then concatenated in emission order. */
interface EventGroups {
  beforeAllTxs: ContractEventView[];
  perTx: ContractEventView[];
  afterAllTxs: ContractEventView[];
}

/**
 * Views `walkLeadingLedger` made while splitting a lake batch, keyed by the ledger bytes it handed
 * out: the next `walkLedger` of those same bytes takes the view instead of walking them again, so
 * each lake ledger is walked once, by the split that validates it (lake-and-xdr §1.1). Taken once
 * (a later walk of the same bytes walks again), weak (a view dies with its bytes), and sound
 * because nothing writes into bytes a lake source handed out.
 */
const viewsWalkedInBatch = new WeakMap<Uint8Array, LedgerView>();

/** Walks one `LedgerCloseMeta`; throws XdrError (naming the ledger when the header was readable). */
export function walkLedger(lcmBytes: Uint8Array): LedgerView {
  const walked = viewsWalkedInBatch.get(lcmBytes);
  if (walked !== undefined) {
    viewsWalkedInBatch.delete(lcmBytes);
    return walked;
  }
  const view = walkLedgerPrefix(lcmBytes);
  if (view.bytes.length !== lcmBytes.length) {
    const detail = `${lcmBytes.length - view.bytes.length} bytes follow the LedgerCloseMeta`;
    throw new XdrError("LedgerCloseMeta", { ledgerSeq: view.ledgerSeq, byteOffset: view.bytes.length, detail });
  }
  return view;
}

/**
 * Walks the `LedgerCloseMeta` that starts `bytes`, where more may follow (the next element of a
 * `LedgerCloseMetaBatch`). The view covers exactly that ledger: `view.bytes` is a subarray of
 * `bytes` (the same array when nothing follows), and the next `walkLedger(view.bytes)` returns
 * this view without walking. Throws XdrError, its byte offset relative to `bytes`.
 */
export function walkLeadingLedger(bytes: Uint8Array): LedgerView {
  const view = walkLedgerPrefix(bytes);
  viewsWalkedInBatch.set(view.bytes, view);
  return view;
}

function walkLedgerPrefix(bytes: Uint8Array): LedgerView {
  let ledgerSeq: number | undefined;
  try {
    const header = readLedgerHeader(bytes, 0);
    ledgerSeq = header.ledgerSeq;
    const txSetOffset = skipLedgerHeaderHistoryEntry(bytes, header.headerEntryOffset);
    const txProcessingOffset =
      header.lcmVersion === 0
        ? skipTransactionSet(bytes, txSetOffset)
        : skipGeneralizedTransactionSet(bytes, txSetOffset);
    const groups: EventGroups = { beforeAllTxs: [], perTx: [], afterAllTxs: [] };
    const transactions: TxView[] = [];
    const txCount = arrayCount(bytes, txProcessingOffset, TX_PROCESSING);
    let byteOffset = txProcessingOffset + 4;
    for (let txIndex = 0; txIndex < txCount; txIndex++) {
      byteOffset = walkTxResultMeta(bytes, byteOffset, { lcmVersion: header.lcmVersion, txIndex, transactions, groups });
    }
    const endOffset = skipLedgerTail(bytes, byteOffset, header.lcmVersion);
    return {
      bytes: endOffset === bytes.length ? bytes : bytes.subarray(0, endOffset),
      lcmVersion: header.lcmVersion,
      ledgerSeq: header.ledgerSeq as LedgerSeq,
      closeTimeSec: header.closeTimeSec,
      protocolVersion: header.protocolVersion,
      txSet: { byteOffset: txSetOffset, byteLength: txProcessingOffset - txSetOffset },
      transactions,
      events: concatEvents(groups),
    };
  } catch (err) {
    return rethrowAsXdrError(err, { what: "LedgerCloseMeta", ledgerSeq });
  }
}

/** `bytes[range]` as a view (no copy). */
export function sliceRange(bytes: Uint8Array, range: ByteRange): Uint8Array {
  return bytes.subarray(range.byteOffset, range.byteOffset + range.byteLength);
}

interface TxWalk {
  lcmVersion: number;
  txIndex: number;
  transactions: TxView[];
  groups: EventGroups;
}

/**
 * One `TransactionResultMeta` (LCM V0/V1) or `TransactionResultMetaV1` (V2):
 * `[ExtensionPoint ext (V2)] TransactionResultPair result; LedgerEntryChanges feeProcessing;
 * TransactionMeta txApplyProcessing; [LedgerEntryChanges postTxApplyFeeProcessing (V2)]`.
 */
function walkTxResultMeta(bytes: Uint8Array, byteOffset: number, walk: TxWalk): number {
  const hashOffset = walk.lcmVersion === 2 ? skipExtensionPoint(bytes, byteOffset) : byteOffset;
  // TransactionResult = { int64 feeCharged; union switch (int32 code) {…}; ext }: the code at +8,
  // a fee bump's InnerTransactionResultPair (hash first) at +12 (lake-and-xdr §2.2).
  const resultOffset = hashOffset + HASH_BYTES;
  if (resultOffset + 12 > bytes.length) throw truncated(bytes, hashOffset, HASH_BYTES + 12, "TransactionResultPair");
  const resultCode = i32(bytes, resultOffset + 8);
  const feeBumpInner = resultCode === TX_FEE_BUMP_INNER_SUCCESS || resultCode === TX_FEE_BUMP_INNER_FAILED;
  const resultEnd = skipTransactionResult(bytes, resultOffset);
  const metaOffset = skipLedgerEntryChanges(bytes, resultEnd); // feeProcessing
  const metaEnd = walkTxMeta(bytes, metaOffset, walk);
  walk.transactions.push({
    hashOffset,
    // skipTransactionResult has checked the inner pair's 32 hash bytes are there.
    innerHashOffset: feeBumpInner ? resultOffset + 12 : undefined,
    resultCode,
    failed: resultCode !== TX_SUCCESS && resultCode !== TX_FEE_BUMP_INNER_SUCCESS,
    result: { byteOffset: resultOffset, byteLength: resultEnd - resultOffset },
    meta: { byteOffset: metaOffset, byteLength: metaEnd - metaOffset },
    txMetaVersion: u32(bytes, metaOffset), // walkTxMeta has read it
  });
  return walk.lcmVersion === 2 ? skipLedgerEntryChanges(bytes, metaEnd) : metaEnd;
}

/** `TransactionMeta`: V0–V2 carry no events and are skipped whole; V3 and V4 are walked for events. */
function walkTxMeta(bytes: Uint8Array, byteOffset: number, walk: TxWalk): number {
  if (byteOffset + 4 > bytes.length) throw truncated(bytes, byteOffset, 4, "TransactionMeta");
  const version = u32(bytes, byteOffset);
  switch (version) {
    case 0:
    case 1:
    case 2:
      return skipTransactionMeta(bytes, byteOffset);
    case 3:
      return walkTxMetaV3(bytes, byteOffset + 4, walk);
    case 4:
      return walkTxMetaV4(bytes, byteOffset + 4, walk);
    default:
      throw new XdrFault(byteOffset, `TransactionMeta has unknown version ${version}`);
  }
}

/**
 * TxMeta V3 = { ext; txChangesBefore; OperationMeta operations<>; txChangesAfter;
 * SorobanTransactionMeta* sorobanMeta }; SorobanTransactionMeta = { ext; ContractEvent events<>;
 * SCVal returnValue; DiagnosticEvent diagnosticEvents<> }. The Soroban events are operation 0's.
 */
function walkTxMetaV3(bytes: Uint8Array, byteOffset: number, walk: TxWalk): number {
  let offset = skipLedgerEntryChanges(bytes, skipExtensionPoint(bytes, byteOffset));
  offset = skipEach(bytes, offset, V3_OPERATIONS);
  offset = skipLedgerEntryChanges(bytes, offset);
  if (!readOptionFlag(bytes, offset, "TransactionMetaV3 sorobanMeta")) return offset + 4;
  offset = skipSorobanTransactionMetaExt(bytes, offset + 4);
  offset = walkOperationEvents(bytes, offset, { walk, opIdx: 0 });
  offset = skipScVal(bytes, offset);
  return skipEach(bytes, offset, DIAGNOSTIC_EVENTS);
}

/**
 * TxMeta V4 = { ext; txChangesBefore; OperationMetaV2 operations<>; txChangesAfter;
 * SorobanTransactionMetaV2* sorobanMeta; TransactionEvent events<>; DiagnosticEvent diagnosticEvents<> };
 * OperationMetaV2 = { ext; LedgerEntryChanges changes; ContractEvent events<> }.
 */
function walkTxMetaV4(bytes: Uint8Array, byteOffset: number, walk: TxWalk): number {
  let offset = skipLedgerEntryChanges(bytes, skipExtensionPoint(bytes, byteOffset));
  const operationCount = arrayCount(bytes, offset, OPERATIONS);
  offset += 4;
  for (let opIdx = 0; opIdx < operationCount; opIdx++) {
    offset = skipLedgerEntryChanges(bytes, skipExtensionPoint(bytes, offset));
    offset = walkOperationEvents(bytes, offset, { walk, opIdx });
  }
  offset = skipLedgerEntryChanges(bytes, offset);
  const hasSorobanMeta = readOptionFlag(bytes, offset, "TransactionMetaV4 sorobanMeta");
  offset += 4;
  if (hasSorobanMeta) offset = skipSorobanTransactionMetaV2(bytes, offset);
  offset = walkTransactionEvents(bytes, offset, walk);
  return skipEach(bytes, offset, DIAGNOSTIC_EVENTS);
}

/** `ContractEvent events<>` of one operation: txIdx = apply index, eventIdx = index within the operation. */
function walkOperationEvents(bytes: Uint8Array, byteOffset: number, at: { walk: TxWalk; opIdx: number }): number {
  const eventCount = arrayCount(bytes, byteOffset, EVENTS);
  let offset = byteOffset + 4;
  for (let eventIdx = 0; eventIdx < eventCount; eventIdx++) {
    const event = readContractEvent(bytes, offset);
    event.txIndex = at.walk.txIndex;
    event.txIdx = at.walk.txIndex + 1;
    event.opIdx = at.opIdx;
    event.eventIdx = eventIdx;
    at.walk.groups.perTx.push(event);
    offset = event.byteOffset + event.byteLength;
  }
  return offset;
}

/** `TransactionEvent events<>` = { TransactionEventStage stage; ContractEvent event }, sorted into the three stage groups. */
function walkTransactionEvents(bytes: Uint8Array, byteOffset: number, walk: TxWalk): number {
  const eventCount = arrayCount(bytes, byteOffset, EVENTS);
  const groups = walk.groups;
  let afterTxCount = 0;
  let offset = byteOffset + 4;
  for (let index = 0; index < eventCount; index++) {
    if (offset + 4 > bytes.length) throw truncated(bytes, offset, 4, "TransactionEvent");
    const stage = i32(bytes, offset);
    const event = readContractEvent(bytes, offset + 4);
    event.txIndex = walk.txIndex;
    switch (stage) {
      case STAGE_BEFORE_ALL_TXS:
        event.stage = "beforeAllTxs";
        event.eventIdx = groups.beforeAllTxs.length;
        groups.beforeAllTxs.push(event);
        break;
      case STAGE_AFTER_TX:
        event.stage = "afterTx";
        event.txIdx = walk.txIndex + 1;
        event.opIdx = OP_IDX_AFTER_TX;
        event.eventIdx = afterTxCount++;
        groups.perTx.push(event);
        break;
      case STAGE_AFTER_ALL_TXS:
        event.stage = "afterAllTxs";
        event.txIdx = TX_IDX_AFTER_ALL_TXS;
        event.eventIdx = groups.afterAllTxs.length;
        groups.afterAllTxs.push(event);
        break;
      default:
        throw new XdrFault(offset, `TransactionEvent has unhandled event stage ${stage}`);
    }
    offset = event.byteOffset + event.byteLength;
  }
  return offset;
}

/**
 * `ContractEvent = { ExtensionPoint ext; ContractID* contractID; ContractEventType type;
 * union switch (int v) { case 0: { SCVal topics<>; SCVal data; } } body }`.
 * Returns an "operation" event at cursor (0, 0, 0); the caller positions it.
 */
function readContractEvent(bytes: Uint8Array, byteOffset: number): ContractEventView {
  let offset = skipExtensionPoint(bytes, byteOffset);
  let contractIdOffset: number | undefined;
  if (readOptionFlag(bytes, offset, "ContractEvent contractID")) {
    contractIdOffset = offset + 4;
    offset = contractIdOffset + HASH_BYTES;
  } else {
    offset += 4;
  }
  if (offset + 8 > bytes.length) throw truncated(bytes, offset, 8, "ContractEvent");
  const eventType = i32(bytes, offset);
  if (!isContractEventType(eventType)) throw new XdrFault(offset, `ContractEvent has invalid type ${eventType}`);
  const bodyVersion = i32(bytes, offset + 4);
  if (bodyVersion !== 0) throw new XdrFault(offset + 4, `ContractEventBody has invalid version ${bodyVersion}`);
  const topicCount = arrayCount(bytes, offset + 8, TOPICS);
  const topics: ByteRange[] = [];
  offset += 12;
  for (let topicIndex = 0; topicIndex < topicCount; topicIndex++) {
    const topicEnd = skipScVal(bytes, offset);
    if (topicIndex < INDEXED_TOPICS_MAX) topics.push({ byteOffset: offset, byteLength: topicEnd - offset });
    offset = topicEnd;
  }
  offset = skipScVal(bytes, offset);
  return {
    stage: "operation",
    txIndex: 0,
    txIdx: 0,
    opIdx: 0,
    eventIdx: 0,
    byteOffset,
    byteLength: offset - byteOffset,
    contractIdOffset,
    topicCount,
    topics,
  };
}

/** The fields after txProcessing: upgradesProcessing, scpInfo, and for V1/V2 the Soroban state size, evictedKeys (and V1's unused entries). */
function skipLedgerTail(bytes: Uint8Array, byteOffset: number, lcmVersion: number): number {
  let offset = skipEach(bytes, byteOffset, UPGRADES_PROCESSING);
  offset = skipEach(bytes, offset, SCP_INFO);
  if (lcmVersion === 0) return offset;
  if (offset + 8 > bytes.length) throw truncated(bytes, offset, 8, "LedgerCloseMeta totalByteSizeOfLiveSorobanState");
  offset = skipEach(bytes, offset + 8, EVICTED_KEYS);
  return lcmVersion === 1 ? skipEach(bytes, offset, UNUSED_ENTRIES) : offset;
}

/** Skips a variable-length array element by element. */
function skipEach(bytes: Uint8Array, byteOffset: number, array: SkippedArray): number {
  const count = arrayCount(bytes, byteOffset, array.limits);
  let offset = byteOffset + 4;
  for (let index = 0; index < count; index++) offset = array.skipElement(bytes, offset);
  return offset;
}

/** An XDR optional's presence flag: 0 absent, 1 present, anything else a fault. */
function readOptionFlag(bytes: Uint8Array, byteOffset: number, where: string): boolean {
  if (byteOffset + 4 > bytes.length) throw truncated(bytes, byteOffset, 4, where);
  const flag = u32(bytes, byteOffset);
  if (flag > 1) throw new XdrFault(byteOffset, `${where} has invalid option flag ${flag}`);
  return flag === 1;
}

function concatEvents(groups: EventGroups): ContractEventView[] {
  if (groups.beforeAllTxs.length === 0 && groups.afterAllTxs.length === 0) return groups.perTx;
  return [...groups.beforeAllTxs, ...groups.perTx, ...groups.afterAllTxs];
}
