/**
 * Key partitions of an `.idx` build (txindex.md §3.6 "Parallelism"): the block space [0, 2^K) is
 * cut into P contiguous block ranges; partition p holds the keys of its blocks, which are one
 * contiguous key range, hence one contiguous entry range of every sorted run (found here by a
 * binary search of ~log2(entries) preads per run and boundary) and one contiguous byte range of
 * the index's block data. Each partition is merged and encoded alone (`encodeTxhashIndexPartition`),
 * so P partitions run on P cores; the build (`txhash_index_build.ts`) appends their bytes in order.
 *
 * The binary search reads runs that are not validated yet; the merge re-checks its claim (every
 * partition's first entries lie at or above its first key, every run ends its partition at the
 * boundary), so an unsorted run fails as `CorruptFileError`, never as a wrong index.
 * @module
 */

import { assert } from "../assert.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { type ReadFile, openAndAdopt } from "./_txhash_read_file.ts";
import { type EncodedBlocks, TxhashIndexEncoder } from "./_txhash_index_encoder.ts";
import { IDX_BLOCK_BITS_MAX, type TxhashIndexParams, txhashIndexParams } from "./_txhash_index_layout.ts";
import { swapBytes32 } from "./txhash_entries.ts";
import { openTxhashRunMerge } from "./txhash_merge.ts";
import { TXHASH_RUN_ENTRY_BYTES, TXHASH_RUN_HEADER_BYTES, openTxhashRun } from "./txhash_run.ts";

/** Partitions of one build: 2 on the target's 2 cores; the bound keeps the plan's arrays small. */
export const TXHASH_INDEX_PARTITIONS_MAX = 64;

/** Key word 0 spans [0, 2^32). */
const KEY_WORD0_END = 2 ** 32;

assert(IDX_BLOCK_BITS_MAX < 32, "a block boundary must be a key word 0 boundary");

/** One partition's share of a build; plain data, so it can be posted to a Worker. */
export interface TxhashIndexPartitionTask {
  /** The build's runs, in the build's order. */
  runPaths: string[];
  /** Run i holds this partition's keys at entries [firstEntryIndex, endEntryIndex). */
  runEntryBounds: { firstEntryIndex: number; endEntryIndex: number }[];
  /** The partition's keys: word 0 in [keyWord0From, keyWord0End). */
  keyWord0From: number;
  keyWord0End: number;
  /** The partition's blocks: [blockFrom, blockEnd). */
  blockFrom: number;
  blockEnd: number;
  /** Keys of this partition. */
  keyCount: number;
  /** Keys of the whole index: they fix K and U (`txhashIndexParams`). */
  indexKeyCount: number;
  minLedger: LedgerSeq;
  maxLedger: LedgerSeq;
}

/** A build cut into partitions, in key order. */
export interface TxhashIndexPlan {
  keyCount: number;
  params: TxhashIndexParams;
  partitions: TxhashIndexPartitionTask[];
}

/** Reads every run's size (validated) and cuts the build into `partitionCount` partitions. */
export function planTxhashIndexPartitions(
  build: { runPaths: readonly string[]; minLedger: LedgerSeq; maxLedger: LedgerSeq },
  partitionCount: number,
): TxhashIndexPlan {
  assert(Number.isInteger(partitionCount), `partition count ${partitionCount} is not an integer`);
  assert(partitionCount >= 1, `partition count ${partitionCount} is below 1`);
  assert(partitionCount <= TXHASH_INDEX_PARTITIONS_MAX, `partition count ${partitionCount} exceeds ${TXHASH_INDEX_PARTITIONS_MAX}`);
  const runEntryCounts = build.runPaths.map(runEntryCount);
  let keyCount = 0;
  for (const entryCount of runEntryCounts) keyCount += entryCount;
  const params = txhashIndexParams(keyCount);
  const blockCount = 2 ** params.blockBits;
  const keyWord0PerBlock = 2 ** (32 - params.blockBits);
  const blockBoundaries: number[] = [];
  for (let partition = 0; partition <= partitionCount; partition++) {
    blockBoundaries.push(Math.floor((partition * blockCount) / partitionCount));
  }
  // entryBoundaries[run][p]: the first entry of partition p in the run.
  const entryBoundaries = build.runPaths.map((path, runIndex) =>
    runBoundaries(path, { entryCount: runEntryCounts[runIndex]!, keyWord0Boundaries: blockBoundaries.map((block) => block * keyWord0PerBlock) }),
  );
  const partitions: TxhashIndexPartitionTask[] = [];
  for (let partition = 0; partition < partitionCount; partition++) {
    const runEntryBounds = entryBoundaries.map((boundaries) => ({
      firstEntryIndex: boundaries[partition]!,
      endEntryIndex: boundaries[partition + 1]!,
    }));
    let partitionKeyCount = 0;
    for (const bounds of runEntryBounds) partitionKeyCount += bounds.endEntryIndex - bounds.firstEntryIndex;
    partitions.push({
      runPaths: [...build.runPaths],
      runEntryBounds,
      keyWord0From: blockBoundaries[partition]! * keyWord0PerBlock,
      keyWord0End: blockBoundaries[partition + 1]! * keyWord0PerBlock,
      blockFrom: blockBoundaries[partition]!,
      blockEnd: blockBoundaries[partition + 1]!,
      keyCount: partitionKeyCount,
      indexKeyCount: keyCount,
      minLedger: build.minLedger,
      maxLedger: build.maxLedger,
    });
  }
  return { keyCount, params, partitions };
}

/**
 * Merges one partition's keys and encodes its blocks into `fd` from `byteOffset` on (synchronous,
 * so it runs in a Worker as well as in the build's thread). Every seq is checked against
 * [minLedger, maxLedger] (`CorruptFileError` naming the run). `checkStop`, called before every
 * merged batch, may throw to abandon the encode (a cancelled build); the runs are closed either way.
 */
export function encodeTxhashIndexPartition(
  task: TxhashIndexPartitionTask,
  sink: { fd: number; byteOffset: number },
  options: { checkStop?: () => void } = {},
): EncodedBlocks {
  const merge = openTxhashRunMerge(task.runPaths, {
    ledgerSeqMin: task.minLedger,
    ledgerSeqMax: task.maxLedger,
    partition: { keyWord0From: task.keyWord0From, keyWord0End: task.keyWord0End, runEntryBounds: task.runEntryBounds },
  });
  try {
    assert(merge.entryCount === task.keyCount, `partition merge holds ${merge.entryCount} keys, the plan ${task.keyCount}`);
    const encoder = new TxhashIndexEncoder(sink.fd, {
      params: txhashIndexParams(task.indexKeyCount),
      minLedger: task.minLedger,
      keyCount: task.keyCount,
      byteOffset: sink.byteOffset,
    });
    for (const batch of merge.batches()) {
      options.checkStop?.();
      encoder.addBatch(batch);
    }
    return encoder.finishBlocks();
  } finally {
    merge.close();
  }
}

function runEntryCount(path: string): number {
  const reader = openTxhashRun(path, { bufferBytes: TXHASH_RUN_ENTRY_BYTES });
  const entryCount = reader.entryCount;
  reader.close();
  return entryCount;
}

/** For each boundary, the first entry whose key word 0 is at or above it (boundaries ascend). */
function runBoundaries(path: string, run: { entryCount: number; keyWord0Boundaries: readonly number[] }): number[] {
  return openAndAdopt(path, {
    what: "run",
    adopt: (file) => {
      try {
        const word = new Uint8Array(4);
        const words = new Uint32Array(word.buffer);
        const boundaries: number[] = [];
        let low = 0;
        for (const keyWord0 of run.keyWord0Boundaries) {
          low = firstEntryAtOrAbove(file, { word, words, low, high: run.entryCount, keyWord0 });
          boundaries.push(low);
        }
        return boundaries;
      } finally {
        file.close();
      }
    },
  });
}

function firstEntryAtOrAbove(
  file: ReadFile,
  search: { word: Uint8Array; words: Uint32Array; low: number; high: number; keyWord0: number },
): number {
  let { low, high } = search;
  // The key space's own ends need no read (the one-core build's only boundaries).
  if (search.keyWord0 === 0) return low;
  if (search.keyWord0 === KEY_WORD0_END) return high;
  // Bounded: the interval halves every pass.
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    file.read(search.word, TXHASH_RUN_HEADER_BYTES + middle * TXHASH_RUN_ENTRY_BYTES);
    if (swapBytes32(search.words[0]!) < search.keyWord0) low = middle + 1;
    else high = middle;
  }
  return low;
}
