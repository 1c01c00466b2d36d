/**
 * Entry point of a backfill Worker (bun-ffi.md §7–§8): runs ONE task posted by the main thread —
 * write a chunk's artifacts (`write_chunk_artifacts.ts`) or build a coverage's `.idx`, half of its
 * keys here and half in a partition Worker it spawns (`encode_partition_in_worker.ts`) — and answers
 * with exactly one `done` or `failed` message (`_worker_protocol.ts`). CPU-heavy work (lake fetch
 * and zstd decode, XDR walk, zstd encode, sort, index build) runs here so the main thread stays
 * free and both cores work. It never opens the catalog or a RocksDB: a hot DB's ledgers are fed in
 * by the main thread.
 *
 * Cancellation (`task_cancellation.ts`): the task checks the shared cancel flag per ledger (chunk
 * build) or per merged batch (index build, and its partition Worker), throws `TaskCancelledError`,
 * unwinds through its `finally` blocks (closing fds, removing partial files as on failure) and
 * answers `cancelled`; a `cancel` message also wakes a hot feed's pending `pull` and aborts a lake
 * read's wait (an object that does not arrive, a retry wait), which no flag check would reach.
 *
 * `bun build --compile` must list this file as an extra entrypoint (the Makefile's `build:` line);
 * `_worker_task.ts` finds it in the binary.
 * @module
 */

import { assert, unreachable } from "../assert.ts";
import { crashPoint } from "../crash_point.ts";
import { chunkFirstLedger, chunkLastLedger, LEDGERS_PER_CHUNK } from "../geometry/chunk.ts";
import { openLedgerPack } from "../formats/ledger_pack_reader.ts";
import { buildTxhashIndexInParallel } from "../formats/txhash_index_build.ts";
import { openLakeSource } from "../lake/open_lake_source.ts";
import { serializeError } from "../serialized_error.ts";
import { encodePartitionInWorker } from "./encode_partition_in_worker.ts";
import { type CancelFlag, cancelFlagRaised, cancellationCheck, raiseCancelFlag, TaskCancelledError } from "./task_cancellation.ts";
import { writeChunkArtifacts } from "./write_chunk_artifacts.ts";
import {
  type ChunkWritten,
  type ChunkWriteTask,
  type FromWorker,
  type ToWorker,
  type WorkerResult,
  type WorkerTask,
} from "./_worker_protocol.ts";

declare const self: Worker;

/**
 * Key partitions of an index build: this Worker encodes the first, a partition Worker the second,
 * so the build uses both cores of the target machine (txindex.md §3.7).
 */
const INDEX_BUILD_PARTITIONS = 2;

/** The batch the main thread is about to send, when the write loop is waiting for one. */
let awaitingLedgers: { deliver: (batch: { ledgers: Uint8Array[]; done: boolean }) => void; cancel: (error: Error) => void } | undefined;
/** The task's cancel flag, once the task arrived. */
let cancelFlag: CancelFlag | undefined;
/**
 * Aborted by a `cancel` message: ends a wait the per-ledger flag check cannot reach (a lake
 * object that does not arrive, a retry wait), so the task still unwinds before it is terminated.
 */
const taskAbort = new AbortController();

self.onmessage = (event: MessageEvent<ToWorker>): void => {
  const message = event.data;
  switch (message.kind) {
    case "task":
      assert(cancelFlag === undefined, "a backfill Worker runs one task");
      cancelFlag = message.cancelFlag;
      void runAndReport(message.task, message.cancelFlag);
      return;
    case "ledgers": {
      const pending = awaitingLedgers;
      assert(pending !== undefined, "ledgers arrived that the Worker did not pull");
      awaitingLedgers = undefined;
      pending.deliver(message);
      return;
    }
    case "cancel": {
      assert(cancelFlag !== undefined, "a cancel arrived before the task");
      raiseCancelFlag(cancelFlag); // the main thread raised it already; this keeps the Worker's view self-contained
      taskAbort.abort(new TaskCancelledError("the task's lake read was cancelled"));
      const pending = awaitingLedgers;
      awaitingLedgers = undefined;
      pending?.cancel(new TaskCancelledError("the hot feed's pull was cancelled"));
      return;
    }
    default:
      unreachable(message);
  }
};

async function runAndReport(task: WorkerTask, flag: CancelFlag): Promise<void> {
  let reply: FromWorker;
  try {
    reply = { kind: "done", result: await runTask(task, flag) };
  } catch (error) {
    reply = error instanceof TaskCancelledError ? { kind: "cancelled" } : { kind: "failed", error: serializeError(error) };
  }
  self.postMessage(reply);
}

async function runTask(task: WorkerTask, flag: CancelFlag): Promise<WorkerResult> {
  switch (task.kind) {
    case "chunk":
      return { kind: "chunk", written: await runChunkTask(task, flag) };
    case "index": {
      const built = await buildTxhashIndexInParallel(task, {
        partitionCount: INDEX_BUILD_PARTITIONS,
        encodeElsewhere: (partition, sideFd) => encodePartitionInWorker(partition, sideFd, { cancelFlag: flag }),
        checkStop: cancellationCheck(flag, `the index build of "${task.outputPath}"`),
      });
      crashPoint("index.built");
      return { kind: "index", written: built };
    }
    default:
      return unreachable(task);
  }
}

async function runChunkTask(task: ChunkWriteTask, flag: CancelFlag): Promise<ChunkWritten> {
  const first = chunkFirstLedger(task.chunkId);
  const last = chunkLastLedger(task.chunkId);
  const source = task.source;
  const checkCancelled = cancellationCheck(flag, `the build of chunk ${task.chunkId}`);
  switch (source.kind) {
    case "hot":
      return await writeChunkArtifacts(pulledLedgers(flag), { ...task, sourceDescription: "the hot DB", checkCancelled });
    case "pack": {
      const pack = openLedgerPack(source.path, { firstLedgerSeq: first, ledgerCount: LEDGERS_PER_CHUNK });
      try {
        return await writeChunkArtifacts(pack.ledgers(first, last), { ...task, sourceDescription: `ledger pack "${source.path}"`, checkCancelled });
      } finally {
        pack.close();
      }
    }
    case "lake": {
      const lake = await openLakeSource(source.lake);
      const ledgers = lake.ledgers({ first, last }, { signal: taskAbort.signal });
      return await writeChunkArtifacts(ledgers, { ...task, sourceDescription: lake.description, checkCancelled });
    }
    default:
      return unreachable(source);
  }
}

/** The hot DB's ledgers, pulled from the main thread one bounded batch at a time. */
async function* pulledLedgers(flag: CancelFlag): AsyncGenerator<Uint8Array> {
  // Each batch holds at least one ledger or ends the feed, so a chunk takes at most
  // LEDGERS_PER_CHUNK + 1 pulls; an overrun is caught by the write step, not here.
  for (let pull = 0; pull <= LEDGERS_PER_CHUNK + 1; pull++) {
    // A cancelled task pulls no more: the main thread no longer answers.
    if (cancelFlagRaised(flag)) throw new TaskCancelledError("the hot feed's pull was cancelled");
    const batch = await new Promise<{ ledgers: Uint8Array[]; done: boolean }>((resolve, reject) => {
      awaitingLedgers = { deliver: resolve, cancel: reject };
      const request: FromWorker = { kind: "pull" };
      self.postMessage(request);
    });
    yield* batch.ledgers;
    if (batch.done) return;
  }
  assert(false, `the hot feed sent more than ${LEDGERS_PER_CHUNK + 1} batches`);
}

