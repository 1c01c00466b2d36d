/**
 * Event term keys (reference §8.5 "Term keys", D7): the 16-byte key an events segment and a hot
 * DB index for each (field, value) an event carries.
 *
 *   termKey(field, value) = MurmurHash3_x86_128(value, seed = field)   (16 bytes, h1..h4 LE)
 *
 * Fields: 0 = contract id (value = the 32-byte contract id), 1..4 = topic 0..3 (value = that
 * topic's raw ScVal XDR bytes); the seed keeps the same bytes in two fields apart. This is part of
 * OUR on-disk format and differs from the reference's unseeded xxHash3-128 of `[field] ++ value`:
 * Bun has no xxh3-128, and MurmurHash3_x86_128 is a published hash any tool reproduces
 * (`mmh3.hash_bytes(value, field, x64arch=False)` in Python) that JavaScript computes in 32-bit
 * arithmetic straight from the ledger buffer, ~70 ns a term against ~490 ns for the SHA-256 we
 * used before (docs/formats.md). Like xxh3, it is not collision-resistant against crafted input:
 * two terms with one key share a posting list, so a lookup returns a superset (never a loss) and
 * whoever serves events must match the event's real contract id / topic bytes (docs/formats.md).
 * @module
 */

import { assert } from "../assert.ts";
import { murmur3X86_128 } from "./_murmur3_x86_128.ts";

export const TERM_KEY_BYTES = 16;
/** A term field: 0 = contract id, 1..4 = topic 0..3. */
export type TermField = 0 | 1 | 2 | 3 | 4;
export const TERM_FIELD_CONTRACT_ID: TermField = 0;
/** Topics indexed per event (reference `MaxTopicCount`). */
export const INDEXED_TOPIC_COUNT = 4;
/** The most terms one event can carry: its contract id and four topics. */
export const TERMS_PER_EVENT_MAX = 1 + INDEXED_TOPIC_COUNT;
const CONTRACT_ID_BYTES = 32;

/** Where a term's value lies: `bytes[byteOffset, byteOffset + byteLength)` of a larger buffer. */
export interface TermValueRange {
  byteOffset: number;
  byteLength: number;
}

/** The term field of topic `topicIndex` (0..3). */
export function topicTermField(topicIndex: number): TermField {
  // Per-term hot path: constant messages (a template would be built on every call).
  assert(Number.isInteger(topicIndex), "topic index must be an integer");
  assert(topicIndex >= 0, "topic index must not be negative");
  assert(topicIndex < INDEXED_TOPIC_COUNT, "only topics 0..3 are indexed");
  return (topicIndex + 1) as TermField;
}

/** The 16-byte term key of `value` in `field` (a new array; `value` is not retained). */
export function termKey(field: TermField, value: Uint8Array): Uint8Array {
  return termKeyIn(value, { field, byteOffset: 0, byteLength: value.length });
}

/** The term key of the value at `term`'s range of `bytes` (a new array), hashed in place: no view, no copy. */
export function termKeyIn(bytes: Uint8Array, term: TermValueRange & { field: TermField }): Uint8Array {
  if (term.field === TERM_FIELD_CONTRACT_ID) {
    assert(term.byteLength === CONTRACT_ID_BYTES, "a contract id is 32 bytes");
  }
  const key = new Uint8Array(TERM_KEY_BYTES);
  murmur3X86_128(bytes, { byteOffset: term.byteOffset, byteLength: term.byteLength, seed: term.field, out: key });
  return key;
}
