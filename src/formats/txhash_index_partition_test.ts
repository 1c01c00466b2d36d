import { afterEach, beforeEach, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { randomTxHash, seededRandom, writeRandomRuns, writeRunOf } from "./_txhash_test_runs.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { type TxhashIndexBuildOptions, buildTxhashIndex, buildTxhashIndexInParallel } from "./txhash_index_build.ts";
import { encodeTxhashIndexPartition, planTxhashIndexPartitions } from "./txhash_index_partition.ts";

const FIRST_LEDGER = 2 as LedgerSeq;
const LAST_LEDGER = (FIRST_LEDGER + 100_000 - 1) as LedgerSeq;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "txhash-partition-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Partitions 1..P−1 encoded in this thread into their real side files (the Worker's code path). */
function buildInPartitions(runPaths: readonly string[], partitionCount: number): Promise<{ keyCount: number; byteCount: number }> {
  const options: TxhashIndexBuildOptions = { runPaths, outputPath: join(dir, `p${partitionCount}.idx`), minLedger: FIRST_LEDGER, maxLedger: LAST_LEDGER };
  return buildTxhashIndexInParallel(options, {
    partitionCount,
    encodeElsewhere: async (task, sideFd) => encodeTxhashIndexPartition(task, { fd: sideFd, byteOffset: 0 }),
  });
}

function md5Of(path: string): string {
  return createHash("md5").update(readFileSync(path)).digest("hex");
}

/** The one-core build's md5, then the same for P = 2 and 3; every build reports the same key count. */
async function expectSameBytesForEveryPartitionCount(runPaths: readonly string[]): Promise<void> {
  const oneCore = buildTxhashIndex({ runPaths, outputPath: join(dir, "one.idx"), minLedger: FIRST_LEDGER, maxLedger: LAST_LEDGER });
  const want = md5Of(join(dir, "one.idx"));
  for (const partitionCount of [1, 2, 3]) {
    const built = await buildInPartitions(runPaths, partitionCount);
    expect(built).toEqual(oneCore);
    expect(md5Of(join(dir, `p${partitionCount}.idx`))).toBe(want);
  }
}

test("P = 1, 2, 3 build the one-core bytes from random runs with cross-run duplicates and empty runs", async () => {
  const runs = await writeRandomRuns(dir, { runCount: 6, entriesPerRun: 5_000, seed: 41, firstLedger: FIRST_LEDGER, ledgersPerRun: 10_000 });
  const random = seededRandom(42);
  const pairs: [Uint8Array, number][] = [];
  for (let copy = 0; copy < 300; copy++) {
    const entryIndex = random() % runs.entryCount;
    pairs.push([runs.hashBytes.slice(32 * entryIndex, 32 * entryIndex + 32), FIRST_LEDGER + (random() % 90_000)]);
  }
  const duplicates = await writeRunOf(join(dir, "dups.bin"), pairs);
  const empty = await writeRunOf(join(dir, "empty.bin"), []);
  await expectSameBytesForEveryPartitionCount([empty, ...runs.runPaths, duplicates, empty]);
});

test("P = 1, 2, 3 build the one-core bytes when every key lies in one partition (skew) or on a boundary", async () => {
  const random = seededRandom(43);
  const pairs: [Uint8Array, number][] = [];
  for (let entryIndex = 0; entryIndex < 4_000; entryIndex++) {
    const hash = randomTxHash(random);
    hash[0] = 0x80; // all in the upper half: P = 2 leaves partition 0 empty
    hash[1] = entryIndex % 3 === 0 ? 0 : hash[1]!; // many at the exact start of partition 1 of P = 2
    if (entryIndex % 3 === 0) hash.fill(0, 2, 4);
    pairs.push([hash, FIRST_LEDGER + (entryIndex % 50)]);
  }
  await expectSameBytesForEveryPartitionCount([await writeRunOf(join(dir, "skew.bin"), pairs)]);
});

test("P = 1, 2, 3 build the one-core bytes from zero keys and from a single key", async () => {
  await expectSameBytesForEveryPartitionCount([]);
  await expectSameBytesForEveryPartitionCount([await writeRunOf(join(dir, "one.bin"), [[randomTxHash(seededRandom(44)), 7]])]);
});

test("planTxhashIndexPartitions() cuts every run at its partition boundaries, covering each entry once", async () => {
  const runs = await writeRandomRuns(dir, { runCount: 3, entriesPerRun: 3_000, seed: 45, firstLedger: FIRST_LEDGER, ledgersPerRun: 10_000 });
  const plan = planTxhashIndexPartitions({ runPaths: runs.runPaths, minLedger: FIRST_LEDGER, maxLedger: LAST_LEDGER }, 3);
  expect(plan.keyCount).toBe(9_000);
  expect(plan.partitions.map((partition) => partition.keyCount).reduce((a, b) => a + b)).toBe(9_000);
  expect(plan.partitions[0]!.keyWord0From).toBe(0);
  expect(plan.partitions[2]!.keyWord0End).toBe(2 ** 32);
  for (let runIndex = 0; runIndex < 3; runIndex++) {
    expect(plan.partitions[0]!.runEntryBounds[runIndex]!.firstEntryIndex).toBe(0);
    expect(plan.partitions[1]!.runEntryBounds[runIndex]!.firstEntryIndex).toBe(plan.partitions[0]!.runEntryBounds[runIndex]!.endEntryIndex);
    expect(plan.partitions[2]!.runEntryBounds[runIndex]!.firstEntryIndex).toBe(plan.partitions[1]!.runEntryBounds[runIndex]!.endEntryIndex);
    expect(plan.partitions[2]!.runEntryBounds[runIndex]!.endEntryIndex).toBe(3_000);
  }
});

test("a run unsorted across a partition boundary fails the parallel build with CorruptFileError and leaves no file", async () => {
  const random = seededRandom(46);
  const pairs: [Uint8Array, number][] = [];
  for (let entryIndex = 0; entryIndex < 2_000; entryIndex++) pairs.push([randomTxHash(random), FIRST_LEDGER + entryIndex]);
  const path = await writeRunOf(join(dir, "run.bin"), pairs);
  // Swap the first and last entries: a high key now opens the run, a low one closes it.
  const bytes = readFileSync(path);
  const first = bytes.slice(8, 28);
  bytes.copyWithin(8, bytes.length - 20);
  bytes.set(first, bytes.length - 20);
  writeFileSync(path, bytes);
  await expect(buildInPartitions([path], 2)).rejects.toThrow(CorruptFileError);
  expect(readdirSync(dir)).toEqual(["run.bin"]);
});

test("a seq outside the coverage in the second partition fails the parallel build, naming the run", async () => {
  const random = seededRandom(47);
  const hash = randomTxHash(random);
  hash[0] = 0xff;
  const path = await writeRunOf(join(dir, "bad.bin"), [[randomTxHash(random).fill(0, 0, 1), FIRST_LEDGER], [hash, LAST_LEDGER + 1]]);
  await expect(buildInPartitions([path], 2)).rejects.toThrow(/bad\.bin.*outside index coverage/);
  expect(readdirSync(dir)).toEqual(["bad.bin"]);
});

test("a side file has no name in the output's directory while its partition is encoded, so no crash leaves it behind", async () => {
  const runs = await writeRandomRuns(dir, { runCount: 2, entriesPerRun: 2_000, seed: 43, firstLedger: FIRST_LEDGER, ledgersPerRun: 10_000 });
  const options: TxhashIndexBuildOptions = { runPaths: runs.runPaths, outputPath: join(dir, "named.idx"), minLedger: FIRST_LEDGER, maxLedger: LAST_LEDGER };
  const namesWhileEncoding: string[][] = [];
  await buildTxhashIndexInParallel(options, {
    partitionCount: 3,
    encodeElsewhere: async (task, sideFd) => {
      namesWhileEncoding.push(readdirSync(dir).filter((name) => name.startsWith("named.idx")));
      return encodeTxhashIndexPartition(task, { fd: sideFd, byteOffset: 0 });
    },
  });
  expect(namesWhileEncoding).toEqual([["named.idx"], ["named.idx"]]);
  expect(readdirSync(dir).filter((name) => name.startsWith("named.idx"))).toEqual(["named.idx"]);
});
