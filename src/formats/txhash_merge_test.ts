import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RandomRuns, randomTxHash, runHash, seededRandom, writeRandomRuns, writeRunOf } from "./_txhash_test_runs.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { type TxhashRunMergeOptions, openTxhashRunMerge } from "./txhash_merge.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "txhash-merge-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** "key-hex:seq" of an entry: the hex key is fixed-width, so string order is key order. */
function entryString(hash: Uint8Array, ledgerSeq: number): string {
  return `${Buffer.from(hash.subarray(0, 16)).toString("hex")}:${String(ledgerSeq).padStart(10, "0")}`;
}

function allEntryStrings(runs: RandomRuns): string[] {
  return Array.from(runs.ledgerSeqs, (ledgerSeq, entryIndex) => entryString(runHash(runs, entryIndex), ledgerSeq));
}

function merged(runPaths: string[], options: TxhashRunMergeOptions = {}): string[] {
  const merge = openTxhashRunMerge(runPaths, options);
  const out: string[] = [];
  try {
    for (const batch of merge.batches()) {
      for (let entryIndex = 0; entryIndex < batch.entryCount; entryIndex++) {
        const keyWords = batch.keyWords.subarray(4 * entryIndex, 4 * entryIndex + 4);
        const hash = new Uint8Array(16);
        new DataView(hash.buffer).setUint32(0, keyWords[0]!);
        new DataView(hash.buffer).setUint32(4, keyWords[1]!);
        new DataView(hash.buffer).setUint32(8, keyWords[2]!);
        new DataView(hash.buffer).setUint32(12, keyWords[3]!);
        out.push(entryString(hash, batch.ledgerSeqs[entryIndex]!));
      }
    }
  } finally {
    merge.close();
  }
  return out;
}

function writeRun(name: string, pairs: [Uint8Array, number][]): Promise<string> {
  return writeRunOf(join(dir, name), pairs);
}

test("batches() matches a naive sort of 30 random runs, including empty ones", async () => {
  const runs = await writeRandomRuns(dir, { runCount: 30, entriesPerRun: 2_000, seed: 21, firstLedger: 2, ledgersPerRun: 100 });
  const emptyA = await writeRun("empty-a.bin", []);
  const emptyB = await writeRun("empty-b.bin", []);
  const expected = allEntryStrings(runs).sort();
  expect(merged([emptyA, ...runs.runPaths, emptyB])).toEqual(expected);
});

test("batches() keeps duplicates across runs, ordered by seq", async () => {
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
  expect(merged(paths)).toEqual(expected.sort());
});

test("the heap fallback (capacity 0) and a tiny gather capacity give the same stream", async () => {
  const runs = await writeRandomRuns(dir, { runCount: 12, entriesPerRun: 1_500, seed: 23, firstLedger: 2, ledgersPerRun: 10 });
  const expected = allEntryStrings(runs).sort();
  expect(merged(runs.runPaths, { rangeEntryCapacity: 0 })).toEqual(expected);
  expect(merged(runs.runPaths, { rangeEntryCapacity: 300 })).toEqual(expected);
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
  expect(merged(paths, { rangeEntryCapacity: 2_000 })).toEqual(expected.sort());
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
  const expected = [...allEntryStrings(runs), ...skewed.map(([hash, ledgerSeq]) => entryString(hash, ledgerSeq))].sort();
  expect(merged([...runs.runPaths, skewedPath])).toEqual(expected);
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
