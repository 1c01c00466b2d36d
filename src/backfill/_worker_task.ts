/**
 * Runs one backfill task in a fresh Bun Worker (`backfill_worker.ts`) and turns every way it can
 * end into exactly one settled promise (bun-ffi.md §7: a Worker that fails to load reports only
 * through `onerror`; without a handler the process exits silently):
 *
 *   `done` message         → resolves with the result
 *   `failed` message       → rejects with the Worker's error, re-classed by category
 *   `error` event          → rejects (a throw outside the task, a module that failed to load)
 *   `close` before a reply → rejects (the Worker exited or was killed)
 *   signal aborted         → cancels the task, then terminates the Worker and rejects with `signal.reason`
 *
 * Cancellation unwinds before it terminates (docs/backfill.md "Cancellation"): fds belong to the
 * process, and `terminate()` skips the Worker's `finally` blocks, so a killed task would leak every
 * file it held open (and the disk space of any later unlinked one) for the daemon's lifetime. On
 * abort the shared cancel flag is raised and `cancel` posted; the task throws at its next check,
 * closes and removes what it opened, and answers `cancelled` (or `done`/`failed` if it got there
 * first; either way the promise rejects with `signal.reason`). A Worker that has not answered
 * within `CANCEL_REPLY_TIMEOUT_MS` (stuck in one long native call) is terminated anyway, with a
 * warning naming the task: its fds may then stay open until the process exits.
 *
 * The Worker is terminated (and a hot feed ended) once the promise settles, so no Worker outlives
 * its task. One Worker per task: a chunk build's memory (term postings, tx-hash columns) is
 * returned with it, and a crash of one build cannot poison the next.
 * @module
 */

import { dirname, join } from "node:path";
import { assert, InvariantError, unreachable } from "../assert.ts";
import { FatalError, FullhistoryError } from "../errors.ts";
import { errorChainText, type Logger } from "../log/logger.ts";
import { type SerializedError, workerErrorEventText } from "../serialized_error.ts";
import { BackfillFatalTaskError, BackfillTaskError } from "./backfill_errors.ts";
import {
  type FromWorker,
  type ToWorker,
  type WorkerResult,
  type WorkerTask,
  LEDGER_FEED_BATCH_BYTES_MAX,
  LEDGER_FEED_BATCH_LEDGERS_MAX,
} from "./_worker_protocol.ts";
import { newCancelFlag, raiseCancelFlag } from "./task_cancellation.ts";

/**
 * How long a cancelled task may take to unwind before its Worker is terminated regardless. The
 * checks come per ledger or per merged batch (milliseconds apart); the bound covers one native call
 * that cannot be interrupted: a large zstd frame, an fsync of a freshly written file.
 */
export const CANCEL_REPLY_TIMEOUT_MS = 5_000;

/** How one task runs. */
export interface WorkerRunOptions {
  /** Aborting cancels the task (module doc); the promise rejects with `signal.reason`. */
  signal: AbortSignal;
  /** Where a Worker that did not unwind within `CANCEL_REPLY_TIMEOUT_MS` is reported. */
  logger?: Logger;
  /** Starts every failure message: `Cannot build chunk 00000005 (ledgers, events) from the lake`. */
  failurePrefix: string;
  /** The ledgers a hot-sourced chunk task pulls; read on this thread in bounded batches. */
  ledgerFeed?: Iterator<Uint8Array>;
  /** The Worker script; the backfill Worker unless a test points at another. */
  workerSpecifier?: string;
}

/**
 * Where the backfill Worker script is. From source: beside this module. In the compiled binary
 * (`bun build --compile --root .`, the Makefile), every entrypoint sits at its repository path
 * under the binary's virtual root, next to the main entry `Bun.main`; without `--root .` the
 * paths would depend on the common directory of all entrypoints.
 */
export function backfillWorkerSpecifier(): string {
  if (import.meta.url.startsWith("file:///$bunfs/")) return join(dirname(Bun.main), "src/backfill/backfill_worker.ts");
  return new URL("./backfill_worker.ts", import.meta.url).href;
}

/** Runs `task` in a new Worker (see the module doc). */
export function runInWorker(task: WorkerTask, options: WorkerRunOptions): Promise<WorkerResult> {
  const { signal, failurePrefix } = options;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<WorkerResult>((resolve, reject) => {
    const worker = new Worker(options.workerSpecifier ?? backfillWorkerSpecifier());
    const cancelFlag = newCancelFlag();
    let settled = false;
    let cancelTimer: ReturnType<typeof setTimeout> | undefined;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      clearTimeout(cancelTimer);
      worker.terminate();
      options.ledgerFeed?.return?.(); // ends a generator feed early, freeing its RocksDB iterator
      finish();
    };
    // Once cancelled, every way the Worker ends rejects with the abort reason.
    const settleOrCancelled = (finish: () => void): void => settle(signal.aborted ? () => reject(signal.reason) : finish);
    const onAbort = (): void => {
      raiseCancelFlag(cancelFlag);
      const cancel: ToWorker = { kind: "cancel" };
      worker.postMessage(cancel);
      cancelTimer = setTimeout(() => {
        options.logger?.warn("a cancelled backfill task did not unwind in time: its Worker is terminated, its open files may stay open until exit", {
          task: failurePrefix,
          timeout_ms: CANCEL_REPLY_TIMEOUT_MS,
        });
        settle(() => reject(signal.reason));
      }, CANCEL_REPLY_TIMEOUT_MS);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    worker.addEventListener("message", (event: MessageEvent<FromWorker>) => {
      const message = event.data;
      switch (message.kind) {
        case "done":
          settleOrCancelled(() => resolve(message.result));
          return;
        case "failed":
          settleOrCancelled(() => reject(errorFromWorker(failurePrefix, message.error)));
          return;
        case "cancelled":
          settleOrCancelled(() => reject(new InvariantError(`${failurePrefix}: its Worker reported a cancellation nobody asked for`)));
          return;
        case "pull":
          if (signal.aborted) return; // the `cancel` already sent wakes the Worker's pending pull
          feedBatch(worker, options.ledgerFeed, { failurePrefix, signal, fail: (error) => settle(() => reject(error)) });
          return;
        default:
          unreachable(message);
      }
    });
    worker.addEventListener("error", (event: ErrorEvent) => {
      settleOrCancelled(() => reject(new BackfillTaskError(`${failurePrefix}: its Worker failed: ${workerErrorEventText(event)}; the attempt is retried`)));
    });
    worker.addEventListener("messageerror", () => {
      settle(() => reject(new InvariantError(`${failurePrefix}: a Worker message could not be deserialized`)));
    });
    worker.addEventListener("close", (event: CloseEvent) => {
      settleOrCancelled(() =>
        reject(new BackfillTaskError(`${failurePrefix}: its Worker exited (code ${event.code}) before reporting a result; the attempt is retried`)),
      );
    });
    const start: ToWorker = { kind: "task", task, cancelFlag };
    worker.postMessage(start);
  });
}

/** Answers one `pull`: at most LEDGER_FEED_BATCH_* of the feed, `done` once it is exhausted. */
function feedBatch(
  worker: Worker,
  feed: Iterator<Uint8Array> | undefined,
  context: { failurePrefix: string; signal: AbortSignal; fail: (error: unknown) => void },
): void {
  assert(feed !== undefined, `${context.failurePrefix}: the Worker pulled ledgers but the task has no feed`);
  const ledgers: Uint8Array[] = [];
  let byteCount = 0;
  let done = false;
  try {
    while (ledgers.length < LEDGER_FEED_BATCH_LEDGERS_MAX && byteCount < LEDGER_FEED_BATCH_BYTES_MAX) {
      const next = feed.next();
      if (next.done === true) {
        done = true;
        break;
      }
      ledgers.push(next.value);
      byteCount += next.value.byteLength;
    }
  } catch (error) {
    context.fail(taskErrorOf(context.failurePrefix, error));
    return;
  }
  // Reading the feed may have run the abort (a feed that aborts, a listener it triggers): the
  // `cancel` is already posted, and the Worker no longer waits for this batch.
  if (context.signal.aborted) return;
  const batch: ToWorker = { kind: "ledgers", ledgers, done };
  worker.postMessage(batch);
}

/** An error raised on this thread for a task, re-classed like a Worker's (bugs propagate as they are). */
export function taskErrorOf(failurePrefix: string, error: unknown): unknown {
  if (error instanceof FatalError) return new BackfillFatalTaskError(`${failurePrefix}: ${errorChainText(error)}`, { cause: error });
  if (error instanceof FullhistoryError) return new BackfillTaskError(`${failurePrefix}: ${errorChainText(error)}`, { cause: error });
  return error;
}

function errorFromWorker(failurePrefix: string, error: SerializedError): Error {
  switch (error.category) {
    case "expected":
      return new BackfillTaskError(`${failurePrefix}: ${error.message}`);
    case "fatal":
      return new BackfillFatalTaskError(`${failurePrefix}: ${error.message}`);
    case "bug":
      return new InvariantError(`${failurePrefix}: ${error.name} in its Worker: ${error.message}\n${error.stack ?? "(no stack)"}`);
    default:
      return unreachable(error.category);
  }
}
