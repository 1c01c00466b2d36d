/**
 * A Worker script that exits without answering its task, like a Worker killed mid-build:
 * `_worker_task_test.ts` checks that this surfaces as a task error, not a hang.
 * @module
 */

declare const self: Worker;

self.onmessage = (): void => {
  process.exit(3);
};
