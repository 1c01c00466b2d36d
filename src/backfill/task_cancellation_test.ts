import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errnoCode } from "../errors.ts";
import { type ChunkId, type LedgerSeq } from "../geometry/chunk.ts";
import { writeRandomRuns } from "../formats/_txhash_test_runs.ts";
import { openLakeSource } from "../lake/open_lake_source.ts";
import { createLogger } from "../log/logger.ts";
import { writeSynthLake } from "../synth/synth_lake.ts";
import { BACKFILL_TEST_PASSPHRASE, lakeOptionsOf } from "../../test/support/backfill_fixture.ts";
import { nextPausedWorkerGate, openGate } from "../../test/support/paused_worker_channel.ts";
import { LEDGER_FEED_BATCH_LEDGERS_MAX, type ChunkWriteTask, type IndexBuildTask } from "./_worker_protocol.ts";
import { runInWorker } from "./_worker_task.ts";

const SUPPORT = join(import.meta.dir, "..", "..", "test", "support");
const PREFIX = "Cannot run the cancelled test task";
const FIRST_LEDGER = 2 as LedgerSeq;

let root: string;
let lakeDir: string;
let ledgers: Uint8Array[];

beforeAll(async () => {
  // realpath: /proc/self/fd shows resolved paths.
  root = realpathSync(mkdtempSync(join(tmpdir(), "fullhistory-cancel-")));
  lakeDir = join(root, "lake");
  await writeSynthLake({
    outDir: lakeDir,
    first: FIRST_LEDGER,
    last: 201 as LedgerSeq,
    profile: "sparse",
    seed: 3,
    networkPassphrase: BACKFILL_TEST_PASSPHRASE,
    ledgersPerFile: 100,
    filesPerPartition: 64_000,
  });
  const lake = await openLakeSource(lakeOptionsOf(lakeDir));
  ledgers = await Array.fromAsync(lake.ledgers({ first: FIRST_LEDGER, last: 201 as LedgerSeq }));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Every fd of this process open on a file under `dir`, unlinked ones (`… (deleted)`) included. */
function openFilesUnder(dir: string): string[] {
  const targets: string[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch (err) {
      if (errnoCode(err) === "ENOENT") continue; // the fd readdir itself used, closed since
      throw err;
    }
    if (target.startsWith(`${dir}/`)) targets.push(target);
  }
  return targets;
}

/** Chunk 0 with every kind, its files in `dir`, fed from the hot DB (a test's feed). */
function chunkTask(dir: string): ChunkWriteTask {
  return {
    kind: "chunk",
    chunkId: 0 as ChunkId,
    kinds: ["ledgers", "events", "txhash"],
    paths: {
      ledgerPack: join(dir, "00000000.pack"),
      events: { eventsPack: join(dir, "00000000.events.pack"), indexPack: join(dir, "00000000.index.pack"), indexHash: join(dir, "00000000.index.hash") },
      txhashRun: join(dir, "00000000.bin"),
    },
    source: { kind: "hot" },
  };
}

/** Answers the next message `worker` posts. */
function nextMessage(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.addEventListener("message", (event: MessageEvent) => resolve(event.data), { once: true });
    worker.addEventListener("error", (event: ErrorEvent) => reject(new Error(event.message)), { once: true });
  });
}

/** A lake object replaced by a FIFO whose write end a Worker holds: `feed` writes (and closes) it. */
interface FifoObject {
  /** Resolves once the writer has the FIFO open (so the build's read of it blocks). */
  attached: Promise<unknown>;
  /** Writes `bytes` into the FIFO and closes it; resolves when written. */
  feed(bytes: Uint8Array): Promise<unknown>;
}

/** Runs `run` with lake object `objectName` turned into a FIFO, then restores the object. */
async function withFifoObject(objectName: string, run: (fifo: FifoObject) => Promise<void>): Promise<void> {
  const objectPath = join(lakeDir, "FFFFFFFF--0-6399999", objectName);
  const objectBytes = readFileSync(objectPath);
  rmSync(objectPath);
  expect(Bun.spawnSync(["mkfifo", objectPath]).exitCode).toBe(0);
  const fifoWriter = new Worker(join(SUPPORT, "fifo_writer_worker.ts"));
  try {
    const attached = nextMessage(fifoWriter);
    fifoWriter.postMessage({ path: objectPath });
    await run({
      attached,
      feed(bytes) {
        const written = nextMessage(fifoWriter);
        fifoWriter.postMessage({ bytes });
        return written;
      },
    });
  } finally {
    fifoWriter.terminate();
    rmSync(objectPath);
    writeFileSync(objectPath, objectBytes);
  }
}

describe("runInWorker() cancellation", () => {
  test("an aborted chunk build from the lake closes and removes its writers' files before its Worker goes", async () => {
    const dir = join(root, "lake-chunk");
    mkdirSync(dir);
    // The second lake object becomes a FIFO: the build's Worker opening it is the instant to abort,
    // with every writer open and the first object's ledgers streamed.
    const objectName = "FFFFFF9B--100-199.xdr.zst";
    const objectBytes = readFileSync(join(lakeDir, "FFFFFFFF--0-6399999", objectName));
    await withFifoObject(objectName, async (fifo) => {
      const task: ChunkWriteTask = { ...chunkTask(dir), source: { kind: "lake", lake: lakeOptionsOf(lakeDir) } };
      const controller = new AbortController();
      const reason = new Error("another task exhausted its retries");
      // Settled early on purpose: a plain terminate() rejects at the abort, before the FIFO is fed.
      const outcome = runInWorker(task, { signal: controller.signal, failurePrefix: PREFIX }).catch((error: unknown) => error);
      expect(await fifo.attached).toBe("attached");
      controller.abort(reason);
      expect(await fifo.feed(objectBytes)).toBe("written");
      expect(await outcome).toBe(reason);
      expect(openFilesUnder(root)).toEqual([]);
      expect(readdirSync(dir)).toEqual([]);
    });
  });

  test("an aborted chunk build stalled on a lake object that never arrives still unwinds, removing its files, without the terminate fallback", async () => {
    const dir = join(root, "lake-chunk-stalled");
    mkdirSync(dir);
    // The first lake object becomes a FIFO that is never fed: with every writer open, the build
    // waits on a read that does not end (as on a stalled GET or a long retry wait), which only the
    // abort can cut short before CANCEL_REPLY_TIMEOUT_MS terminates the Worker, fds and files left.
    const logLines: string[] = [];
    const logger = createLogger({ level: "warn", format: "text", write: (line) => logLines.push(line) });
    await withFifoObject("FFFFFFFF--0-99.xdr.zst", async (fifo) => {
      const task: ChunkWriteTask = { ...chunkTask(dir), source: { kind: "lake", lake: lakeOptionsOf(lakeDir) } };
      const controller = new AbortController();
      const reason = new Error("another task exhausted its retries");
      const outcome = runInWorker(task, { signal: controller.signal, failurePrefix: PREFIX, logger }).catch((error: unknown) => error);
      expect(await fifo.attached).toBe("attached");
      controller.abort(reason);
      expect(await outcome).toBe(reason);
      expect(logLines).toEqual([]);
      expect(openFilesUnder(dir)).toEqual([]);
      expect(readdirSync(dir)).toEqual([]);
      // Closes the write end; the reader went with its Worker.
      expect(await fifo.feed(new Uint8Array(0))).toBe("written");
    });
  }, 30_000);

  test("an aborted chunk build from the hot feed closes and removes its writers' files before its Worker goes", async () => {
    const dir = join(root, "chunk");
    mkdirSync(dir);
    const task = chunkTask(dir);
    const controller = new AbortController();
    const reason = new Error("another task exhausted its retries");
    // The Worker asks for a second batch only after the first reached every open writer: abort then.
    let nextIndex = 0;
    const feed: Iterator<Uint8Array> = {
      next: () => {
        if (nextIndex === LEDGER_FEED_BATCH_LEDGERS_MAX) controller.abort(reason);
        return { done: false, value: ledgers[nextIndex++]! };
      },
    };
    const run = runInWorker(task, { signal: controller.signal, failurePrefix: PREFIX, ledgerFeed: feed });
    await expect(run).rejects.toBe(reason);
    expect(controller.signal.aborted).toBe(true);
    expect(openFilesUnder(dir)).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  test("an aborted index build closes its output and its nameless side file, and stops its partition Worker", async () => {
    const dir = join(root, "index");
    mkdirSync(dir);
    const runs = await writeRandomRuns(dir, { runCount: 4, entriesPerRun: 50_000, seed: 7, firstLedger: FIRST_LEDGER, ledgersPerRun: 10_000 });
    const task: IndexBuildTask = {
      kind: "index",
      runPaths: runs.runPaths,
      outputPath: join(dir, "index.idx"),
      minLedger: FIRST_LEDGER,
      maxLedger: (FIRST_LEDGER + 40_000 - 1) as LedgerSeq,
    };
    const controller = new AbortController();
    const reason = new Error("shutdown");
    const gate = nextPausedWorkerGate();
    const run = runInWorker(task, {
      signal: controller.signal,
      failurePrefix: PREFIX,
      workerSpecifier: join(SUPPORT, "backfill_worker_paused.ts"),
    });
    // The build paused as it spawns its partition Worker: output and side file are open.
    const opened = await gate;
    expect(openFilesUnder(dir).some((target) => target.endsWith(" (deleted)"))).toBe(true);
    controller.abort(reason);
    openGate(opened);
    await expect(run).rejects.toBe(reason);
    expect(openFilesUnder(dir)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(runs.runPaths.map((path) => path.slice(dir.length + 1)).sort());
  });
});
