/**
 * Bench-only index-partition Worker that stays alive across builds, so `txhash_index_build_2core`
 * measures both cores with a warm JIT, as the one-core figure does (its warm-up build) and as a
 * window's build does: that takes minutes, where a fresh Worker's cold JIT is noise. On the bench's
 * 20M keys it is not: a 10M-key partition alone took 727–758 ms in a fresh Worker and 589–665 ms on
 * its second and third runs; whole 2-core builds alternated 8 times took a median 616 ms with this
 * Worker against 651 ms with a fresh one. The production path, a fresh Worker per build
 * (`encodePartitionInWorker`), is measured beside it as `txhash_index_build_2core_fresh`.
 *
 * Each message `{ task, sideFd }` is answered with `{ blockDataBytes, counts }` or `{ error }`.
 * @module
 */

import { encodeTxhashIndexPartition, type TxhashIndexPartitionTask } from "../src/formats/txhash_index_partition.ts";

declare const self: Worker;

self.onmessage = (event: MessageEvent<{ task: TxhashIndexPartitionTask; sideFd: number }>): void => {
  const { task, sideFd } = event.data;
  try {
    const { blockDataBytes, counts } = encodeTxhashIndexPartition(task, { fd: sideFd, byteOffset: 0 });
    self.postMessage({ blockDataBytes, counts });
  } catch (error) {
    self.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
};
