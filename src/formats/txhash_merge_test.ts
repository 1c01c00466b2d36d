import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RandomRuns, randomTxHash, runHash, seededRandom, writeRandomRuns, writeRunOf } from "./_txhash_test_runs.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { TXHASH_INDEX_ENTRY_WORDS } from "./_txhash_index_batch.ts";
import { type TxhashRunMergeOptions, openTxhashRunMerge } from "./txhash_merge.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "txhash-merge-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** "hex of key bytes 0..7:seq" of an entry: what the index keeps of it; fixed-width, so string order is prefix order. */
function entryString(hash: Uint8Array, ledgerSeq: number): string {
  return `${Buffer.from(hash.subarray(0, 8)).toString("hex")}:${String(ledgerSeq).padStart(10, "0")}`;
}

function allEntryStrings(runs: RandomRuns): string[] {
  return Array.from(runs.ledgerSeqs, (ledgerSeq, entryIndex) => entryString(runHash(runs, entryIndex), ledgerSeq));
}

/** The merged stream as entry strings, in stream order. */
function merged(runPaths: string[], options: TxhashRunMergeOptions = {}): string[] {
  const merge = openTxhashRunMerge(runPaths, options);
  const out: string[] = [];
  try {
    for (const batch of merge.batches()) {
      for (let entryIndex = 0; entryIndex < batch.entryCount; entryIndex++) {
        const at = entryIndex * TXHASH_INDEX_ENTRY_WORDS;
        const hash = new Uint8Array(8);
        new DataView(hash.buffer).setUint32(0, batch.entryWords[at]!);
        new DataView(hash.buffer).setUint32(4, batch.entryWords[at + 1]!);
        out.push(entryString(hash, batch.entryWords[at + 2]!));
      }
    }
  } finally {
    merge.close();
  }
  return out;
}

/** The stream is in prefix order and holds exactly the expected entries (ties may come in any order). */
function expectPrefixOrderOf(stream: string[], expected: string[]): void {
  const prefixes = stream.map((entry) => entry.slice(0, 16));
  expect(prefixes).toEqual([...prefixes].sort());
  expect([...stream].sort()).toEqual([...expected].sort());
}

function writeRun(name: string, pairs: [Uint8Array, number][]): Promise<string> {
  return writeRunOf(join(dir, name), pairs);
}

test("batches() yields every entry of 30 random runs in prefix order, including empty ones", async () => {
  const runs = await writeRandomRuns(dir, { runCount: 30, entriesPerRun: 2_000, seed: 21, firstLedger: 2, ledgersPerRun: 100 });
  const emptyA = await writeRun("empty-a.bin", []);
  const emptyB = await writeRun("empty-b.bin", []);
  expectPrefixOrderOf(merged([emptyA, ...runs.runPaths, emptyB]), allEntryStrings(runs));
});

test("batches() keeps duplicates across runs", async () => {
  const random = seededRandom(22);
  const shared = Array.from({ length: 50 }, () => randomTxHash(random));
  const paths: string[] = [];
  const expected: string[] = [];
  for (let runIndex = 0; runIndex < 5; runIndex++) {
    const pairs: [Uint8Array, number][] = shared.map((hash, i) => [hash, 1000 - runIndex * 10 + (i % 3)]);
    pairs.push([shared[0]!, 1000 - runIndex * 10]); // an exact duplicate (key, seq) inside one run
    for (const [hash, ledgerSeq] of pairs) expected.push(entryString(hash, ledgerSeq));
    paths.push(await writeRun(`${runIndex}.bin`, pairs));
  }
  expectPrefixOrderOf(merged(paths), expected);
});

test("the heap fallback (capacity 0) and a tiny gather capacity yield every entry in prefix order", async () => {
  const runs = await writeRandomRuns(dir, { runCount: 12, entriesPerRun: 1_500, seed: 23, firstLedger: 2, ledgersPerRun: 10 });
  const expected = allEntryStrings(runs);
  expectPrefixOrderOf(merged(runs.runPaths, { rangeEntryCapacity: 0 }), expected);
  expectPrefixOrderOf(merged(runs.runPaths, { rangeEntryCapacity: 300 }), expected);
});

test("a range overflowing the gather buffer under skew is heap-merged in order", async () => {
  const random = seededRandom(24);
  const paths: string[] = [];
  const expected: string[] = [];
  for (let runIndex = 0; runIndex < 8; runIndex++) {
    const pairs: [Uint8Array, number][] = [];
    for (let i = 0; i < 1_000; i++) {
      const hash = randomTxHash(random);
      if (i % 2 === 0) hash.fill(0x77, 0, 4); // half of all keys ground into one prefix range
      pairs.push([hash, 50 + runIndex]);
      expected.push(entryString(hash, 50 + runIndex));
    }
    paths.push(await writeRun(`${runIndex}.bin`, pairs));
  }
  const merge = openTxhashRunMerge(paths, { rangeEntryCapacity: 2_000 });
  expect(merge.rangeBits).toBeGreaterThan(0);
  merge.close();
  expectPrefixOrderOf(merged(paths, { rangeEntryCapacity: 2_000 }), expected);
});

test("260 runs (16 KiB read buffers): slices across a buffer's end and one larger than its buffer merge in order", async () => {
  const runs = await writeRandomRuns(dir, { runCount: 260, entriesPerRun: 1_000, seed: 25, firstLedger: 2, ledgersPerRun: 10 });
  const random = seededRandom(26);
  const skewed: [Uint8Array, number][] = [];
  for (let i = 0; i < 2_000; i++) {
    const hash = randomTxHash(random);
    hash.fill(0x33, 0, 2); // 2,000 keys in one range: more than the run's 819-entry buffer
    skewed.push([hash, 7]);
  }
  const skewedPath = await writeRun("skewed.bin", skewed);
  const expected = [...allEntryStrings(runs), ...skewed.map(([hash, ledgerSeq]) => entryString(hash, ledgerSeq))];
  expectPrefixOrderOf(merged([...runs.runPaths, skewedPath]), expected);
});

test("entryCount is the sum of the run headers, and no runs merge to nothing", async () => {
  const runs = await writeRandomRuns(dir, { runCount: 3, entriesPerRun: 10, seed: 25, firstLedger: 2, ledgersPerRun: 10 });
  const merge = openTxhashRunMerge(runs.runPaths);
  expect(merge.entryCount).toBe(30);
  merge.close();
  expect(merged([])).toEqual([]);
});

test("a seq outside the coverage fails the merge, naming the run and the seq", async () => {
  const good = await writeRun("good.bin", [[new Uint8Array(32).fill(1), 150]]);
  const bad = await writeRun("bad.bin", [[new Uint8Array(32).fill(2), 99]]);
  expect(() => merged([good, bad], { ledgerSeqMin: 100, ledgerSeqMax: 200 })).toThrow(CorruptFileError);
  expect(() => merged([good, bad], { ledgerSeqMin: 100, ledgerSeqMax: 200 })).toThrow(/bad\.bin.*ledger seq 99 outside/);
});

test("openTxhashRunMerge() rejects a missing run with CorruptFileError", async () => {
  const good = await writeRun("good.bin", [[new Uint8Array(32).fill(1), 150]]);
  expect(() => openTxhashRunMerge([good, join(dir, "missing.bin")])).toThrow(CorruptFileError);
});
