/**
 * Entry point of an index-partition Worker (txindex.md §3.6): spawned by a backfill Worker's index
 * build (`encode_partition_in_worker.ts`), it merges and encodes ONE key partition of the `.idx`
 * into a side file the build opened (same process, so the fd is valid here) and answers with
 * exactly one `done` (the block bytes and counts), `failed`, or — once the build's cancel flag is
 * raised — `cancelled` message, after its merge closed the runs.
 *
 * `bun build --compile` must list this file as an extra entrypoint (the Makefile's `build:` line).
 * @module
 */

import { assert } from "../assert.ts";
import { encodeTxhashIndexPartition } from "../formats/txhash_index_partition.ts";
import { serializeError } from "../serialized_error.ts";
import { type FromPartitionWorker, type ToPartitionWorker } from "./encode_partition_in_worker.ts";
import { cancellationCheck, TaskCancelledError } from "./task_cancellation.ts";

declare const self: Worker;

let taskStarted = false;

self.onmessage = (event: MessageEvent<ToPartitionWorker>): void => {
  assert(!taskStarted, "an index-partition Worker encodes one partition");
  taskStarted = true;
  const { task, sideFd, cancelFlag } = event.data;
  let reply: FromPartitionWorker;
  try {
    const checkStop = cancellationCheck(cancelFlag, "the index partition");
    const { blockDataBytes, counts } = encodeTxhashIndexPartition(task, { fd: sideFd, byteOffset: 0 }, { checkStop });
    reply = { kind: "done", blockDataBytes, counts };
  } catch (error) {
    reply = error instanceof TaskCancelledError ? { kind: "cancelled" } : { kind: "failed", error: serializeError(error) };
  }
  self.postMessage(reply);
};
