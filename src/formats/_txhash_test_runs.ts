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

/** What `writeRandomRuns` wrote: the paths and, per run, its hashes and seqs in insertion order. */
export interface RandomRuns {
  runPaths: string[];
  /** Every entry written, all runs: `hashes[i]` at ledger `ledgerSeqs[i]`. */
  hashes: Uint8Array[];
  ledgerSeqs: number[];
}

/**
 * Writes `runCount` runs of `entriesPerRun` random keys into `dir` (`00000000.bin`, ...). Run r
 * holds seqs in [firstLedger + r·ledgersPerRun, firstLedger + (r + 1)·ledgersPerRun). With
 * `keepHashes` false only the paths are returned (the bench: millions of keys).
 */
export async function writeRandomRuns(
  dir: string,
  options: {
    runCount: number;
    entriesPerRun: number;
    seed: number;
    firstLedger: number;
    ledgersPerRun: number;
    keepHashes?: boolean;
  },
): Promise<RandomRuns> {
  const random = seededRandom(options.seed);
  const result: RandomRuns = { runPaths: [], hashes: [], ledgerSeqs: [] };
  for (let runIndex = 0; runIndex < options.runCount; runIndex++) {
    const entries = new TxhashEntries({ initialCapacity: options.entriesPerRun });
    for (let entryIndex = 0; entryIndex < options.entriesPerRun; entryIndex++) {
      const hash = randomTxHash(random);
      const ledgerSeq = options.firstLedger + runIndex * options.ledgersPerRun + (random() % options.ledgersPerRun);
      entries.add(hash, ledgerSeq as LedgerSeq);
      if (options.keepHashes ?? true) {
        result.hashes.push(hash);
        result.ledgerSeqs.push(ledgerSeq);
      }
    }
    const path = join(dir, `${String(runIndex).padStart(8, "0")}.bin`);
    await writeTxhashRun(path, entries);
    result.runPaths.push(path);
  }
  return result;
}
