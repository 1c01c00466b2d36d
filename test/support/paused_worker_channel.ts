/**
 * The rendezvous of `backfill_worker_paused.ts` and its test: the Worker posts `{ gate }` (an Int32
 * in shared memory) on this BroadcastChannel and waits until the test stores 1 into it.
 * @module
 */

import { assert } from "../../src/assert.ts";

export const PAUSED_WORKER_CHANNEL = "fullhistory-test-paused-backfill-worker";
/** Bound of the Worker's wait: a test that never opens the gate fails instead of hanging. */
export const PAUSED_WORKER_WAIT_MS = 30_000;

/** Resolves with the gate once the paused Worker posts it. */
export function nextPausedWorkerGate(): Promise<Int32Array> {
  const channel = new BroadcastChannel(PAUSED_WORKER_CHANNEL);
  return new Promise((resolve) => {
    channel.onmessage = (event) => {
      channel.close();
      const gate: unknown = event.data.gate;
      assert(gate instanceof Int32Array, "the paused Worker posted no gate");
      resolve(gate);
    };
  });
}

/** Lets the paused Worker go on. */
export function openGate(gate: Int32Array): void {
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
}
