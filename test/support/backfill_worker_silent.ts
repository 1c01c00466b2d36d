/**
 * A Worker script that accepts its task and never answers: `_worker_task_test.ts` aborts it and
 * checks that the abort alone ends the task.
 * @module
 */

declare const self: Worker;

self.onmessage = (): void => {};
