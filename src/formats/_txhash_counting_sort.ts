/**
 * The counting-sort arithmetic shared by the tx-hash sorts: `TxhashEntries.sortInto` (a chunk's
 * full keys before its `.bin` run is written, reference §8.6) and `TxhashIndexBatch.gatherSorted`
 * (a range of the `.idx` build's merge, txindex.md §3.6). Both scatter by a digit of the key bits
 * (for a merge range, the bits after the prefix its keys share), then finish with one insertion
 * pass; keys are SHA-256 output, so buckets hold about two entries.
 * @module
 */

import { assert } from "../assert.ts";

/** Digits are taken from the top 48 bits of the key, which a float64 holds exactly. */
export const SORT_PREFIX_BITS = 48;
/** Buckets up to this size are insertion-sorted; larger ones (only under skew) use a comparison sort. */
const INSERTION_SORT_MAX = 16;
/** Counting-sort digits: at most 2^19 buckets (a 2 MiB count array; measured fastest for a dense chunk). */
const DIGIT_BITS_MAX = 19;
/** Digit bits beyond log2(entries): most buckets then hold zero or one entry, so few are reordered. */
const DIGIT_BITS_EXTRA = -1;

/** The sorts' shared prefix: a whole number of bits that leaves at least one digit bit. */
export function assertSharedPrefixBits(sharedPrefixBits: number): void {
  assert(Number.isInteger(sharedPrefixBits), `shared prefix bits ${sharedPrefixBits} is not an integer`);
  assert(sharedPrefixBits >= 0, `shared prefix bits ${sharedPrefixBits} is negative`);
  assert(sharedPrefixBits < SORT_PREFIX_BITS, `shared prefix bits ${sharedPrefixBits} leave no digit bits`);
}

/** Counting-sort digit bits for `entryCount` entries below a shared prefix. */
export function digitBitsFor(entryCount: number, sharedPrefixBits: number): number {
  return Math.max(1, Math.min(DIGIT_BITS_MAX, SORT_PREFIX_BITS - sharedPrefixBits, Math.ceil(Math.log2(entryCount)) + DIGIT_BITS_EXTRA));
}

/** `kept` if it has 2^digitBits buckets, else a new array of that size; zeroed either way. */
export function zeroedBucketEnds(kept: Uint32Array, digitBits: number): Uint32Array {
  const bucketEnds = kept.length === 2 ** digitBits ? kept : new Uint32Array(2 ** digitBits);
  bucketEnds.fill(0);
  return bucketEnds;
}

/** Turns bucket sizes into bucket starts in place; scattering then advances each to its end. */
export function startsFromSizes(bucketEnds: Uint32Array): void {
  let total = 0;
  for (let bucket = 0; bucket < bucketEnds.length; bucket++) {
    const size = bucketEnds[bucket]!;
    bucketEnds[bucket] = total;
    total += size;
  }
}

/**
 * Comparison-sorts (`sortRange`) every bucket holding more than INSERTION_SORT_MAX entries — only
 * skewed keys make one — so the one insertion pass that finishes the sort moves an entry only
 * within a small bucket (never quadratic).
 */
export function sortLargeBuckets(bucketEnds: Uint32Array, sortRange: (range: { from: number; to: number }) => void): void {
  let bucketStart = 0;
  for (let bucket = 0; bucket < bucketEnds.length; bucket++) {
    const bucketEnd = bucketEnds[bucket]!;
    if (bucketEnd - bucketStart > INSERTION_SORT_MAX) sortRange({ from: bucketStart, to: bucketEnd });
    bucketStart = bucketEnd;
  }
}
