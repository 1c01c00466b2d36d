/**
 * Posting list: the sorted chunk-relative ids of the events carrying one term, as stored in an
 * events segment's `-index.pack` (D7; our format, docs/formats.md "Events segment").
 *
 *   varint(id₀) varint(id₁ − id₀) … varint(idₙ − idₙ₋₁)
 *
 * Varints are unsigned LEB128 (7 bits per byte, low group first, high bit = more), at most 5
 * bytes, value ≤ u32. Ids are strictly ascending, so every delta after the first is ≥ 1. Keeps:
 * the decoder rejects a truncated or over-long varint, a zero delta, an id ≥ the segment's event
 * count and an empty list (a term in the dictionary has at least one event).
 * @module
 */

import { assert } from "../assert.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";

const VARINT_BYTES_MAX = 5;
const U32_MAX = 0xffff_ffff;

/** Bytes `value` (a u32) takes as a varint. */
export function varintBytes(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x20_0000) return 3;
  if (value < 0x1000_0000) return 4;
  return 5;
}

/** A write position in a byte array; writers advance `byteOffset`. */
export interface ByteCursor {
  bytes: Uint8Array;
  byteOffset: number;
}

/** Writes `value` (a u32) at the cursor and advances it past the varint. */
export function writeVarint(value: number, cursor: ByteCursor): void {
  // Per-id hot path: constant messages (a template would be built on every call).
  assert(value >= 0, "varint value must not be negative");
  assert(value <= U32_MAX, "varint value must fit a u32");
  const target = cursor.bytes;
  let rest = value;
  let offset = cursor.byteOffset;
  while (rest >= 0x80) {
    target[offset++] = (rest & 0x7f) | 0x80;
    rest = Math.floor(rest / 128);
  }
  target[offset++] = rest;
  cursor.byteOffset = offset;
}

/** Encodes strictly ascending `eventIds` (at least one). */
export function encodePostingList(eventIds: ArrayLike<number>): Uint8Array {
  assert(eventIds.length >= 1, "a posting list holds at least one event");
  let byteCount = varintBytes(eventIds[0]!);
  for (let i = 1; i < eventIds.length; i++) {
    assert(eventIds[i]! > eventIds[i - 1]!, "posting ids must strictly ascend");
    byteCount += varintBytes(eventIds[i]! - eventIds[i - 1]!);
  }
  const cursor = { bytes: new Uint8Array(byteCount), byteOffset: 0 };
  writeVarint(eventIds[0]!, cursor);
  for (let i = 1; i < eventIds.length; i++) writeVarint(eventIds[i]! - eventIds[i - 1]!, cursor);
  return cursor.bytes;
}

/** What the decoder checks against and where errors point. */
export interface PostingListContext {
  path: string;
  /** The term's item number in `-index.pack`, for messages. */
  termRank: number;
  /** Ids must be below this. */
  eventCount: number;
  /** Keep only ids in [fromEventId, endEventId). The whole list is still validated up to endEventId. */
  fromEventId: number;
  endEventId: number;
}

/** Decodes a posting list, keeping the ids in the context's range. */
export function decodePostingList(bytes: Uint8Array, context: PostingListContext): Uint32Array {
  const fail = (detail: string): never => {
    throw new CorruptFileError(context.path, `posting list of term ${context.termRank}: ${detail}`);
  };
  if (bytes.length === 0) fail("empty");
  // Each id takes ≥ 1 byte, so bytes.length bounds the output.
  const kept = new Uint32Array(bytes.length);
  let keptCount = 0;
  let byteOffset = 0;
  let previousId = -1;
  while (byteOffset < bytes.length) {
    let value = 0;
    let scale = 1;
    let varintEnd = byteOffset;
    // Ends within VARINT_BYTES_MAX bytes: the length check fails the decode before a sixth byte.
    for (;;) {
      if (varintEnd === bytes.length) fail(`varint truncated at byte ${byteOffset}`);
      if (varintEnd - byteOffset === VARINT_BYTES_MAX) fail(`varint longer than ${VARINT_BYTES_MAX} bytes at byte ${byteOffset}`);
      const byte = bytes[varintEnd++]!;
      value += (byte & 0x7f) * scale;
      scale *= 128;
      if (byte < 0x80) break;
    }
    if (value > U32_MAX) fail(`varint ${value} exceeds u32 at byte ${byteOffset}`);
    if (previousId >= 0 && value === 0) fail(`zero delta at byte ${byteOffset}`);
    const eventId = previousId < 0 ? value : previousId + value;
    if (eventId >= context.eventCount) fail(`event id ${eventId} is not below the event count ${context.eventCount}`);
    if (eventId >= context.endEventId) return kept.slice(0, keptCount);
    if (eventId >= context.fromEventId) kept[keptCount++] = eventId;
    previousId = eventId;
    byteOffset = varintEnd;
  }
  return kept.slice(0, keptCount);
}
