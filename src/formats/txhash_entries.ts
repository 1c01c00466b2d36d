/**
 * Tx-hash entries in columns: (16-byte key = tx hash bytes 0..15, absolute ledger seq) pairs, the
 * unit of the `.bin` run (reference §8.6). One chunk's entries are collected here before
 * `writeTxhashRun` sorts and writes them (D8: a fee bump adds its inner hash as a second entry).
 * The `.idx` build does not use this type: its merge keeps only what the index stores
 * (`_txhash_index_batch.ts`).
 *
 * Keys are held as four big-endian u32 words, so numeric order on the words is the bytewise order
 * of the key. The total order of entries is (key, then ledger seq): duplicate keys are kept and
 * sorted by seq, so a sorted set of entries has exactly one byte image.
 *
 * Sorting is one counting pass on the top bits of the key (keys are SHA-256 output,
 * hence uniform: buckets hold about two entries), then one insertion pass over the whole array,
 * which reorders only within buckets; a bucket that skewed input made large is comparison-sorted
 * first, so no input is quadratic (`_txhash_counting_sort.ts`).
 * @module
 */

import { InvariantError, assert } from "../assert.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { digitBitsFor, sortLargeBuckets, startsFromSizes, zeroedBucketEnds } from "./_txhash_counting_sort.ts";

/** Bytes of a tx-hash key: the first 16 bytes of the 32-byte hash (reference §8.6). */
export const TXHASH_KEY_BYTES = 16;
/** Key words per entry: the key as four big-endian u32. */
export const TXHASH_KEY_WORDS = TXHASH_KEY_BYTES / 4;
/**
 * The most entries one `TxhashEntries` holds. A dense chunk has about 3M entries (reference §12.1)
 * and D8 at most doubles that; 2^27 is over 40 times more and keeps the columns under 2.7 GiB.
 */
export const TXHASH_ENTRIES_MAX = 2 ** 27;

/**
 * Words of one entry as a run stores it (reference §8.6): the 16 key bytes as four u32 loaded
 * little-endian (`swapBytes32` gives the big-endian key word), then the seq (u32 LE).
 */
export const TXHASH_RUN_ENTRY_WORDS = TXHASH_KEY_WORDS + 1;

assert(TXHASH_KEY_WORDS === 4, "a tx-hash key is four u32 words");
assert(TXHASH_ENTRIES_MAX * TXHASH_KEY_WORDS < 2 ** 32, "key word indexes must stay below 2^32");

/** Swaps the byte order of a u32: a little-endian load of 4 key bytes ↔ their big-endian value. */
export function swapBytes32(word: number): number {
  return ((word >>> 24) | ((word >>> 8) & 0xff00) | ((word & 0xff00) << 8) | (word << 24)) >>> 0;
}

/** Options for `new TxhashEntries()`. */
export interface TxhashEntriesOptions {
  /** Entries allocated up front; the columns double as needed up to `entryCountMax`. */
  initialCapacity?: number;
  /** The bound on `entryCount`; adding past it is a bug (assert). Default `TXHASH_ENTRIES_MAX`. */
  entryCountMax?: number;
}

/** (key, ledger seq) pairs in columns, in insertion order; `sortInto()` writes them sorted elsewhere. */
export class TxhashEntries {
  /** Key words of entry i at [4i, 4i + 4), big-endian: numeric order is bytewise key order. */
  keyWords: Uint32Array;
  /** Absolute ledger seq of entry i. */
  ledgerSeqs: Uint32Array;
  readonly entryCountMax: number;
  #entryCount = 0;
  #digits = new Uint32Array(0);
  /** `sortInto`'s bucket ends, kept between calls. */
  #bucketEnds: Uint32Array = new Uint32Array(0);

  constructor(options: TxhashEntriesOptions = {}) {
    const entryCountMax = options.entryCountMax ?? TXHASH_ENTRIES_MAX;
    const initialCapacity = Math.min(options.initialCapacity ?? 1024, entryCountMax);
    assert(Number.isInteger(entryCountMax), `entry bound ${entryCountMax} is not an integer`);
    assert(entryCountMax <= TXHASH_ENTRIES_MAX, `entry bound ${entryCountMax} exceeds ${TXHASH_ENTRIES_MAX}`);
    assert(initialCapacity >= 0, `initial capacity ${initialCapacity} is negative`);
    this.entryCountMax = entryCountMax;
    this.keyWords = new Uint32Array(initialCapacity * TXHASH_KEY_WORDS);
    this.ledgerSeqs = new Uint32Array(initialCapacity);
  }

  /** Entries held. */
  get entryCount(): number {
    return this.#entryCount;
  }

  /** Adds the key of `txHash` (its first 16 bytes; a 32-byte hash is the usual input) at `ledgerSeq`. */
  add(txHash: Uint8Array, ledgerSeq: LedgerSeq): void {
    // Hot path: no assert() here, its message would be built on every call.
    if (txHash.length < TXHASH_KEY_BYTES) throw new InvariantError(`tx hash of ${txHash.length} bytes is shorter than a key`);
    if (this.#entryCount === this.ledgerSeqs.length) this.#grow(this.#entryCount + 1);
    const entryIndex = this.#entryCount;
    const wordIndex = entryIndex * TXHASH_KEY_WORDS;
    for (let word = 0; word < TXHASH_KEY_WORDS; word++) {
      const byteIndex = word * 4;
      this.keyWords[wordIndex + word] =
        ((txHash[byteIndex]! << 24) | (txHash[byteIndex + 1]! << 16) | (txHash[byteIndex + 2]! << 8) |
          txHash[byteIndex + 3]!) >>> 0;
    }
    this.ledgerSeqs[entryIndex] = ledgerSeq;
    this.#entryCount = entryIndex + 1;
  }

  /** Forgets every entry; keeps the allocated columns. */
  clear(): void {
    this.#entryCount = 0;
  }

  /** Total order of entries a and b: key bytewise, then ledger seq. */
  compare(a: number, b: number): number {
    const keyWords = this.keyWords;
    const wordA = a * TXHASH_KEY_WORDS;
    const wordB = b * TXHASH_KEY_WORDS;
    for (let word = 0; word < TXHASH_KEY_WORDS; word++) {
      const x = keyWords[wordA + word]!;
      const y = keyWords[wordB + word]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    const seqA = this.ledgerSeqs[a]!;
    const seqB = this.ledgerSeqs[b]!;
    return seqA < seqB ? -1 : seqA > seqB ? 1 : 0;
  }

  /**
   * Replaces the contents of `target` with these entries in total order: the counting pass
   * scatters entries by the top bits of key word 0, then each bucket is sorted in place.
   */
  sortInto(target: TxhashEntries): void {
    assert(target !== this, "sortInto() needs a separate target");
    const entryCount = this.#entryCount;
    target.clear();
    if (entryCount > target.ledgerSeqs.length) target.#grow(entryCount);
    target.#entryCount = entryCount;
    if (entryCount === 0) return;
    target.#sortBuckets(this.#scatterByDigit(target, digitBitsFor(entryCount, 0)));
  }

  /** Finishes a sort after the counting scatter grouped the entries by digit (`bucketEnds`). */
  #sortBuckets(bucketEnds: Uint32Array): void {
    sortLargeBuckets(bucketEnds, (range) => this.#comparisonSort(range));
    // Entries are grouped by digit, so one insertion pass over all of them only reorders within a
    // bucket: no per-bucket loop (measured: the loop and its calls cost more than the moves).
    this.#insertionSort({ from: 0, to: this.#entryCount });
  }

  /** Copies every entry into `target` grouped by digit (counting sort); returns each bucket's end. */
  #scatterByDigit(target: TxhashEntries, digitBits: number): Uint32Array {
    // At most DIGIT_BITS_MAX (19) bits: the digit is the top of key word 0, taken with integer shifts.
    assert(digitBits <= 32, `digit of ${digitBits} bits exceeds key word 0`);
    const entryCount = this.#entryCount;
    if (this.#digits.length < entryCount) this.#digits = new Uint32Array(this.ledgerSeqs.length);
    const digits = this.#digits;
    const keyWords = this.keyWords;
    const ledgerSeqs = this.ledgerSeqs;
    const bucketEnds = (this.#bucketEnds = zeroedBucketEnds(this.#bucketEnds, digitBits));
    for (let entryIndex = 0; entryIndex < entryCount; entryIndex++) {
      const value = keyWords[entryIndex * TXHASH_KEY_WORDS]! >>> (32 - digitBits);
      digits[entryIndex] = value;
      bucketEnds[value]! += 1;
    }
    startsFromSizes(bucketEnds);
    const targetKeyWords = target.keyWords;
    const targetLedgerSeqs = target.ledgerSeqs;
    for (let entryIndex = 0; entryIndex < entryCount; entryIndex++) {
      const value = digits[entryIndex]!;
      const position = bucketEnds[value]!;
      bucketEnds[value] = position + 1;
      const from = entryIndex * TXHASH_KEY_WORDS;
      const to = position * TXHASH_KEY_WORDS;
      targetKeyWords[to] = keyWords[from]!;
      targetKeyWords[to + 1] = keyWords[from + 1]!;
      targetKeyWords[to + 2] = keyWords[from + 2]!;
      targetKeyWords[to + 3] = keyWords[from + 3]!;
      targetLedgerSeqs[position] = ledgerSeqs[entryIndex]!;
    }
    return bucketEnds;
  }

  /** Sorts entries [from, to) in place; buckets are a few entries, so this is linear in practice. */
  #insertionSort(range: { from: number; to: number }): void {
    const keyWords = this.keyWords;
    const ledgerSeqs = this.ledgerSeqs;
    for (let i = range.from + 1; i < range.to; i++) {
      const word = i * TXHASH_KEY_WORDS;
      const key0 = keyWords[word]!;
      if (key0 > keyWords[word - TXHASH_KEY_WORDS]!) continue; // already after its predecessor: most entries
      const key1 = keyWords[word + 1]!;
      const key2 = keyWords[word + 2]!;
      const key3 = keyWords[word + 3]!;
      const ledgerSeq = ledgerSeqs[i]!;
      let j = i - 1;
      for (; j >= range.from; j--) {
        const at = j * TXHASH_KEY_WORDS;
        const order =
          keyWords[at]! !== key0 ? keyWords[at]! - key0 : keyWords[at + 1]! !== key1 ? keyWords[at + 1]! - key1 :
          keyWords[at + 2]! !== key2 ? keyWords[at + 2]! - key2 : keyWords[at + 3]! !== key3 ? keyWords[at + 3]! - key3 :
          ledgerSeqs[j]! - ledgerSeq;
        if (order <= 0) break;
        keyWords[at + 4] = keyWords[at]!;
        keyWords[at + 5] = keyWords[at + 1]!;
        keyWords[at + 6] = keyWords[at + 2]!;
        keyWords[at + 7] = keyWords[at + 3]!;
        ledgerSeqs[j + 1] = ledgerSeqs[j]!;
      }
      const to = (j + 1) * TXHASH_KEY_WORDS;
      keyWords[to] = key0;
      keyWords[to + 1] = key1;
      keyWords[to + 2] = key2;
      keyWords[to + 3] = key3;
      ledgerSeqs[j + 1] = ledgerSeq;
    }
  }

  /** Sorts entries [from, to) in place with O(n log n) compares: buckets that skewed keys made large. */
  #comparisonSort(range: { from: number; to: number }): void {
    const size = range.to - range.from;
    const order = new Uint32Array(size);
    for (let rank = 0; rank < size; rank++) order[rank] = range.from + rank;
    order.sort((a, b) => this.compare(a, b));
    const keyWords = this.keyWords.slice(range.from * TXHASH_KEY_WORDS, range.to * TXHASH_KEY_WORDS);
    const ledgerSeqs = this.ledgerSeqs.slice(range.from, range.to);
    for (let rank = 0; rank < size; rank++) {
      const from = order[rank]! - range.from;
      const to = range.from + rank;
      this.keyWords.set(keyWords.subarray(from * TXHASH_KEY_WORDS, (from + 1) * TXHASH_KEY_WORDS), to * TXHASH_KEY_WORDS);
      this.ledgerSeqs[to] = ledgerSeqs[from]!;
    }
  }

  /** Reallocates the columns to hold at least `entryCount` entries (doubling, up to the bound). */
  #grow(entryCount: number): void {
    assert(entryCount <= this.entryCountMax, `${entryCount} tx-hash entries exceed the bound ${this.entryCountMax}`);
    const capacity = this.ledgerSeqs.length;
    const grown = Math.min(this.entryCountMax, Math.max(entryCount, capacity * 2, 1024));
    const keyWords = new Uint32Array(grown * TXHASH_KEY_WORDS);
    keyWords.set(this.keyWords.subarray(0, this.#entryCount * TXHASH_KEY_WORDS));
    const ledgerSeqs = new Uint32Array(grown);
    ledgerSeqs.set(this.ledgerSeqs.subarray(0, this.#entryCount));
    this.keyWords = keyWords;
    this.ledgerSeqs = ledgerSeqs;
  }
}
