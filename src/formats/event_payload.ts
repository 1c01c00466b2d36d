/**
 * Event Payload v1 (reference §8.5, D7): one `-events.pack` item and one hot `events_data` value,
 * byte-exact with the upstream daemon. All integers big-endian:
 *
 *   off size field                       off size field
 *    0   1   version 0x01                 41   4   opIdx (u32; 0xFFFFFFFF sentinel allowed)
 *    1  32   txHash (outer tx hash)       45   8   ledgerClosedAt (i64, unix seconds)
 *   33   4   ledgerSequence (u32)         53   4   eventIdx (u32, within (ledger, txIdx, opIdx))
 *   37   4   txIdx (u32, 1-based)         57   4   contractEvent length L (u32)
 *                                         61   L   raw ContractEvent XDR
 *
 * Keeps: L ≥ 1 (an event with no ContractEvent bytes is a producer bug, asserted on encode); the
 * decoder rejects an unknown version, a short buffer, and ANY trailing bytes (L must consume the
 * remainder exactly), and a close time outside the exactly representable range.
 * @module
 */

import { assert } from "../assert.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";

export const EVENT_PAYLOAD_VERSION = 0x01;
export const EVENT_PAYLOAD_HEADER_BYTES = 61;
export const TX_HASH_BYTES = 32;
const U32_MAX = 0xffff_ffff;

const OFF_TX_HASH = 1;
const OFF_LEDGER_SEQ = 33;
const OFF_TX_IDX = 37;
const OFF_OP_IDX = 41;
const OFF_CLOSED_AT = 45;
const OFF_EVENT_IDX = 53;
const OFF_EVENT_BYTES = 57;
assert(OFF_EVENT_BYTES + 4 === EVENT_PAYLOAD_HEADER_BYTES, "the ContractEvent length ends the 61-byte header");

/** One stored event. Decoded byte fields are views into the bytes they were read from. */
export interface EventPayload {
  /** The outer transaction hash, 32 bytes. */
  txHash: Uint8Array;
  ledgerSeq: LedgerSeq;
  txIdx: number;
  opIdx: number;
  /** Ledger close time, unix seconds. */
  ledgerClosedAt: number;
  eventIdx: number;
  /** Raw ContractEvent XDR, at least 1 byte. */
  contractEvent: Uint8Array;
}

/** The encoded size of `payload`. */
export function eventPayloadBytes(payload: EventPayload): number {
  return EVENT_PAYLOAD_HEADER_BYTES + payload.contractEvent.length;
}

/** Encodes `payload` into `target` from byte 0 and returns the byte count (a scratch-buffer path). */
export function encodeEventPayloadInto(payload: EventPayload, target: Uint8Array): number {
  assert(payload.txHash.length === TX_HASH_BYTES, "tx hash must be 32 bytes");
  assert(payload.contractEvent.length >= 1, "event payload needs a non-empty ContractEvent");
  assert(payload.contractEvent.length <= U32_MAX, "ContractEvent length exceeds u32");
  assertU32(payload.ledgerSeq, "ledgerSeq must be a u32");
  assertU32(payload.txIdx, "txIdx must be a u32");
  assertU32(payload.opIdx, "opIdx must be a u32");
  assertU32(payload.eventIdx, "eventIdx must be a u32");
  assert(Number.isSafeInteger(payload.ledgerClosedAt), "ledgerClosedAt must be a safe integer");
  const byteCount = eventPayloadBytes(payload);
  assert(target.length >= byteCount, "target is smaller than the payload");
  // Byte stores, not a DataView and a BigInt per call: this runs once per event (~1M per dense chunk).
  target[0] = EVENT_PAYLOAD_VERSION;
  target.set(payload.txHash, OFF_TX_HASH);
  putU32be(target, OFF_LEDGER_SEQ, payload.ledgerSeq);
  putU32be(target, OFF_TX_IDX, payload.txIdx);
  putU32be(target, OFF_OP_IDX, payload.opIdx);
  // i64 two's complement: floor division keeps the high word's sign, the low word is the remainder.
  const closedAtHigh = Math.floor(payload.ledgerClosedAt / 2 ** 32);
  putU32be(target, OFF_CLOSED_AT, closedAtHigh >>> 0);
  putU32be(target, OFF_CLOSED_AT + 4, payload.ledgerClosedAt - closedAtHigh * 2 ** 32);
  putU32be(target, OFF_EVENT_IDX, payload.eventIdx);
  putU32be(target, OFF_EVENT_BYTES, payload.contractEvent.length);
  target.set(payload.contractEvent, EVENT_PAYLOAD_HEADER_BYTES);
  return byteCount;
}

function putU32be(target: Uint8Array, byteOffset: number, value: number): void {
  target[byteOffset] = value >>> 24;
  target[byteOffset + 1] = value >>> 16;
  target[byteOffset + 2] = value >>> 8;
  target[byteOffset + 3] = value;
}

/** Encodes `payload` into a new array. */
export function encodeEventPayload(payload: EventPayload): Uint8Array {
  const bytes = new Uint8Array(eventPayloadBytes(payload));
  encodeEventPayloadInto(payload, bytes);
  return bytes;
}

/** Where a payload came from, for error messages: a file (or hot DB) path and the event id. */
export interface EventPayloadSource {
  path: string;
  eventId: number;
}

/** Decodes one payload; bytes are input, so every violation is a `CorruptFileError`. */
export function decodeEventPayload(bytes: Uint8Array, source: EventPayloadSource): EventPayload {
  const fail = (detail: string): never => {
    throw new CorruptFileError(source.path, `event ${source.eventId} payload: ${detail}`);
  };
  if (bytes.length < 1) fail("empty");
  if (bytes[0] !== EVENT_PAYLOAD_VERSION) fail(`unknown version 0x${bytes[0]!.toString(16).padStart(2, "0")}`);
  if (bytes.length < EVENT_PAYLOAD_HEADER_BYTES) {
    fail(`${bytes.length} bytes, shorter than the ${EVENT_PAYLOAD_HEADER_BYTES}-byte header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const eventBytes = view.getUint32(OFF_EVENT_BYTES, false);
  const remaining = bytes.length - EVENT_PAYLOAD_HEADER_BYTES;
  if (eventBytes === 0) fail("ContractEvent is empty");
  if (eventBytes !== remaining) fail(`ContractEvent length ${eventBytes}, but ${remaining} bytes follow the header`);
  const closedAt = view.getBigInt64(OFF_CLOSED_AT, false);
  if (closedAt > BigInt(Number.MAX_SAFE_INTEGER) || closedAt < BigInt(Number.MIN_SAFE_INTEGER)) {
    fail(`ledgerClosedAt ${closedAt} is outside the safe integer range`);
  }
  return {
    txHash: bytes.subarray(OFF_TX_HASH, OFF_TX_HASH + TX_HASH_BYTES),
    ledgerSeq: view.getUint32(OFF_LEDGER_SEQ, false) as LedgerSeq,
    txIdx: view.getUint32(OFF_TX_IDX, false),
    opIdx: view.getUint32(OFF_OP_IDX, false),
    ledgerClosedAt: Number(closedAt),
    eventIdx: view.getUint32(OFF_EVENT_IDX, false),
    contractEvent: bytes.subarray(EVENT_PAYLOAD_HEADER_BYTES),
  };
}

// Per-event hot path: constant messages (a template would be built on every call).
function assertU32(value: number, name: string): void {
  assert(Number.isInteger(value), name);
  assert(value >= 0, name);
  assert(value <= U32_MAX, name);
}
