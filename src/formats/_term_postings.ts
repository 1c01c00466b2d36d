/**
 * In-memory posting lists for one events segment, private to the segment writer (D7). Built in
 * one streaming pass over a chunk's events; `build()` returns the unique term keys sorted bytewise
 * and each term's delta-varint posting list (`posting_list.ts`) in that order.
 *
 * Memory is typed arrays only, no object per event or term (a dense chunk is ~10M events, ~37M
 * (event, term) pairs, ~2M terms; reference §11.8, §12.2):
 *   - per term:  its 16-byte key in an arena, an open-addressing hash slot (≤ 50% load);
 *   - per pair:  the term's ordinal (u32) in an add log;
 *   - per event: how many pairs it added (u8).
 * ≈ 4 B/pair + 1 B/event + ~28 B/term while streaming; `build()` adds ~16 B/term and the encoded
 * lists (~2.5 B/pair). Event ids are implied: the add log is in event order.
 *
 * Term keys are SHA-256 prefixes (`event_terms.ts`), so their first bytes are uniform: the hash
 * table uses bytes 0..3 as the hash, and the sort buckets by bytes 0..1 before comparing whole keys.
 * @module
 */

import { assert } from "../assert.ts";
import { GrowableU32 } from "./_growable_u32.ts";
import { TERM_KEY_BYTES, TERMS_PER_EVENT_MAX } from "./event_terms.ts";
import { varintBytes, writeVarint } from "./posting_list.ts";
import { compareTermKeys } from "./term_dictionary.ts";

const U32_MAX = 0xffff_ffff;
/** A bound far above a dense chunk's ~2.6M terms; keeps the hash table's Uint32Array allocatable. */
const TERM_COUNT_MAX = 2 ** 28;
const INITIAL_SLOTS = 1024;
const SORT_BUCKETS = 65_536;

/** The sorted dictionary and its posting lists: rank r's list is postings[ends[r−1], ends[r]). */
export interface BuiltPostings {
  /** termCount × 16 bytes, strictly ascending. */
  sortedKeys: Uint8Array;
  postings: Uint8Array;
  /** termCount cumulative byte ends into `postings`. */
  postingEnds: Uint32Array;
}

/** Accumulates (event, term) pairs for one segment. */
export class TermPostingsBuilder {
  #keys = new Uint8Array(INITIAL_SLOTS * TERM_KEY_BYTES);
  #termCount = 0;
  /** ordinal + 1 of the term in each slot; 0 = empty. Capacity is a power of two. */
  #slots = new Uint32Array(INITIAL_SLOTS);
  readonly #pairTerms = new GrowableU32(U32_MAX);
  #eventPairCounts = new Uint8Array(INITIAL_SLOTS);
  #eventCount = 0;
  readonly #eventOrdinals = new Uint32Array(TERMS_PER_EVENT_MAX);

  get eventCount(): number {
    return this.#eventCount;
  }

  get termCount(): number {
    return this.#termCount;
  }

  /** Records the next event (id = events so far) carrying `termKeys`; a repeated key counts once. */
  addEvent(termKeys: readonly Uint8Array[]): void {
    assert(termKeys.length <= TERMS_PER_EVENT_MAX, `event carries ${termKeys.length} terms, max ${TERMS_PER_EVENT_MAX}`);
    assert(this.#eventCount < U32_MAX, "segment already holds u32-max events");
    let pairCount = 0;
    for (const termKey of termKeys) {
      assert(termKey.length === TERM_KEY_BYTES, `term key is ${termKey.length} bytes, want ${TERM_KEY_BYTES}`);
      const ordinal = this.#ordinalOf(termKey);
      if (this.#eventOrdinals.subarray(0, pairCount).includes(ordinal)) continue;
      this.#eventOrdinals[pairCount++] = ordinal;
      this.#pairTerms.push(ordinal);
    }
    if (this.#eventCount === this.#eventPairCounts.length) this.#eventPairCounts = grown(this.#eventPairCounts, this.#eventCount + 1);
    this.#eventPairCounts[this.#eventCount++] = pairCount;
  }

  /** Sorts the terms and encodes every posting list. The builder must not be used afterwards. */
  build(): BuiltPostings {
    this.#slots = new Uint32Array(0); // release the hash table before the build allocates
    const termCount = this.#termCount;
    const order = this.#sortedOrdinals();
    const rankOfOrdinal = new Uint32Array(termCount);
    const sortedKeys = new Uint8Array(termCount * TERM_KEY_BYTES);
    for (let rank = 0; rank < termCount; rank++) {
      const ordinal = order[rank]!;
      rankOfOrdinal[ordinal] = rank;
      sortedKeys.set(this.#keys.subarray(ordinal * TERM_KEY_BYTES, (ordinal + 1) * TERM_KEY_BYTES), rank * TERM_KEY_BYTES);
    }
    // Pass 1: each list's byte size, then cumulative ends.
    const postingEnds = new Uint32Array(termCount);
    this.#forEachPair(rankOfOrdinal, (rank, delta) => {
      postingEnds[rank]! += varintBytes(delta);
    });
    let totalBytes = 0;
    for (let rank = 0; rank < termCount; rank++) {
      totalBytes += postingEnds[rank]!;
      assert(totalBytes <= U32_MAX, "posting lists exceed 4 GiB");
      postingEnds[rank] = totalBytes;
    }
    // Pass 2: write each list at its cursor.
    const postings = new Uint8Array(totalBytes);
    const cursors = new Uint32Array(termCount);
    for (let rank = 1; rank < termCount; rank++) cursors[rank] = postingEnds[rank - 1]!;
    this.#forEachPair(rankOfOrdinal, (rank, delta) => {
      cursors[rank] = writeVarint(postings, cursors[rank]!, delta);
    });
    for (let rank = 0; rank < termCount; rank++) {
      assert(cursors[rank] === postingEnds[rank], `posting list ${rank} wrote ${cursors[rank]} bytes, planned ${postingEnds[rank]}`);
    }
    return { sortedKeys, postings, postingEnds };
  }

  /** Calls `visit(rank, delta)` for every pair in event order; delta is the id gap (the id for a first). */
  #forEachPair(rankOfOrdinal: Uint32Array, visit: (rank: number, delta: number) => void): void {
    const lastIdPlusOne = new Uint32Array(this.#termCount);
    const pairTerms = this.#pairTerms.view();
    let pair = 0;
    for (let eventId = 0; eventId < this.#eventCount; eventId++) {
      const pairEnd = pair + this.#eventPairCounts[eventId]!;
      for (; pair < pairEnd; pair++) {
        const rank = rankOfOrdinal[pairTerms[pair]!]!;
        const previous = lastIdPlusOne[rank]!;
        visit(rank, previous === 0 ? eventId : eventId - (previous - 1));
        lastIdPlusOne[rank] = eventId + 1;
      }
    }
    assert(pair === pairTerms.length, `visited ${pair} of ${pairTerms.length} pairs`);
  }

  /** Ordinals in ascending key order: bucket by the first two bytes, then sort each bucket. */
  #sortedOrdinals(): Uint32Array {
    const termCount = this.#termCount;
    const keys = this.#keys;
    const bucketStarts = new Uint32Array(SORT_BUCKETS + 1);
    for (let ordinal = 0; ordinal < termCount; ordinal++) {
      bucketStarts[bucketOf(keys, ordinal) + 1]! += 1;
    }
    for (let bucket = 0; bucket < SORT_BUCKETS; bucket++) bucketStarts[bucket + 1]! += bucketStarts[bucket]!;
    const cursors = bucketStarts.slice(0, SORT_BUCKETS);
    const order = new Uint32Array(termCount);
    for (let ordinal = 0; ordinal < termCount; ordinal++) order[cursors[bucketOf(keys, ordinal)]!++] = ordinal;
    const byKey = (a: number, b: number) => compareTermKeys(keys, a * TERM_KEY_BYTES, keys, b * TERM_KEY_BYTES);
    for (let bucket = 0; bucket < SORT_BUCKETS; bucket++) {
      const start = bucketStarts[bucket]!;
      const end = bucketStarts[bucket + 1]!;
      if (end - start > 1) order.subarray(start, end).sort(byKey);
    }
    return order;
  }

  /** The ordinal of `termKey`, inserting it when new. */
  #ordinalOf(termKey: Uint8Array): number {
    const mask = this.#slots.length - 1;
    let slot = hashOf(termKey, 0) & mask;
    // Ends within capacity probes: the table is at most half full, so an empty slot exists.
    for (;;) {
      const stored = this.#slots[slot]!;
      if (stored === 0) break;
      if (compareTermKeys(this.#keys, (stored - 1) * TERM_KEY_BYTES, termKey, 0) === 0) return stored - 1;
      slot = (slot + 1) & mask;
    }
    assert(this.#termCount < TERM_COUNT_MAX, `segment exceeds ${TERM_COUNT_MAX} unique terms`);
    const ordinal = this.#termCount++;
    if (this.#keys.length < this.#termCount * TERM_KEY_BYTES) this.#keys = grown(this.#keys, this.#termCount * TERM_KEY_BYTES);
    this.#keys.set(termKey, ordinal * TERM_KEY_BYTES);
    if (this.#termCount * 2 > this.#slots.length) {
      this.#rehash(this.#slots.length * 2);
      return ordinal;
    }
    this.#slots[slot] = ordinal + 1;
    return ordinal;
  }

  /** Rebuilds the table at `capacity` slots from the key arena (includes the newest term). */
  #rehash(capacity: number): void {
    const slots = new Uint32Array(capacity);
    const mask = capacity - 1;
    for (let ordinal = 0; ordinal < this.#termCount; ordinal++) {
      let slot = hashOf(this.#keys, ordinal * TERM_KEY_BYTES) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = ordinal + 1;
    }
    this.#slots = slots;
  }
}

function hashOf(keys: Uint8Array, byteOffset: number): number {
  return (keys[byteOffset]! | (keys[byteOffset + 1]! << 8) | (keys[byteOffset + 2]! << 16) | (keys[byteOffset + 3]! << 24)) >>> 0;
}

function bucketOf(keys: Uint8Array, ordinal: number): number {
  return (keys[ordinal * TERM_KEY_BYTES]! << 8) | keys[ordinal * TERM_KEY_BYTES + 1]!;
}

function grown(bytes: Uint8Array, neededBytes: number): Uint8Array<ArrayBuffer> {
  const larger = new Uint8Array(Math.max(neededBytes, bytes.length * 2));
  larger.set(bytes);
  return larger;
}
