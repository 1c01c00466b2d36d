/**
 * A backfill Worker (the real one) that pauses the first time it starts a nested Worker — its index
 * build spawning the partition Worker, when the `.idx` output and the O_TMPFILE side file are both
 * open — until the test releases it: a deterministic instant to cancel an index build mid-task.
 * It posts a shared gate on `PAUSED_WORKER_CHANNEL`; the test aborts, then opens the gate.
 * @module
 */

import "../../src/backfill/backfill_worker.ts";
import { PAUSED_WORKER_CHANNEL, PAUSED_WORKER_WAIT_MS } from "./paused_worker_channel.ts";

const RealWorker = globalThis.Worker;
let paused = false;

class PausingWorker extends RealWorker {
  constructor(specifier: string | URL, options?: WorkerOptions) {
    if (!paused) {
      paused = true;
      const gate = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
      const channel = new BroadcastChannel(PAUSED_WORKER_CHANNEL);
      channel.postMessage({ gate });
      channel.close();
      const outcome = Atomics.wait(gate, 0, 0, PAUSED_WORKER_WAIT_MS);
      if (outcome === "timed-out") throw new Error(`the test did not open the gate within ${PAUSED_WORKER_WAIT_MS} ms`);
    }
    super(specifier, options);
  }
}

Object.defineProperty(globalThis, "Worker", { value: PausingWorker });
