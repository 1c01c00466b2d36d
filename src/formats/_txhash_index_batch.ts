/**
 * A batch of `.idx` build entries (txindex.md §3.4, §3.6): only what the index stores of a tx-hash
 * entry, in prefix order. The index bytes are a function of each block's multiset of (quotient,
 * payload) — the quotient is the top K + U + 8 ≤ 48 bits of the key, the payload its seq — and the
 * encoder orders the entries of one quotient itself (`_txhash_index_encoder.ts`). So the merge needs
 * neither key words 2–3 nor the total (key, seq) order of the runs: an entry here is three u32
 * words, key words 0–1 (big-endian: the key's top 64 bits) and the ledger seq, 12 bytes instead of
 * the run's 20, and a batch is sorted by (key word 0, key word 1) only. Entries whose top 64 bits
 * are equal come in no particular order.
 *
 * The merge fills a batch either by `gatherSorted` (one range of every run's read buffer: counting
 * scatter by the key bits after the range's shared prefix, then one insertion pass, which reorders
 * only within buckets; a bucket that skewed keys made large is comparison-sorted first, so no input
 * is quadratic) or, for ranges too skewed to gather, by `appendRunEntry` in heap order.
 * @module
 */

import { assert } from "../assert.ts";
import {
  SORT_PREFIX_BITS,
  assertSharedPrefixBits,
  digitBitsFor,
  sortLargeBuckets,
  startsFromSizes,
  zeroedBucketEnds,
} from "./_txhash_counting_sort.ts";
import { TXHASH_ENTRIES_MAX, TXHASH_RUN_ENTRY_WORDS, swapBytes32 } from "./txhash_entries.ts";

/** Words of one batch entry: key word 0, key word 1 (big-endian), ledger seq. */
export const TXHASH_INDEX_ENTRY_WORDS = 3;

assert(TXHASH_ENTRIES_MAX * TXHASH_INDEX_ENTRY_WORDS < 2 ** 32, "batch word indexes must stay below 2^32");

/** Slices of buffers in run layout (`TXHASH_RUN_ENTRY_WORDS`): slice i is slots [from[i], to[i]) of rawWords[i]. */
export interface TxhashRunSlices {
  rawWords: readonly Uint32Array[];
  from: Uint32Array;
  to: Uint32Array;
}

/** Index entries (key words 0–1, seq) of one merged range, in prefix order; reused range after range. */
export class TxhashIndexBatch {
  /** Entry i at [3i, 3i + 3): key word 0, key word 1 (big-endian, so numeric order is key order), seq. */
  entryWords: Uint32Array = new Uint32Array(0);
  readonly entryCountMax: number;
  #entryCount = 0;
  #digits = new Uint32Array(0);
  /** The scatter's bucket ends, kept between ranges. */
  #bucketEnds: Uint32Array = new Uint32Array(0);

  /** `entryCountMax`: the most entries the batch will hold (the merge's range or heap batch bound). */
  constructor(entryCountMax: number) {
    assert(Number.isInteger(entryCountMax), `entry bound ${entryCountMax} is not an integer`);
    assert(entryCountMax >= 0, `entry bound ${entryCountMax} is negative`);
    assert(entryCountMax <= TXHASH_ENTRIES_MAX, `entry bound ${entryCountMax} exceeds ${TXHASH_ENTRIES_MAX}`);
    this.entryCountMax = entryCountMax;
  }

  /** Entries held. */
  get entryCount(): number {
    return this.#entryCount;
  }

  /** Forgets every entry; keeps the allocated words. */
  clear(): void {
    this.#entryCount = 0;
  }

  /** Appends the entry at `slot` of a buffer in run layout, keeping key words 0–1 (swapped) and the seq. */
  appendRunEntry(rawWords: Uint32Array, slot: number): void {
    if (this.#entryCount * TXHASH_INDEX_ENTRY_WORDS === this.entryWords.length) this.#grow(this.#entryCount + 1);
    const to = this.#entryCount * TXHASH_INDEX_ENTRY_WORDS;
    const from = slot * TXHASH_RUN_ENTRY_WORDS;
    this.entryWords[to] = swapBytes32(rawWords[from]!);
    this.entryWords[to + 1] = swapBytes32(rawWords[from + 1]!);
    this.entryWords[to + 2] = rawWords[from + 4]!;
    this.#entryCount += 1;
  }

  /**
   * Replaces the contents with the entries of `slices` — buffers in a run's own layout (reference
   * §8.6), as a run reader holds them — in prefix order: the merge's range gather (txindex.md §3.6)
   * straight from the read buffers. Counting pass on the raw word 0, then the scatter swaps key
   * words 0–1 on their way in. Every key must share its top `sharedPrefixBits` bits.
   */
  gatherSorted(slices: TxhashRunSlices, sharedPrefixBits: number): void {
    assert(slices.rawWords.length === slices.from.length, "every slice names its first slot");
    assert(slices.rawWords.length === slices.to.length, "every slice names its end slot");
    assertSharedPrefixBits(sharedPrefixBits);
    let entryCount = 0;
    for (let slice = 0; slice < slices.rawWords.length; slice++) entryCount += slices.to[slice]! - slices.from[slice]!;
    this.clear();
    if (entryCount * TXHASH_INDEX_ENTRY_WORDS > this.entryWords.length) this.#grow(entryCount);
    this.#entryCount = entryCount;
    if (entryCount === 0) return;
    const digitBits = digitBitsFor(entryCount, sharedPrefixBits);
    this.#sortBuckets(this.#scatterRunSlices(slices, { sharedPrefixBits, digitBits }));
  }

  /** Counting scatter of `slices` (run layout) into `entryWords`; returns each bucket's end. */
  #scatterRunSlices(slices: TxhashRunSlices, digit: { sharedPrefixBits: number; digitBits: number }): Uint32Array {
    const entryCount = this.#entryCount;
    if (this.#digits.length < entryCount) this.#digits = new Uint32Array(this.entryWords.length / TXHASH_INDEX_ENTRY_WORDS);
    const digits = this.#digits;
    const { sharedPrefixBits, digitBits } = digit;
    const bucketEnds = (this.#bucketEnds = zeroedBucketEnds(this.#bucketEnds, digitBits));
    // The digit lies in key word 0 (integer shifts) unless a huge index cut the key space fine.
    const inWord0 = sharedPrefixBits + digitBits <= 32;
    const divisor = 2 ** (SORT_PREFIX_BITS - sharedPrefixBits - digitBits);
    const digitMask = 2 ** digitBits - 1;
    let entryIndex = 0;
    for (let slice = 0; slice < slices.rawWords.length; slice++) {
      const raw = slices.rawWords[slice]!;
      const to = slices.to[slice]! * TXHASH_RUN_ENTRY_WORDS;
      for (let word = slices.from[slice]! * TXHASH_RUN_ENTRY_WORDS; word < to; word += TXHASH_RUN_ENTRY_WORDS) {
        const key0 = swapBytes32(raw[word]!);
        const value = inWord0
          ? (key0 << sharedPrefixBits) >>> (32 - digitBits)
          : Math.floor((key0 * 65536 + (swapBytes32(raw[word + 1]!) >>> 16)) / divisor) & digitMask;
        digits[entryIndex++] = value;
        bucketEnds[value]! += 1;
      }
    }
    startsFromSizes(bucketEnds);
    const entryWords = this.entryWords;
    entryIndex = 0;
    for (let slice = 0; slice < slices.rawWords.length; slice++) {
      const raw = slices.rawWords[slice]!;
      const to = slices.to[slice]! * TXHASH_RUN_ENTRY_WORDS;
      for (let word = slices.from[slice]! * TXHASH_RUN_ENTRY_WORDS; word < to; word += TXHASH_RUN_ENTRY_WORDS) {
        const value = digits[entryIndex++]!;
        const position = bucketEnds[value]!;
        bucketEnds[value] = position + 1;
        const at = position * TXHASH_INDEX_ENTRY_WORDS;
        entryWords[at] = swapBytes32(raw[word]!);
        entryWords[at + 1] = swapBytes32(raw[word + 1]!);
        entryWords[at + 2] = raw[word + 4]!;
      }
    }
    return bucketEnds;
  }

  /** Finishes a sort after the counting scatter grouped the entries by digit (`bucketEnds`). */
  #sortBuckets(bucketEnds: Uint32Array): void {
    sortLargeBuckets(bucketEnds, (range) => this.#comparisonSort(range));
    // Entries are grouped by digit, so one insertion pass over all of them only reorders within a
    // bucket: no per-bucket loop (measured: the loop and its calls cost more than the moves).
    this.#insertionSort({ from: 0, to: this.#entryCount });
  }

  /** Sorts entries [from, to) in place by (key word 0, key word 1); buckets are a few entries, so linear in practice. */
  #insertionSort(range: { from: number; to: number }): void {
    const entryWords = this.entryWords;
    const fromWord = range.from * TXHASH_INDEX_ENTRY_WORDS;
    const toWord = range.to * TXHASH_INDEX_ENTRY_WORDS;
    for (let word = fromWord + TXHASH_INDEX_ENTRY_WORDS; word < toWord; word += TXHASH_INDEX_ENTRY_WORDS) {
      const key0 = entryWords[word]!;
      const before0 = entryWords[word - TXHASH_INDEX_ENTRY_WORDS]!;
      if (key0 > before0) continue; // already after its predecessor: most entries
      const key1 = entryWords[word + 1]!;
      if (key0 === before0 && key1 >= entryWords[word - TXHASH_INDEX_ENTRY_WORDS + 1]!) continue;
      const ledgerSeq = entryWords[word + 2]!;
      let at = word - TXHASH_INDEX_ENTRY_WORDS;
      for (; at >= fromWord; at -= TXHASH_INDEX_ENTRY_WORDS) {
        const at0 = entryWords[at]!;
        if (at0 < key0 || (at0 === key0 && entryWords[at + 1]! <= key1)) break;
        entryWords[at + 3] = at0;
        entryWords[at + 4] = entryWords[at + 1]!;
        entryWords[at + 5] = entryWords[at + 2]!;
      }
      entryWords[at + 3] = key0;
      entryWords[at + 4] = key1;
      entryWords[at + 5] = ledgerSeq;
    }
  }

  /** Sorts entries [from, to) in place with O(n log n) compares: buckets that skewed keys made large. */
  #comparisonSort(range: { from: number; to: number }): void {
    const size = range.to - range.from;
    const words = this.entryWords.slice(range.from * TXHASH_INDEX_ENTRY_WORDS, range.to * TXHASH_INDEX_ENTRY_WORDS);
    const order = new Uint32Array(size);
    for (let rank = 0; rank < size; rank++) order[rank] = rank * TXHASH_INDEX_ENTRY_WORDS;
    order.sort((a, b) => (words[a]! !== words[b]! ? words[a]! - words[b]! : words[a + 1]! - words[b + 1]!));
    for (let rank = 0; rank < size; rank++) {
      const from = order[rank]!;
      this.entryWords.set(words.subarray(from, from + TXHASH_INDEX_ENTRY_WORDS), (range.from + rank) * TXHASH_INDEX_ENTRY_WORDS);
    }
  }

  /** Reallocates the words to hold at least `entryCount` entries (doubling, up to the bound). */
  #grow(entryCount: number): void {
    assert(entryCount <= this.entryCountMax, `${entryCount} index entries exceed the batch bound ${this.entryCountMax}`);
    const capacity = this.entryWords.length / TXHASH_INDEX_ENTRY_WORDS;
    const grown = Math.min(this.entryCountMax, Math.max(entryCount, capacity * 2, 1024));
    const entryWords = new Uint32Array(grown * TXHASH_INDEX_ENTRY_WORDS);
    entryWords.set(this.entryWords.subarray(0, this.#entryCount * TXHASH_INDEX_ENTRY_WORDS));
    this.entryWords = entryWords;
  }
}
