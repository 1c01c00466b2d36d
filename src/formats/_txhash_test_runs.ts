/**
 * Test and bench helper: seeded pseudo-random tx-hash entries written as real `.bin` runs. Not
 * imported by production code. Keys are uniform like SHA-256 output, reproducible from the seed.
 * @module
 */

import { join } from "node:path";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { TxhashEntries } from "./txhash_entries.ts";
import { writeTxhashRun } from "./txhash_run.ts";

/** A small seeded generator (mulberry32): deterministic u32 values, uniform enough for keys. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return (mixed ^ (mixed >>> 14)) >>> 0;
  };
}

/** A 32-byte pseudo-random tx hash. */
export function randomTxHash(random: () => number): Uint8Array {
  const words = new Uint32Array(8);
  for (let word = 0; word < 8; word++) words[word] = random();
  return new Uint8Array(words.buffer);
}

/** Writes the run of the given (hash, ledger seq) pairs at `path`; returns `path`. */
export async function writeRunOf(path: string, pairs: readonly [Uint8Array, number][]): Promise<string> {
  const entries = new TxhashEntries({ initialCapacity: pairs.length });
  for (const [hash, ledgerSeq] of pairs) entries.add(hash, ledgerSeq as LedgerSeq);
  await writeTxhashRun(path, entries);
  return path;
}

/** What `writeRandomRuns` wrote: the paths and every entry, in write order, in flat arrays. */
export interface RandomRuns {
  runPaths: string[];
  entryCount: number;
  /** Entry i's 32-byte hash at [32i, 32i + 32); empty when `keepEntries` was false. */
  hashBytes: Uint8Array;
  /** Entry i's ledger seq; empty when `keepEntries` was false. */
  ledgerSeqs: Uint32Array;
}

/** Entry `entryIndex`'s hash (a view). */
export function runHash(runs: RandomRuns, entryIndex: number): Uint8Array {
  return runs.hashBytes.subarray(32 * entryIndex, 32 * entryIndex + 32);
}

/**
 * Writes `runCount` runs of `entriesPerRun` random keys into `dir` (`00000000.bin`, ...). Run r
 * holds seqs in [firstLedger + r·ledgersPerRun, firstLedger + (r + 1)·ledgersPerRun). With
 * `keepEntries` false only the paths are returned (the bench: millions of keys).
 */
export async function writeRandomRuns(
  dir: string,
  options: {
    runCount: number;
    entriesPerRun: number;
    seed: number;
    firstLedger: number;
    ledgersPerRun: number;
    keepEntries?: boolean;
  },
): Promise<RandomRuns> {
  const random = seededRandom(options.seed);
  const keepEntries = options.keepEntries ?? true;
  const entryCount = options.runCount * options.entriesPerRun;
  const kept = keepEntries ? entryCount : 0;
  const runs: RandomRuns = { runPaths: [], entryCount, hashBytes: new Uint8Array(32 * kept), ledgerSeqs: new Uint32Array(kept) };
  const hashWords = new Uint32Array(8);
  const hash = new Uint8Array(hashWords.buffer);
  for (let runIndex = 0; runIndex < options.runCount; runIndex++) {
    const entries = new TxhashEntries({ initialCapacity: options.entriesPerRun });
    for (let entryIndex = 0; entryIndex < options.entriesPerRun; entryIndex++) {
      for (let word = 0; word < 8; word++) hashWords[word] = random();
      const ledgerSeq = options.firstLedger + runIndex * options.ledgersPerRun + (random() % options.ledgersPerRun);
      entries.add(hash, ledgerSeq as LedgerSeq);
      if (keepEntries) {
        const keptIndex = runIndex * options.entriesPerRun + entryIndex;
        runs.hashBytes.set(hash, 32 * keptIndex);
        runs.ledgerSeqs[keptIndex] = ledgerSeq;
      }
    }
    const path = join(dir, `${String(runIndex).padStart(8, "0")}.bin`);
    await writeTxhashRun(path, entries);
    runs.runPaths.push(path);
  }
  return runs;
}
