/**
 * Encodes one key partition of an `.idx` build in a fresh Bun Worker (`txhash_partition_worker.ts`):
 * the `encodeElsewhere` of `buildTxhashIndexInParallel`, so a backfill index build uses both cores
 * (txindex.md §3.6–3.7). Every way the Worker can end settles the promise exactly once, like
 * `_worker_task.ts`: `done` resolves; `failed` rejects with the error re-classed by category (an
 * expected failure stays retryable, a fatal one stays fatal, a bug stays a bug); `error` and a
 * `close` before a reply reject. The Worker is terminated once the promise settles.
 *
 * Cancellation: the partition Worker shares its index build's cancel flag (`task_cancellation.ts`)
 * and checks it per merged batch; once raised it stops, answers `cancelled`, and the promise rejects
 * with `TaskCancelledError`. The build awaits this before its `finally` closes the side fd, so no
 * Worker is still writing into a closed (or reused) descriptor.
 * @module
 */

import { join } from "node:path";
import { InvariantError, unreachable } from "../assert.ts";
import type { EncodedBlocks } from "../formats/_txhash_index_encoder.ts";
import type { TxhashIndexPartitionTask } from "../formats/txhash_index_partition.ts";
import { type SerializedError, workerErrorEventText } from "../serialized_error.ts";
import { BackfillFatalTaskError, BackfillTaskError } from "./backfill_errors.ts";
import { type CancelFlag, newCancelFlag, TaskCancelledError } from "./task_cancellation.ts";

/** The one message a partition Worker receives. */
export interface ToPartitionWorker {
  task: TxhashIndexPartitionTask;
  /** Open read-write side file; the Worker writes the partition's blocks from byte 0. */
  sideFd: number;
  /** The index build's cancel flag, checked per merged batch. */
  cancelFlag: CancelFlag;
}

/** The one message a partition Worker answers with. */
export type FromPartitionWorker =
  | { kind: "done"; blockDataBytes: number; counts: Uint32Array }
  | { kind: "failed"; error: SerializedError }
  | { kind: "cancelled" };

/** Where the compiled binary's files live: `/$bunfs/<root>/`. */
const BUNFS_PREFIX = "/$bunfs/";

/**
 * The partition Worker script. From source: beside this module. In the compiled binary every
 * entrypoint sits at its repository path under the virtual root (`--root .`), as in
 * `_worker_task.ts`; but this runs inside a backfill Worker, whose `Bun.main` is its own entry
 * (`/$bunfs/root/src/backfill/backfill_worker.js`), so the root is cut from the front of it.
 */
function partitionWorkerSpecifier(): string {
  if (!Bun.main.startsWith(BUNFS_PREFIX)) return new URL("./txhash_partition_worker.ts", import.meta.url).href;
  const virtualRoot = Bun.main.slice(0, Bun.main.indexOf("/", BUNFS_PREFIX.length));
  return join(virtualRoot, "src/backfill/txhash_partition_worker.ts");
}

/**
 * Encodes `task` into `sideFd` in a new Worker; resolves with its block bytes and counts, rejects
 * with `TaskCancelledError` once it stopped for a raised `cancelFlag` (none: it cannot be cancelled).
 */
export function encodePartitionInWorker(task: TxhashIndexPartitionTask, sideFd: number, options: { cancelFlag?: CancelFlag } = {}): Promise<EncodedBlocks> {
  const what = `index partition of blocks [${task.blockFrom}, ${task.blockEnd})`;
  return new Promise<EncodedBlocks>((resolve, reject) => {
    const worker = new Worker(partitionWorkerSpecifier());
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      worker.terminate();
      finish();
    };
    worker.addEventListener("message", (event: MessageEvent<FromPartitionWorker>) => {
      const message = event.data;
      switch (message.kind) {
        case "done":
          settle(() => resolve({ blockDataBytes: message.blockDataBytes, counts: message.counts }));
          return;
        case "failed":
          settle(() => reject(errorOfPartition(what, message.error)));
          return;
        case "cancelled":
          settle(() => reject(new TaskCancelledError(`The ${what} was cancelled`)));
          return;
        default:
          unreachable(message);
      }
    });
    worker.addEventListener("error", (event: ErrorEvent) => {
      settle(() => reject(new BackfillTaskError(`The ${what}: its Worker failed: ${workerErrorEventText(event)}; the attempt is retried`)));
    });
    worker.addEventListener("messageerror", () => {
      settle(() => reject(new InvariantError(`The ${what}: a Worker message could not be deserialized`)));
    });
    worker.addEventListener("close", (event: CloseEvent) => {
      settle(() => reject(new BackfillTaskError(`The ${what}: its Worker exited (code ${event.code}) before reporting; the attempt is retried`)));
    });
    const start: ToPartitionWorker = { task, sideFd, cancelFlag: options.cancelFlag ?? newCancelFlag() };
    worker.postMessage(start);
  });
}

function errorOfPartition(what: string, error: SerializedError): Error {
  switch (error.category) {
    case "expected":
      return new BackfillTaskError(`The ${what}: ${error.message}`);
    case "fatal":
      return new BackfillFatalTaskError(`The ${what}: ${error.message}`);
    case "bug":
      return new InvariantError(`The ${what}: ${error.name} in its Worker: ${error.message}\n${error.stack ?? "(no stack)"}`);
    default:
      return unreachable(error.category);
  }
}
