import { afterEach, beforeEach, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { randomTxHash, seededRandom, writeRandomRuns, writeRunOf } from "../formats/_txhash_test_runs.ts";
import { buildTxhashIndex, buildTxhashIndexInParallel } from "../formats/txhash_index_build.ts";
import { BackfillTaskError } from "./backfill_errors.ts";
import { encodePartitionInWorker } from "./encode_partition_in_worker.ts";
import { newCancelFlag, raiseCancelFlag, TaskCancelledError } from "./task_cancellation.ts";

const FIRST_LEDGER = 2 as LedgerSeq;
const LAST_LEDGER = (FIRST_LEDGER + 40_000 - 1) as LedgerSeq;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "partition-worker-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("a build with partition 1 in a Worker writes the one-core bytes", async () => {
  const runs = await writeRandomRuns(dir, { runCount: 4, entriesPerRun: 10_000, seed: 51, firstLedger: FIRST_LEDGER, ledgersPerRun: 10_000 });
  const one = buildTxhashIndex({ runPaths: runs.runPaths, outputPath: join(dir, "one.idx"), minLedger: FIRST_LEDGER, maxLedger: LAST_LEDGER });
  const two = await buildTxhashIndexInParallel(
    { runPaths: runs.runPaths, outputPath: join(dir, "two.idx"), minLedger: FIRST_LEDGER, maxLedger: LAST_LEDGER },
    { partitionCount: 2, encodeElsewhere: encodePartitionInWorker },
  );
  expect(two).toEqual(one);
  expect(readFileSync(join(dir, "two.idx")).equals(readFileSync(join(dir, "one.idx")))).toBe(true);
});

test("a corrupt run seen by the Worker's partition rejects as a retryable BackfillTaskError naming the run; no file is left", async () => {
  const random = seededRandom(52);
  const high = randomTxHash(random);
  high[0] = 0xff; // partition 1 of 2
  const low = randomTxHash(random);
  low[0] = 0x00;
  const path = await writeRunOf(join(dir, "bad.bin"), [[low, FIRST_LEDGER], [high, LAST_LEDGER + 1]]);
  const building = buildTxhashIndexInParallel(
    { runPaths: [path], outputPath: join(dir, "two.idx"), minLedger: FIRST_LEDGER, maxLedger: LAST_LEDGER },
    { partitionCount: 2, encodeElsewhere: encodePartitionInWorker },
  );
  await expect(building).rejects.toThrow(BackfillTaskError);
  await expect(building).rejects.toThrow(/bad\.bin.*outside index coverage/);
  expect(readdirSync(dir)).toEqual(["bad.bin"]);
});

test("a partition Worker whose cancel flag is raised stops with TaskCancelledError, leaving only the runs", async () => {
  const runs = await writeRandomRuns(dir, { runCount: 2, entriesPerRun: 10_000, seed: 53, firstLedger: FIRST_LEDGER, ledgersPerRun: 20_000 });
  const cancelFlag = newCancelFlag();
  raiseCancelFlag(cancelFlag);
  const building = buildTxhashIndexInParallel(
    { runPaths: runs.runPaths, outputPath: join(dir, "two.idx"), minLedger: FIRST_LEDGER, maxLedger: LAST_LEDGER },
    { partitionCount: 2, encodeElsewhere: (task, sideFd) => encodePartitionInWorker(task, sideFd, { cancelFlag }) },
  );
  await expect(building).rejects.toThrow(TaskCancelledError);
  await expect(building).rejects.toThrow("The index partition of blocks [");
  expect(readdirSync(dir).sort()).toEqual(["00000000.bin", "00000001.bin"]);
});
