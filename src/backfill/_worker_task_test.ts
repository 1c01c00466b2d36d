import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvariantError } from "../assert.ts";
import { FullhistoryError } from "../errors.ts";
import { createLogger } from "../log/logger.ts";
import { type ChunkId, type LedgerSeq } from "../geometry/chunk.ts";
import { openTxhashIndex } from "../formats/txhash_index_reader.ts";
import { writeSynthLake } from "../synth/synth_lake.ts";
import { BACKFILL_TEST_PASSPHRASE, lakeOptionsOf } from "../../test/support/backfill_fixture.ts";
import { BackfillFatalTaskError, BackfillTaskError } from "./backfill_errors.ts";
import { type ChunkWriteTask, type IndexBuildTask } from "./_worker_protocol.ts";
import { CANCEL_REPLY_TIMEOUT_MS, runInWorker } from "./_worker_task.ts";

const SUPPORT = join(import.meta.dir, "..", "..", "test", "support");
const PREFIX = "Cannot run the test task";

let tempDir: string;
let lakeDir: string;

beforeAll(async () => {
  tempDir = mkdtempSync(join(tmpdir(), "fullhistory-worker-task-"));
  lakeDir = join(tempDir, "lake");
  // Ledgers 2..201 only: chunk 0 runs out of lake objects after 200 ledgers.
  await writeSynthLake({
    outDir: lakeDir,
    first: 2 as LedgerSeq,
    last: 201 as LedgerSeq,
    profile: "sparse",
    seed: 1,
    networkPassphrase: BACKFILL_TEST_PASSPHRASE,
    ledgersPerFile: 100,
    filesPerPartition: 64_000,
  });
});
afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

function signal(): AbortSignal {
  return new AbortController().signal;
}

function emptyIndexTask(outputPath: string): IndexBuildTask {
  return { kind: "index", runPaths: [], outputPath, minLedger: 2 as LedgerSeq, maxLedger: 10001 as LedgerSeq };
}

function chunkTask(dir: string, source: ChunkWriteTask["source"]): ChunkWriteTask {
  mkdirSync(dir, { recursive: true });
  return { kind: "chunk", chunkId: 0 as ChunkId, kinds: ["ledgers"], paths: { ledgerPack: join(dir, "00000000.pack") }, source };
}

describe("runInWorker()", () => {
  test("runInWorker() resolves with the Worker's result: an empty coverage builds a valid empty index (D9)", async () => {
    const outputPath = join(tempDir, "empty.idx");
    const result = await runInWorker(emptyIndexTask(outputPath), { signal: signal(), failurePrefix: PREFIX });
    expect(result).toMatchObject({ kind: "index", written: { keyCount: 0 } });
    const index = openTxhashIndex(outputPath);
    expect(index.lookup(new Uint8Array(32).fill(7))).toEqual([]);
    index.close();
  });

  test("runInWorker() surfaces a Worker that fails to load as a retryable task error", async () => {
    const run = runInWorker(emptyIndexTask(join(tempDir, "never.idx")), {
      signal: signal(),
      failurePrefix: PREFIX,
      workerSpecifier: join(SUPPORT, "backfill_worker_load_failure.ts"),
    });
    await expect(run).rejects.toThrow(BackfillTaskError);
    await expect(run).rejects.toThrow(`${PREFIX}: its Worker failed: `);
    await expect(run).rejects.toThrow(/^[^\n]*$/); // one line, whatever Bun put in the event
  });

  test("runInWorker() surfaces a Worker that exits without answering as a retryable task error", async () => {
    const run = runInWorker(emptyIndexTask(join(tempDir, "never.idx")), {
      signal: signal(),
      failurePrefix: PREFIX,
      workerSpecifier: join(SUPPORT, "backfill_worker_exits.ts"),
    });
    await expect(run).rejects.toThrow(`${PREFIX}: its Worker exited (code 3) before reporting a result; the attempt is retried`);
  });

  test("runInWorker() surfaces a missing Worker module as a task error", async () => {
    const run = runInWorker(emptyIndexTask(join(tempDir, "never.idx")), {
      signal: signal(),
      failurePrefix: PREFIX,
      workerSpecifier: join(SUPPORT, "no_such_worker.ts"),
    });
    await expect(run).rejects.toThrow(BackfillTaskError);
  });

  test(
    "runInWorker() terminates a cancelled Worker that never answers after CANCEL_REPLY_TIMEOUT_MS, with a warning naming the task",
    async () => {
      const lines: string[] = [];
      const logger = createLogger({ level: "warn", format: "text", write: (line) => lines.push(line) });
      const controller = new AbortController();
      const reason = new Error("shutdown");
      const run = runInWorker(emptyIndexTask(join(tempDir, "never.idx")), {
        signal: controller.signal,
        failurePrefix: PREFIX,
        logger,
        workerSpecifier: join(SUPPORT, "backfill_worker_silent.ts"),
      });
      controller.abort(reason);
      await expect(run).rejects.toBe(reason);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("did not unwind in time");
      expect(lines[0]).toContain(PREFIX);
    },
    CANCEL_REPLY_TIMEOUT_MS + 5_000,
  );

  test("runInWorker() starts no Worker when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("gone"));
    const outputPath = join(tempDir, "not-started.idx");
    await expect(runInWorker(emptyIndexTask(outputPath), { signal: controller.signal, failurePrefix: PREFIX })).rejects.toThrow("gone");
    expect(existsSync(outputPath)).toBe(false);
  });

  test("runInWorker() re-classes an expected failure in the Worker (a lake gap) as a retryable task error naming the object", async () => {
    const task = chunkTask(join(tempDir, "gap"), { kind: "lake", lake: lakeOptionsOf(lakeDir) });
    const error = await runInWorker(task, { signal: signal(), failurePrefix: PREFIX }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BackfillTaskError);
    expect((error as Error).message).toStartWith(`${PREFIX}: Cannot read lake object "`);
    expect((error as Error).message).toContain("it does not exist");
    expect(existsSync(task.paths.ledgerPack!)).toBe(false);
  });

  test("runInWorker() re-classes a fatal failure in the Worker (wrong network) as a fatal task error", async () => {
    const lake = { ...lakeOptionsOf(lakeDir), networkPassphrase: "Some Other Network" };
    const task = chunkTask(join(tempDir, "fatal"), { kind: "lake", lake });
    const error = await runInWorker(task, { signal: signal(), failurePrefix: PREFIX }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BackfillFatalTaskError);
    expect((error as Error).message).toContain("Some Other Network");
  });

  test("runInWorker() surfaces a bug in the Worker as an InvariantError with its stack", async () => {
    const task: IndexBuildTask = { ...emptyIndexTask(join(tempDir, "bug.idx")), minLedger: 10001 as LedgerSeq, maxLedger: 2 as LedgerSeq };
    const error = await runInWorker(task, { signal: signal(), failurePrefix: PREFIX }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvariantError);
    expect((error as Error).message).toContain(`${PREFIX}: InvariantError in its Worker: index ledger range [10001, 2] is reversed`);
  });

  test("runInWorker() fails the task with the feed's error when reading the hot ledgers fails", async () => {
    const task = chunkTask(join(tempDir, "feed"), { kind: "hot" });
    const feed: Iterator<Uint8Array> = {
      next: () => {
        throw new FullhistoryError("hot DB read failed: IO error");
      },
    };
    const error = await runInWorker(task, { signal: signal(), failurePrefix: PREFIX, ledgerFeed: feed }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BackfillTaskError);
    expect((error as Error).message).toBe(`${PREFIX}: hot DB read failed: IO error`);
  });
});
