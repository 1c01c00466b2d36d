/**
 * Streaming merge of many sorted tx-hash runs (`.bin`, reference §8.6) into one stream of index
 * entries in prefix order, with bounded memory — the input of the `.idx` build (txindex.md §3.4,
 * §3.6). An index entry is what the index stores of a run entry: key words 0–1 and the seq
 * (`_txhash_index_batch.ts`); prefix order is ascending by those key words, ties in no particular
 * order. That is all the encoder needs: the index bytes depend only on each block's multiset of
 * (quotient, payload), the quotient is the key's top K + U + 8 ≤ 48 bits, and the encoder orders
 * the entries of one quotient itself. The runs themselves are still validated in their full
 * (key, seq) order as they are read (`txhash_run.ts`).
 *
 * Strategy: the range-partitioned gather of txindex.md §3.6. The key space is cut into 2^rangeBits
 * prefix ranges sized so one range holds about half of `rangeEntryCapacity` entries (tx hashes are
 * SHA-256, so ranges are balanced). Because every run is sorted, its entries of one range are
 * contiguous: for each range we find each run's slice in its read buffer (a binary search; a
 * slice that reaches the buffer's end is completed by a refill that keeps the unread entries),
 * then count-sort all slices straight from the raw buffers into the batch
 * (`TxhashIndexBatch.gatherSorted`: no decoded copy of the runs, no unsorted copy of the range,
 * 12 bytes written per entry) and emit it. Every run is still read once, sequentially. This
 * replaces log2(k) heap steps per key with a few array passes and measured about 2× a binary heap
 * in Bun (docs/formats.md, bench/txhash_index_bench.ts).
 *
 * Bound under skew: a range that would overflow `rangeEntryCapacity` (keys ground into one
 * prefix), or a run's slice that would not fit its read buffer, is not grown; nothing of the range
 * has been consumed, so the range is merged with a binary heap instead, which needs one buffered
 * entry per run. Memory is therefore runs × read buffer + capacity × 16 B, whatever the key
 * distribution (an index entry is 12 B; the batch's digits 4 B more).
 *
 * Partitioned (`options.partition`, a parallel build's share, txhash_index_partition.ts): only the
 * ranges inside [keyWord0From, keyWord0End) are merged, each run read between the entry bounds a
 * binary search found; that claim is re-checked against the bytes (module doc there).
 * @module
 */

import { assert } from "../assert.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { TxhashIndexBatch, type TxhashRunSlices } from "./_txhash_index_batch.ts";
import { TXHASH_RUN_ENTRY_WORDS, swapBytes32 } from "./txhash_entries.ts";
import { TxhashRunReader, openTxhashRun } from "./txhash_run.ts";

/** Default range bound: 2^16 entries (a 768 KiB batch; an average range of half that stays in L2/L3 while it is sorted: 2^16 merged 20M keys at 22–23 M keys/s against 16–20 for 2^18 and 18 for 2^15). */
const RANGE_ENTRY_CAPACITY_DEFAULT = 1 << 16;
/** Entries per batch emitted by the heap fallback. */
const HEAP_BATCH_ENTRIES = 1 << 16;
/**
 * Run read buffers share this budget (each at least READ_BUFFER_BYTES_MIN: 16 KiB for 1000 runs;
 * reference: 128 KiB per file). Small, so a run's buffered entries are still in cache when a later
 * range gathers them: 4 MiB merged 100 runs 10–15% faster than 64 MiB (docs/formats.md).
 */
const READ_BUDGET_BYTES = 4 << 20;
const READ_BUFFER_BYTES_MIN = 16 << 10;
const READ_BUFFER_BYTES_MAX = 1 << 20;
/** At most 2^24 ranges; with the default capacity that covers over 8·10^12 keys. */
const RANGE_BITS_MAX = 24;
/** Runs merged at once: a window is 1000 chunks (D1); the bound keeps file handles finite. */
export const TXHASH_MERGE_RUNS_MAX = 4096;

/** Options for `openTxhashRunMerge`. */
export interface TxhashRunMergeOptions {
  /** Every entry's seq must be ≥ this (index coverage, reference §8.7), else `CorruptFileError`. */
  ledgerSeqMin?: number;
  /** Every entry's seq must be ≤ this, else `CorruptFileError` naming the run and entry. */
  ledgerSeqMax?: number;
  /**
   * Most entries one gathered range may hold. Ranges that would exceed it are heap-merged. 0
   * disables the gather and heap-merges everything (the bench's baseline). Default 2^16.
   */
  rangeEntryCapacity?: number;
  /** Merge only one key partition (a parallel `.idx` build, txindex.md §3.6); default all keys. */
  partition?: TxhashMergePartition;
}

/**
 * The keys whose word 0 lies in [keyWord0From, keyWord0End): run i holds them at its entries
 * `runEntryBounds[i]` (found by binary search, `txhash_index_partition.ts`).
 */
export interface TxhashMergePartition {
  keyWord0From: number;
  keyWord0End: number;
  runEntryBounds: readonly { firstEntryIndex: number; endEntryIndex: number }[];
}

/** Key word 0 spans [0, 2^32). */
const KEY_WORD0_END = 2 ** 32;

/** Opens every run (validating sizes) and returns the merge; call `close()` when done. */
export function openTxhashRunMerge(runPaths: readonly string[], options: TxhashRunMergeOptions = {}): TxhashRunMerge {
  assert(runPaths.length <= TXHASH_MERGE_RUNS_MAX, `${runPaths.length} runs exceed the merge bound ${TXHASH_MERGE_RUNS_MAX}`);
  const bufferBytes = Math.min(
    READ_BUFFER_BYTES_MAX,
    Math.max(READ_BUFFER_BYTES_MIN, Math.floor(READ_BUDGET_BYTES / Math.max(1, runPaths.length))),
  );
  const partition = options.partition;
  assert(partition === undefined || partition.runEntryBounds.length === runPaths.length, "a partition names entry bounds for every run");
  const readers: TxhashRunReader[] = [];
  try {
    for (let runIndex = 0; runIndex < runPaths.length; runIndex++) {
      readers.push(
        openTxhashRun(runPaths[runIndex]!, {
          bufferBytes,
          ledgerSeqMin: options.ledgerSeqMin,
          ledgerSeqMax: options.ledgerSeqMax,
          entryBounds: partition?.runEntryBounds[runIndex],
          columns: false,
        }),
      );
    }
  } catch (err) {
    for (const reader of readers) reader.close();
    throw err;
  }
  return new TxhashRunMerge(readers, {
    rangeEntryCapacity: options.rangeEntryCapacity ?? RANGE_ENTRY_CAPACITY_DEFAULT,
    keyWord0From: partition?.keyWord0From ?? 0,
    keyWord0End: partition?.keyWord0End ?? KEY_WORD0_END,
  });
}

/**
 * The merged stream of a set of runs. `batches()` yields `TxhashIndexBatch`es in prefix order; each
 * batch is reused, so it is valid only until the next one is requested.
 */
export class TxhashRunMerge {
  /** Entries in the runs' bounds (all of them unless partitioned): exactly what `batches()` yields. */
  readonly entryCount: number;
  /** Top key bits that define a gather range. */
  readonly rangeBits: number;
  readonly #readers: TxhashRunReader[];
  readonly #rangeEntryCapacity: number;
  readonly #keyWord0From: number;
  readonly #keyWord0End: number;
  #started = false;

  /** Use `openTxhashRunMerge`; takes ownership of the readers. */
  constructor(readers: TxhashRunReader[], options: { rangeEntryCapacity: number; keyWord0From: number; keyWord0End: number }) {
    const { rangeEntryCapacity: capacity, keyWord0From, keyWord0End } = options;
    assert(Number.isInteger(capacity), `range capacity ${capacity} is not an integer`);
    assert(capacity >= 0, `range capacity ${capacity} is negative`);
    assert(Number.isInteger(keyWord0From), `partition start ${keyWord0From} is not an integer`);
    assert(keyWord0From >= 0, `partition start ${keyWord0From} is negative`);
    assert(keyWord0From <= keyWord0End, `partition [${keyWord0From}, ${keyWord0End}) is reversed`);
    assert(keyWord0End <= KEY_WORD0_END, `partition end ${keyWord0End} exceeds 2^32`);
    this.#readers = readers;
    this.#rangeEntryCapacity = capacity;
    this.#keyWord0From = keyWord0From;
    this.#keyWord0End = keyWord0End;
    let entryCount = 0;
    for (const reader of readers) entryCount += reader.endEntryIndex - reader.firstEntryIndex;
    assert(Number.isSafeInteger(entryCount), `merged entry count ${entryCount} exceeds 2^53`);
    this.entryCount = entryCount;
    // Ranges cut the whole key space, so size them by the keys the whole space would hold.
    const keySpaceShare = Math.max(1, keyWord0End - keyWord0From) / KEY_WORD0_END;
    this.rangeBits = capacity === 0 ? 0 : rangeBitsFor(Math.ceil(entryCount / keySpaceShare), capacity);
  }

  /** Yields the index entry of every run entry in prefix order, in batches. Single use. */
  *batches(): Generator<TxhashIndexBatch> {
    assert(!this.#started, "a run merge is consumed once");
    this.#started = true;
    const capacity = this.#rangeEntryCapacity;
    const batch = new TxhashIndexBatch(Math.max(HEAP_BATCH_ENTRIES, Math.min(capacity, this.entryCount)));
    const slices: TxhashRunSlices = {
      rawWords: this.#readers.map((reader) => reader.rawWords),
      from: new Uint32Array(this.#readers.length),
      to: new Uint32Array(this.#readers.length),
    };
    const rangeWidth = 2 ** (32 - this.rangeBits);
    this.#checkPartitionStarts();
    let yieldedCount = 0;
    // The partition's ranges: the first and last may be cut by its bounds (the readers stop there).
    const rangeIndexEnd = Math.ceil(this.#keyWord0End / rangeWidth);
    for (let rangeIndex = Math.floor(this.#keyWord0From / rangeWidth); rangeIndex < rangeIndexEnd; rangeIndex++) {
      const keyWord0End = Math.min(this.#keyWord0End, (rangeIndex + 1) * rangeWidth);
      if (capacity > 0 && this.#findSlices(slices, keyWord0End)) {
        batch.gatherSorted(slices, this.rangeBits);
        for (let runIndex = 0; runIndex < this.#readers.length; runIndex++) this.#readers[runIndex]!.cursor = slices.to[runIndex]!;
        if (batch.entryCount === 0) continue;
        yieldedCount += batch.entryCount;
        yield batch;
        continue;
      }
      // Overflow (skewed keys) or no gather: nothing of this range was consumed; heap-merge it.
      for (const heapBatch of this.#heapMergeRange(batch, keyWord0End)) {
        yieldedCount += heapBatch.entryCount;
        yield heapBatch;
      }
    }
    for (const reader of this.#readers) {
      if (reader.nextEntryIndex === reader.endEntryIndex) continue;
      // The binary search put this entry below the partition end, the stream put it above: unsorted.
      throw new CorruptFileError(reader.path, `entry ${reader.nextEntryIndex} lies beyond its key partition: the run is not sorted`);
    }
    assert(yieldedCount === this.entryCount, `merge yielded ${yieldedCount} entries, headers say ${this.entryCount}`);
  }

  /** A partition's runs must start at or above its first key (the binary search's claim, re-read). */
  #checkPartitionStarts(): void {
    if (this.#keyWord0From === 0) return;
    for (const reader of this.#readers) {
      if (reader.cursor === reader.bufferedCount && reader.refill() === 0) continue;
      if (keyWord0At(reader, reader.cursor) >= this.#keyWord0From) continue;
      throw new CorruptFileError(reader.path, `entry ${reader.nextEntryIndex} lies before its key partition: the run is not sorted`);
    }
  }

  /** Closes every run. Idempotent. */
  close(): void {
    for (const reader of this.#readers) reader.close();
  }

  /**
   * Sets each run's slice of the range below `keyWord0End`: buffer slots [cursor, to). False when
   * they do not fit: more than the range capacity in all, or a run's slice larger than its buffer
   * (the caller heap-merges the range; no reader's cursor moved).
   */
  #findSlices(slices: TxhashRunSlices, keyWord0End: number): boolean {
    let entryCount = 0;
    for (let runIndex = 0; runIndex < this.#readers.length; runIndex++) {
      const reader = this.#readers[runIndex]!;
      if (reader.cursor === reader.bufferedCount) reader.refill();
      let end = firstSlotAtOrAbove(reader, keyWord0End);
      if (end === reader.bufferedCount && !bufferHoldsRunEnd(reader) && reader.cursor > 0) {
        // The slice reaches the buffer's end and goes on: the refill keeps it and reads after it.
        reader.refill();
        end = firstSlotAtOrAbove(reader, keyWord0End);
      }
      if (end === reader.bufferedCount && !bufferHoldsRunEnd(reader)) return false; // the slice outgrows the buffer
      slices.from[runIndex] = reader.cursor;
      slices.to[runIndex] = end;
      entryCount += end - reader.cursor;
      if (entryCount > this.#rangeEntryCapacity) return false;
    }
    return true;
  }

  /** Binary-heap k-way merge of the runs' entries below `keyWord0End`, in batches of `batch`. */
  *#heapMergeRange(batch: TxhashIndexBatch, keyWord0End: number): Generator<TxhashIndexBatch> {
    const readers = this.#readers;
    const heap = new Int32Array(readers.length);
    let heapSize = 0;
    for (let runIndex = 0; runIndex < readers.length; runIndex++) {
      if (hasEntryBelow(readers[runIndex]!, keyWord0End)) heap[heapSize++] = runIndex;
    }
    for (let node = (heapSize >> 1) - 1; node >= 0; node--) siftDown(readers, { heap, heapSize, node });
    batch.clear();
    const batchEntriesMax = Math.min(batch.entryCountMax, HEAP_BATCH_ENTRIES);
    while (heapSize > 0) {
      const reader = readers[heap[0]!]!;
      batch.appendRunEntry(reader.rawWords, reader.cursor);
      reader.cursor += 1;
      if (!hasEntryBelow(reader, keyWord0End)) heap[0] = heap[--heapSize]!;
      siftDown(readers, { heap, heapSize, node: 0 });
      if (batch.entryCount === batchEntriesMax) {
        yield batch;
        batch.clear();
      }
    }
    if (batch.entryCount > 0) yield batch;
  }
}

/** The fewest range bits that put at most half the capacity in an average range. */
function rangeBitsFor(entryCount: number, capacity: number): number {
  let rangeBits = 0;
  while (rangeBits < RANGE_BITS_MAX && entryCount > (capacity / 2) * 2 ** rangeBits) rangeBits++;
  return rangeBits;
}

/** The first buffered slot at or after the cursor whose key word 0 is ≥ `keyWord0End`. */
function firstSlotAtOrAbove(reader: TxhashRunReader, keyWord0End: number): number {
  let low = reader.cursor;
  let high = reader.bufferedCount;
  if (high > low && keyWord0At(reader, high - 1) < keyWord0End) return high;
  // Bounded: the interval halves every pass.
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (keyWord0At(reader, middle) < keyWord0End) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** True when the reader's buffer reaches the end of its entries. */
function bufferHoldsRunEnd(reader: TxhashRunReader): boolean {
  return reader.bufferEntryIndex + reader.bufferedCount === reader.endEntryIndex;
}

/** Buffers the reader's next entry if needed; true when it exists and lies below the range end. */
function hasEntryBelow(reader: TxhashRunReader, keyWord0End: number): boolean {
  if (reader.cursor === reader.bufferedCount && reader.refill() === 0) return false;
  return keyWord0At(reader, reader.cursor) < keyWord0End;
}

/** Key word 0 (big-endian) of the buffered entry at `slot`. */
function keyWord0At(reader: TxhashRunReader, slot: number): number {
  return swapBytes32(reader.rawWords[slot * TXHASH_RUN_ENTRY_WORDS]!);
}

/** Prefix order of the current entries of two runs: key word 0, then key word 1. */
function compareHeads(a: TxhashRunReader, b: TxhashRunReader): number {
  const wordA = a.cursor * TXHASH_RUN_ENTRY_WORDS;
  const wordB = b.cursor * TXHASH_RUN_ENTRY_WORDS;
  const x = swapBytes32(a.rawWords[wordA]!);
  const y = swapBytes32(b.rawWords[wordB]!);
  if (x !== y) return x - y;
  return swapBytes32(a.rawWords[wordA + 1]!) - swapBytes32(b.rawWords[wordB + 1]!);
}

function siftDown(readers: TxhashRunReader[], at: { heap: Int32Array; heapSize: number; node: number }): void {
  const { heap, heapSize } = at;
  let node = at.node;
  const runIndex = heap[node]!;
  // Bounded: node at least doubles each step.
  for (;;) {
    let child = 2 * node + 1;
    if (child >= heapSize) break;
    if (child + 1 < heapSize && compareHeads(readers[heap[child + 1]!]!, readers[heap[child]!]!) < 0) child += 1;
    if (compareHeads(readers[heap[child]!]!, readers[runIndex]!) >= 0) break;
    heap[node] = heap[child]!;
    node = child;
  }
  heap[node] = runIndex;
}
