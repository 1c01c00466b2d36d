/**
 * Issue 3's scale check of the `.idx`: 10M random keys from 50 runs of 200k (a window's shape at
 * a smaller size). Every key, read back from its run, finds its seq among its candidates (no false
 * negatives); non-members yield false candidates at the parameters' rate N / 2^(K+U+8) or below
 * (txindex.md §3.1); the index stays within 4.4 bytes a key. The bench reports the same figures
 * on 20M keys (`txhash_index_size`, `txhash_index_false_candidates`).
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LedgerSeq } from "../src/geometry/chunk.ts";
import { writeRandomRuns } from "../src/formats/_txhash_test_runs.ts";
import { buildTxhashIndex } from "../src/formats/txhash_index_build.ts";
import { type TxhashIndexReader, openTxhashIndex } from "../src/formats/txhash_index_reader.ts";
import { TXHASH_RUN_ENTRY_BYTES, TXHASH_RUN_HEADER_BYTES } from "../src/formats/txhash_run.ts";

const RUN_COUNT = 50;
const ENTRIES_PER_RUN = 200_000;
const LEDGERS_PER_RUN = 10_000;
const FIRST_LEDGER = 2;
const NON_MEMBER_PROBES = 1_000_000;
/** Entries read back from a run at once. */
const READ_BACK_ENTRIES = 1 << 16;
/** Minutes, not seconds: 10M lookups of ~2 µs plus writing and merging 200 MB of runs on a shared 2-core machine. */
const CASE_TIMEOUT_MS = 300_000;

let dir: string;
let runPaths: string[];
let indexPath: string;
let built: { keyCount: number; byteCount: number };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "txhash-index-10m-"));
  const runs = await writeRandomRuns(dir, {
    runCount: RUN_COUNT,
    entriesPerRun: ENTRIES_PER_RUN,
    seed: 10,
    firstLedger: FIRST_LEDGER,
    ledgersPerRun: LEDGERS_PER_RUN,
    keepEntries: false,
  });
  runPaths = runs.runPaths;
  indexPath = join(dir, "index.idx");
  built = buildTxhashIndex({
    runPaths,
    outputPath: indexPath,
    minLedger: FIRST_LEDGER as LedgerSeq,
    maxLedger: (FIRST_LEDGER + RUN_COUNT * LEDGERS_PER_RUN - 1) as LedgerSeq,
  });
}, CASE_TIMEOUT_MS);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Keys of `runPath` whose seq is not among their candidates; counts every entry into `seen`. */
function missingMembers(reader: TxhashIndexReader, runPath: string, seen: { entryCount: number }): number {
  const bytes = new Uint8Array(READ_BACK_ENTRIES * TXHASH_RUN_ENTRY_BYTES);
  const view = new DataView(bytes.buffer);
  const fd = openSync(runPath, "r");
  let missing = 0;
  try {
    let byteOffset = TXHASH_RUN_HEADER_BYTES;
    // Bounded: every pass reads at least one entry or ends the loop.
    for (;;) {
      const bytesRead = readSync(fd, bytes, 0, bytes.length, byteOffset);
      expect(bytesRead % TXHASH_RUN_ENTRY_BYTES).toBe(0);
      if (bytesRead === 0) break;
      for (let entryOffset = 0; entryOffset < bytesRead; entryOffset += TXHASH_RUN_ENTRY_BYTES) {
        const ledgerSeq = view.getUint32(entryOffset + 16, true);
        if (!reader.lookup(bytes.subarray(entryOffset, entryOffset + 16)).includes(ledgerSeq as LedgerSeq)) missing += 1;
      }
      seen.entryCount += bytesRead / TXHASH_RUN_ENTRY_BYTES;
      byteOffset += bytesRead;
    }
  } finally {
    closeSync(fd);
  }
  return missing;
}

describe("an index of 10,000,000 random keys from 50 runs", () => {
  test("holds every key within 4.4 bytes a key", () => {
    expect(built.keyCount).toBe(RUN_COUNT * ENTRIES_PER_RUN);
    expect(built.byteCount / built.keyCount).toBeLessThanOrEqual(4.4);
  });

  test("every key read back from its run finds its seq among its candidates (no false negatives)", () => {
    const reader = openTxhashIndex(indexPath);
    const seen = { entryCount: 0 };
    let missing = 0;
    try {
      for (const runPath of runPaths) missing += missingMembers(reader, runPath, seen);
    } finally {
      reader.close();
    }
    expect(seen.entryCount).toBe(RUN_COUNT * ENTRIES_PER_RUN);
    expect(missing).toBe(0);
  }, CASE_TIMEOUT_MS);

  test("non-members yield false candidates at no more than 1.1 × the parameters' rate", () => {
    const reader = openTxhashIndex(indexPath);
    const counter = new Uint8Array(8);
    const counterView = new DataView(counter.buffer);
    let falseCandidates = 0;
    try {
      for (let probe = 0; probe < NON_MEMBER_PROBES; probe++) {
        // Probes are SHA-256 output, as tx hashes are; not the runs' seeded generator, whose u32
        // outputs are not a permutation (like a random function it misses ~1/e of the values), so
        // its keys agree in their top 31 bits ~1.6× more often than uniform ones (measured).
        counterView.setUint32(0, probe);
        falseCandidates += reader.lookup(createHash("sha256").update(counter).digest()).length;
      }
    } finally {
      reader.close();
    }
    const expectedRate = reader.keyCount / 2 ** (reader.blockBits + reader.upperBits + 8);
    // txindex.md §3.1: about 1/256 per probe at this N (ρ ≤ √2).
    expect(expectedRate).toBeLessThanOrEqual(2 ** 0.5 / 256);
    // 1M probes at ~1/256 give ~4,000 false candidates: 1.1× is over 6 standard deviations.
    expect(falseCandidates / NON_MEMBER_PROBES).toBeLessThan(expectedRate * 1.1);
    expect(falseCandidates).toBeGreaterThan(0);
  }, CASE_TIMEOUT_MS);
});
