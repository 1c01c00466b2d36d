import { describe, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { FatalError, FullhistoryError } from "../errors.ts";
import { runSideBySide, SiblingFailedError, type SideTask } from "./side_by_side.ts";

/** What a waiting task saw: whether it was stopped, and the abort reason. */
interface Seen {
  reason?: unknown;
  stopped: boolean;
}

/** A task that runs until aborted, records the reason it saw, then does what `onAbort` says. */
function waitingTask(seen: Seen, onAbort: "resolve" | "reject" = "resolve"): SideTask {
  return (options) =>
    new Promise((resolve, reject) => {
      const stop = (): void => {
        seen.reason = options.signal.reason;
        seen.stopped = true;
        if (onAbort === "resolve") resolve();
        else reject(options.signal.reason);
      };
      if (options.signal.aborted) return stop();
      options.signal.addEventListener("abort", stop, { once: true });
    });
}

describe("runSideBySide()", () => {
  test("a failing task aborts the other, waits for it and rethrows the failure", async () => {
    const seen: Seen = { stopped: false };
    const failure = new FullhistoryError("Cannot read ledger 20002 from the lake");
    const run = runSideBySide(
      {
        lifecycle: waitingTask(seen, "reject"),
        ingestion: async () => {
          await Promise.resolve();
          throw failure;
        },
      },
      { signal: new AbortController().signal },
    );
    await expect(run).rejects.toBe(failure);
    expect(seen.stopped).toBe(true);
    expect(seen.reason).toBeInstanceOf(SiblingFailedError);
    expect((seen.reason as Error).message).toBe("Stopped because the ingestion task failed");
  });

  test("resolves after the caller's abort once every task returned", async () => {
    const controller = new AbortController();
    const lifecycle: Seen = { stopped: false };
    const ingestion: Seen = { stopped: false };
    const run = runSideBySide(
      { lifecycle: waitingTask(lifecycle, "resolve"), ingestion: waitingTask(ingestion, "reject") },
      { signal: controller.signal },
    );
    const reason = new FullhistoryError("Interrupted by SIGTERM");
    controller.abort(reason);
    await run;
    expect(lifecycle).toEqual({ reason, stopped: true });
    expect(ingestion).toEqual({ reason, stopped: true });
  });

  test("a fatal failure of the second task wins over the restartable first one", async () => {
    const fatal = new FatalError('Hot storage lost: chunk 00000002 is "ready" but its hot DB won\'t open');
    const run = runSideBySide(
      {
        ingestion: async () => {
          throw new FullhistoryError("lake object corrupt");
        },
        lifecycle: (options) =>
          new Promise((_resolve, reject) => {
            const fail = (): void => reject(fatal);
            if (options.signal.aborted) return fail();
            options.signal.addEventListener("abort", fail, { once: true });
          }),
      },
      { signal: new AbortController().signal },
    );
    await expect(run).rejects.toBe(fatal);
  });

  test("an AbortError from a stopped task is the stop, not a failure", async () => {
    const failure = new FullhistoryError("Cannot freeze chunk 00000001");
    const run = runSideBySide(
      {
        lifecycle: async () => {
          throw failure;
        },
        ingestion: (options) =>
          new Promise((_resolve, reject) => {
            const fail = (): void => reject(new DOMException("The operation was aborted.", "AbortError"));
            if (options.signal.aborted) return fail();
            options.signal.addEventListener("abort", fail, { once: true });
          }),
      },
      { signal: new AbortController().signal },
    );
    await expect(run).rejects.toBe(failure);
  });

  test("a task that returns although nothing stopped it fails the run as a bug", async () => {
    const seen = { stopped: false };
    const run = runSideBySide({ lifecycle: waitingTask(seen), ingestion: async () => undefined }, { signal: new AbortController().signal });
    await expect(run).rejects.toThrow(new InvariantError("the ingestion task returned although nothing stopped it"));
    expect(seen.stopped).toBe(true);
  });

  test("with an already aborted signal every task starts aborted and it resolves", async () => {
    const controller = new AbortController();
    controller.abort(new FullhistoryError("stop"));
    const seen = { stopped: false };
    await runSideBySide({ lifecycle: waitingTask(seen) }, { signal: controller.signal });
    expect(seen.stopped).toBe(true);
  });
});
