/**
 * The hot chunk DB's column families and key codecs (reference §8.9, adapted; `docs/hot.md`).
 * Folder-private: only `src/hot` knows how the hot DB lays out its keys.
 *
 *   CF               key                                   value
 *   ledgers          ledger seq u32 BE (4 B)               zstd(level 3, checksum) of the LedgerCloseMeta XDR
 *   txhash           tx hash (32 B), outer and inner (D8)  ledger seq u32 BE
 *   events_data      chunk-relative event id u32 BE        Event Payload v1 (the cold -events.pack item bytes)
 *   events_index     term key (16 B) ++ event id u32 BE    empty
 *   events_offsets   ledger seq u32 BE                     that ledger's event count u32 BE (not cumulative)
 *
 * Big-endian keys sort numerically, so a range of ledgers or ids is a range of keys, and a term's
 * ids are one contiguous key range in ascending order.
 * @module
 */

import { assert } from "../assert.ts";
import { TERM_KEY_BYTES } from "../formats/event_terms.ts";

export const CF_LEDGERS = "ledgers";
export const CF_TXHASH = "txhash";
export const CF_EVENTS_DATA = "events_data";
export const CF_EVENTS_INDEX = "events_index";
export const CF_EVENTS_OFFSETS = "events_offsets";

/** Every column family, in open order (the reference's order, with one `txhash` CF for its 16 `cf-{n}`). */
export const HOT_COLUMN_FAMILIES = [CF_LEDGERS, CF_EVENTS_DATA, CF_EVENTS_INDEX, CF_EVENTS_OFFSETS, CF_TXHASH] as const;

export const U32_KEY_BYTES = 4;
export const TX_HASH_KEY_BYTES = 32;
export const EVENTS_INDEX_KEY_BYTES = TERM_KEY_BYTES + U32_KEY_BYTES;
export const U32_MAX = 0xffff_ffff;

/** A ledger seq or event id as a 4-byte big-endian key (or value). */
export function u32Key(value: number): Uint8Array {
  // Per-key hot path: constant messages.
  assert(Number.isInteger(value), "u32 key must be an integer");
  assert(value >= 0, "u32 key must not be negative");
  assert(value <= U32_MAX, "u32 key exceeds u32");
  const key = new Uint8Array(U32_KEY_BYTES);
  writeU32(key, 0, value);
  return key;
}

/** `term ++ eventId` (20 bytes): one posting of `term`. */
export function eventsIndexKey(term: Uint8Array, eventId: number): Uint8Array {
  assert(term.length === TERM_KEY_BYTES, "a term key is 16 bytes");
  assert(Number.isInteger(eventId), "event id must be an integer");
  assert(eventId >= 0, "event id must not be negative");
  assert(eventId <= U32_MAX, "event id exceeds u32");
  const key = new Uint8Array(EVENTS_INDEX_KEY_BYTES);
  key.set(term, 0);
  writeU32(key, TERM_KEY_BYTES, eventId);
  return key;
}

/** The big-endian u32 at `byteOffset` (the caller checked the length). */
export function readU32(bytes: Uint8Array, byteOffset: number): number {
  return ((bytes[byteOffset]! << 24) | (bytes[byteOffset + 1]! << 16) | (bytes[byteOffset + 2]! << 8) | bytes[byteOffset + 3]!) >>> 0;
}

/** Writes `value` as a big-endian u32 at `byteOffset` (the caller checked the length and the range). */
export function writeU32(bytes: Uint8Array, byteOffset: number, value: number): void {
  bytes[byteOffset] = value >>> 24;
  bytes[byteOffset + 1] = (value >>> 16) & 0xff;
  bytes[byteOffset + 2] = (value >>> 8) & 0xff;
  bytes[byteOffset + 3] = value & 0xff;
}
