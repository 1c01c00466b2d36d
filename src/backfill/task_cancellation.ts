/**
 * Cooperative cancellation of a backfill Worker's task (docs/backfill.md "Cancellation"). File
 * descriptors belong to the process, not to a Worker: `worker.terminate()` stops its JS where it
 * is, so its `finally` blocks never run and every fd it held stays open until the process exits.
 * A cancelled task therefore unwinds itself first: the main thread raises a flag in a
 * `SharedArrayBuffer` (read by synchronous loops that never yield to the event loop: the chunk
 * build's ledger loop, the run merge and `.idx` encode, the partition Worker), the task throws
 * `TaskCancelledError` at its next check, its `finally` blocks close and remove what it opened,
 * and only then is the Worker terminated.
 * @module
 */

import { FullhistoryError } from "../errors.ts";

/** Thrown inside a Worker at the first check after its task was cancelled; never leaves the Worker. */
export class TaskCancelledError extends FullhistoryError {
  override name = "TaskCancelledError";
}

/** One Int32 in shared memory: 0 while the task runs, 1 once it is cancelled. */
export type CancelFlag = Int32Array<SharedArrayBuffer>;

/** A new, lowered flag; post it to the Worker(s) of one task. */
export function newCancelFlag(): CancelFlag {
  return new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
}

/** Raises the flag; every thread holding it sees it at its next check. */
export function raiseCancelFlag(flag: CancelFlag): void {
  Atomics.store(flag, 0, 1);
}

export function cancelFlagRaised(flag: CancelFlag): boolean {
  return Atomics.load(flag, 0) === 1;
}

/** The `checkStop` of a format routine: throws `TaskCancelledError` naming `what` once the flag is up. */
export function cancellationCheck(flag: CancelFlag, what: string): () => void {
  return () => {
    if (cancelFlagRaised(flag)) throw new TaskCancelledError(`${what} was cancelled`);
  };
}
