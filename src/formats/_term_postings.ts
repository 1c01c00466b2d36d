/**
 * In-memory posting lists for one events segment, private to the segment writer (D7). Built in
 * one streaming pass over a chunk's events; `build()` returns the unique term keys sorted bytewise
 * and each term's delta-varint posting list (`posting_list.ts`) in that order.
 *
 * Memory is typed arrays only, no object per event or term (a dense chunk is ~10M events, ~37M
 * (event, term) pairs, ~2M terms; reference §11.8, §12.2):
 *   - per term:  its 16-byte key in a word arena, an open-addressing hash slot (≤ 50% load);
 *   - per pair:  the term's ordinal (u32) in an add log;
 *   - per event: how many pairs it added (u8).
 * ≈ 4 B/pair + 1 B/event + ~28 B/term while streaming; `build()` adds ~16 B/term and the encoded
 * lists (~2.5 B/pair). Event ids are implied: the add log is in event order.
 *
 * Keys are held as four big-endian u32 words, so comparing words compares bytes. Term keys are
 * MurmurHash3_x86_128 outputs (`event_terms.ts`), so every word is uniform: the hash table
 * indexes by word 3, and the sort buckets by the top 16 bits of word 0, then sorts each small
 * bucket by all words. (A crafted set of colliding-bucket keys only slows the sort to n log n.)
 * @module
 */

import { assert } from "../assert.ts";
import { GrowableU32 } from "./_growable_u32.ts";
import { TERM_KEY_BYTES, TERMS_PER_EVENT_MAX } from "./event_terms.ts";
import { varintBytes, writeVarint } from "./posting_list.ts";

const U32_MAX = 0xffff_ffff;
/** A bound far above a dense chunk's ~2.6M terms; keeps the hash table's Uint32Array allocatable. */
const TERM_COUNT_MAX = 2 ** 28;
const INITIAL_SLOTS = 1024;
const WORDS_PER_KEY = TERM_KEY_BYTES / 4;
const SORT_BUCKETS = 65_536;
/** Buckets up to this size use insertion sort; a dense chunk averages ~35 keys per bucket. */
const INSERTION_SORT_MAX = 64;

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
  /** Term ordinal o's key is words [4o, 4o + 4), big-endian. */
  #keyWords = new Uint32Array(INITIAL_SLOTS * WORDS_PER_KEY);
  #termCount = 0;
  /** ordinal + 1 of the term in each slot; 0 = empty. Capacity is a power of two. */
  #slots = new Uint32Array(INITIAL_SLOTS);
  readonly #pairTerms = new GrowableU32(U32_MAX);
  #eventPairCounts = new Uint8Array(INITIAL_SLOTS);
  #eventCount = 0;
  readonly #eventOrdinals = new Uint32Array(TERMS_PER_EVENT_MAX);
  readonly #probe = new Uint32Array(WORDS_PER_KEY);

  get eventCount(): number {
    return this.#eventCount;
  }

  get termCount(): number {
    return this.#termCount;
  }

  /** Records the next event (id = events so far) carrying `termKeys`; a repeated key counts once. */
  addEvent(termKeys: readonly Uint8Array[]): void {
    // Per-event hot path: constant messages (a template would be built on every call).
    assert(termKeys.length <= TERMS_PER_EVENT_MAX, "an event carries at most 5 terms");
    assert(this.#eventCount < U32_MAX, "segment already holds u32-max events");
    let pairCount = 0;
    for (const termKey of termKeys) {
      assert(termKey.length === TERM_KEY_BYTES, "a term key is 16 bytes");
      const ordinal = this.#ordinalOf(termKey);
      if (this.#alreadyInEvent(ordinal, pairCount)) continue;
      this.#eventOrdinals[pairCount++] = ordinal;
      this.#pairTerms.push(ordinal);
    }
    if (this.#eventCount === this.#eventPairCounts.length) this.#eventPairCounts = grown(this.#eventPairCounts, this.#eventCount + 1);
    this.#eventPairCounts[this.#eventCount++] = pairCount;
  }

  #alreadyInEvent(ordinal: number, pairCount: number): boolean {
    for (let i = 0; i < pairCount; i++) if (this.#eventOrdinals[i] === ordinal) return true;
    return false;
  }

  /** Sorts the terms and encodes every posting list. The builder must not be used afterwards. */
  build(): BuiltPostings {
    this.#slots = new Uint32Array(0); // release the hash table before the build allocates
    const termCount = this.#termCount;
    const order = this.#sortedOrdinals();
    const rankOfOrdinal = new Uint32Array(termCount);
    const sortedKeys = new Uint8Array(termCount * TERM_KEY_BYTES);
    const sortedView = new DataView(sortedKeys.buffer);
    for (let rank = 0; rank < termCount; rank++) {
      const ordinal = order[rank]!;
      rankOfOrdinal[ordinal] = rank;
      for (let word = 0; word < WORDS_PER_KEY; word++) {
        sortedView.setUint32(rank * TERM_KEY_BYTES + 4 * word, this.#keyWords[ordinal * WORDS_PER_KEY + word]!, false);
      }
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
    const cursor = { bytes: postings, byteOffset: 0 };
    this.#forEachPair(rankOfOrdinal, (rank, delta) => {
      cursor.byteOffset = cursors[rank]!;
      writeVarint(delta, cursor);
      cursors[rank] = cursor.byteOffset;
    });
    for (let rank = 0; rank < termCount; rank++) {
      assert(cursors[rank] === postingEnds[rank], "a posting list wrote other than its planned bytes");
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
    assert(pair === pairTerms.length, "visited other than every pair");
  }

  /** Ordinals in ascending key order: bucket by the top 16 bits, then sort each bucket. */
  #sortedOrdinals(): Uint32Array {
    const termCount = this.#termCount;
    const words = this.#keyWords;
    const bucketStarts = new Uint32Array(SORT_BUCKETS + 1);
    for (let ordinal = 0; ordinal < termCount; ordinal++) bucketStarts[(words[ordinal * WORDS_PER_KEY]! >>> 16) + 1]! += 1;
    for (let bucket = 0; bucket < SORT_BUCKETS; bucket++) bucketStarts[bucket + 1]! += bucketStarts[bucket]!;
    const cursors = bucketStarts.slice(0, SORT_BUCKETS);
    const order = new Uint32Array(termCount);
    for (let ordinal = 0; ordinal < termCount; ordinal++) order[cursors[words[ordinal * WORDS_PER_KEY]! >>> 16]!++] = ordinal;
    const byKey = (a: number, b: number): number => {
      for (let word = 0; word < WORDS_PER_KEY; word++) {
        const difference = words[a * WORDS_PER_KEY + word]! - words[b * WORDS_PER_KEY + word]!;
        if (difference !== 0) return difference;
      }
      return 0;
    };
    for (let bucket = 0; bucket < SORT_BUCKETS; bucket++) {
      // Up to ~10^5 terms most of the 2^16 buckets hold 0 or 1 of them: no view, no sort call for those.
      if (bucketStarts[bucket + 1]! - bucketStarts[bucket]! <= 1) continue;
      const bucketOrdinals = order.subarray(bucketStarts[bucket]!, bucketStarts[bucket + 1]!);
      if (bucketOrdinals.length <= INSERTION_SORT_MAX) insertionSort(bucketOrdinals, byKey);
      else bucketOrdinals.sort(byKey); // a crafted, crowded bucket still sorts in n log n
    }
    return order;
  }

  /** The ordinal of `termKey`, inserting it when new. */
  #ordinalOf(termKey: Uint8Array): number {
    const probe = this.#probe;
    for (let word = 0; word < WORDS_PER_KEY; word++) {
      const at = word * 4;
      probe[word] = ((termKey[at]! << 24) | (termKey[at + 1]! << 16) | (termKey[at + 2]! << 8) | termKey[at + 3]!) >>> 0;
    }
    const words = this.#keyWords;
    const mask = this.#slots.length - 1;
    let slot = probe[3]! & mask;
    // Ends within capacity probes: the table is at most half full, so an empty slot exists.
    for (;;) {
      const stored = this.#slots[slot]!;
      if (stored === 0) break;
      const base = (stored - 1) * WORDS_PER_KEY;
      if (words[base] === probe[0] && words[base + 1] === probe[1] && words[base + 2] === probe[2] && words[base + 3] === probe[3]) {
        return stored - 1;
      }
      slot = (slot + 1) & mask;
    }
    assert(this.#termCount < TERM_COUNT_MAX, "segment exceeds 2^28 unique terms");
    const ordinal = this.#termCount++;
    if (this.#keyWords.length < this.#termCount * WORDS_PER_KEY) {
      const larger = new Uint32Array(this.#keyWords.length * 2);
      larger.set(this.#keyWords);
      this.#keyWords = larger;
    }
    this.#keyWords.set(probe, ordinal * WORDS_PER_KEY);
    if (this.#termCount * 2 > this.#slots.length) {
      this.#rehash(this.#slots.length * 2);
      return ordinal;
    }
    this.#slots[slot] = ordinal + 1;
    return ordinal;
  }

  /** Rebuilds the table at `capacity` slots from the key words (includes the newest term). */
  #rehash(capacity: number): void {
    const slots = new Uint32Array(capacity);
    const mask = capacity - 1;
    for (let ordinal = 0; ordinal < this.#termCount; ordinal++) {
      let slot = this.#keyWords[ordinal * WORDS_PER_KEY + 3]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = ordinal + 1;
    }
    this.#slots = slots;
  }
}

/** Sorts a small `items` in place by `compare`. */
function insertionSort(items: Uint32Array, compare: (a: number, b: number) => number): void {
  for (let i = 1; i < items.length; i++) {
    const item = items[i]!;
    let j = i - 1;
    while (j >= 0 && compare(items[j]!, item) > 0) {
      items[j + 1] = items[j]!;
      j--;
    }
    items[j + 1] = item;
  }
}

function grown(bytes: Uint8Array, neededBytes: number): Uint8Array<ArrayBuffer> {
  const larger = new Uint8Array(Math.max(neededBytes, bytes.length * 2));
  larger.set(bytes);
  return larger;
}
