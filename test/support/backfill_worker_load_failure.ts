/**
 * A Worker script that throws while loading, like a module missing from a compiled binary
 * (bun-ffi.md §7): `_worker_task_test.ts` checks that this surfaces as a task error, not a hang.
 * @module
 */

throw new Error("this Worker fails while loading");
