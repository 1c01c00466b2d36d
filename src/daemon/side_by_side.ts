/**
 * Runs the daemon's long-lived tasks side by side (reference §7.6 steps 9–11, §7.12; D11): live
 * ingestion and the lifecycle loop. Each task runs until its signal aborts; neither may end on its
 * own. When one fails, the others are aborted (ingestion commits or drops its in-flight batch, the
 * lifecycle stops between ops) and awaited, and the failure is thrown, so a run never leaves a task
 * behind writing to storage the next run is about to open. When the caller's signal aborts, every
 * task is aborted the same way and, once all have returned, this resolves.
 *
 * Which failure is thrown when several tasks fail: the most severe by `classifyRunFailure` (a bug,
 * then a fatal class, then a restartable one), the earliest among equals; failures that only say
 * "aborted" (the abort reason itself, a DOMException `AbortError`) are the stop, not a failure.
 * @module
 */

import { InvariantError } from "../assert.ts";
import { FullhistoryError } from "../errors.ts";
import { classifyRunFailure, type RunFailureClass } from "./supervisor.ts";

/** A long-lived task: runs until `signal` aborts (then resolves or rejects with the reason), or fails. */
export type SideTask = (options: { signal: AbortSignal }) => Promise<void>;

/** The abort reason the other tasks see when one of them failed. */
export class SiblingFailedError extends FullhistoryError {
  override name = "SiblingFailedError";
}

const SEVERITY: Readonly<Record<RunFailureClass, number>> = { restart: 0, fatal: 1, bug: 2 };

/** Runs every task of `tasks` (name → task) until `signal` aborts or one fails (see the module comment). */
export async function runSideBySide(tasks: Readonly<Record<string, SideTask>>, options: { signal: AbortSignal }): Promise<void> {
  const controller = new AbortController();
  const forwardAbort = (): void => controller.abort(options.signal.reason);
  if (options.signal.aborted) forwardAbort();
  else options.signal.addEventListener("abort", forwardAbort, { once: true });
  const failures: unknown[] = [];
  const fail = (err: unknown, taskName: string): void => {
    failures.push(err);
    if (!controller.signal.aborted) controller.abort(new SiblingFailedError(`Stopped because the ${taskName} task failed`, { cause: err }));
  };
  const running = Object.entries(tasks).map(([taskName, task]) =>
    task({ signal: controller.signal }).then(
      () => {
        if (!controller.signal.aborted) fail(new InvariantError(`the ${taskName} task returned although nothing stopped it`), taskName);
      },
      (err: unknown) => {
        if (controller.signal.aborted && isAbortOnly(err, controller.signal)) return;
        fail(err, taskName);
      },
    ),
  );
  try {
    await Promise.all(running);
  } finally {
    options.signal.removeEventListener("abort", forwardAbort);
  }
  const worst = mostSevere(failures);
  if (worst !== undefined) throw worst.err;
}

/** The abort itself, reported back: not a failure of the task. */
function isAbortOnly(err: unknown, signal: AbortSignal): boolean {
  if (err === signal.reason) return true;
  return err instanceof DOMException && err.name === "AbortError";
}

function mostSevere(failures: readonly unknown[]): { err: unknown } | undefined {
  let worst: { err: unknown; severity: number } | undefined;
  for (const err of failures) {
    const severity = SEVERITY[classifyRunFailure(err)];
    if (worst === undefined || severity > worst.severity) worst = { err, severity };
  }
  return worst;
}
