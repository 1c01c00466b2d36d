/**
 * Event term keys (reference §8.5 "Term keys", D7): the 16-byte key an events segment indexes
 * for each (field, value) an event carries.
 *
 *   termKey(field, value) = SHA-256([field] ++ value)[0..16)
 *
 * Fields: 0 = contract id (value = the 32-byte contract id), 1..4 = topic 0..3 (value = that
 * topic's raw ScVal XDR bytes). This is part of OUR on-disk format and differs from the
 * reference's unseeded xxHash3-128: Bun has no xxh3-128, and SHA-256 is a standard any tool can
 * reproduce; `Bun.SHA256.hash` computes ~4–5 M keys/s on 40-byte values (bun-ffi.md §8). A
 * 128-bit key makes two distinct terms colliding in one chunk (~2M terms) a ~2^-87 event; if it
 * happened, the two terms would share one posting list (a superset, never a loss).
 * @module
 */

import { assert } from "../assert.ts";

export const TERM_KEY_BYTES = 16;
/** A term field: 0 = contract id, 1..4 = topic 0..3. */
export type TermField = 0 | 1 | 2 | 3 | 4;
export const TERM_FIELD_CONTRACT_ID: TermField = 0;
/** Topics indexed per event (reference `MaxTopicCount`). */
export const INDEXED_TOPIC_COUNT = 4;
/** The most terms one event can carry: its contract id and four topics. */
export const TERMS_PER_EVENT_MAX = 1 + INDEXED_TOPIC_COUNT;
const CONTRACT_ID_BYTES = 32;
const SHA256_BYTES = 32;

// Reused across calls (single-threaded): [field] ++ value, and the digest.
let scratch = new Uint8Array(1024);
const digest = new Uint8Array(SHA256_BYTES);

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
  if (field === TERM_FIELD_CONTRACT_ID) {
    assert(value.length === CONTRACT_ID_BYTES, "a contract id is 32 bytes");
  }
  if (scratch.length < value.length + 1) scratch = new Uint8Array(Math.max(value.length + 1, scratch.length * 2));
  scratch[0] = field;
  scratch.set(value, 1);
  Bun.SHA256.hash(scratch.subarray(0, value.length + 1), digest);
  return digest.slice(0, TERM_KEY_BYTES);
}
