import { describe, expect, test } from "bun:test";
import { FullhistoryError } from "../errors.ts";
import { type ChunkId, type WindowId } from "../geometry/chunk.ts";
import { ARTIFACT_KINDS } from "../geometry/keys.ts";
import { SILENT_BACKFILL_OBSERVER, type TaskRetriedEvent } from "./backfill_observer.ts";
import { type ExecutePlanDeps, ExecutePlanConfigError, executePlan } from "./execute_plan.ts";
import { type IndexBuild, type Plan } from "./resolve.ts";

class TaskFailure extends FullhistoryError {
  override name = "TaskFailure";
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Resolves when `signal` aborts (a task body that runs until cancelled). */
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

function planOf(chunkIds: readonly number[], coverages: readonly [number, number, number][]): Plan {
  return {
    chunkBuilds: chunkIds.map((id) => ({ chunkId: id as ChunkId, kinds: [...ARTIFACT_KINDS] })),
    indexBuilds: coverages.map(([windowId, lo, hi]) => ({ windowId: windowId as WindowId, lo: lo as ChunkId, hi: hi as ChunkId })),
  };
}

function indexName(build: IndexBuild): string {
  return `index ${build.windowId}`;
}

/** Deps whose task bodies log `start`/`end` and track how many run at once. */
function recordingDeps(overrides: Partial<ExecutePlanDeps> & { log: string[] }): ExecutePlanDeps & { peakRunning: () => number } {
  let running = 0;
  let peak = 0;
  const track = async (name: string, body: () => Promise<void>): Promise<void> => {
    running += 1;
    peak = Math.max(peak, running);
    overrides.log.push(`start ${name}`);
    try {
      await body();
      overrides.log.push(`end ${name}`);
    } finally {
      running -= 1;
    }
  };
  return {
    workerCount: 1,
    maxRetries: 0,
    retryBackoffBaseMs: 0,
    signal: new AbortController().signal,
    observer: SILENT_BACKFILL_OBSERVER,
    ...overrides,
    runChunkBuild: (build, signal) => track(`chunk ${build.chunkId}`, () => overrides.runChunkBuild?.(build, signal) ?? Promise.resolve()),
    runIndexBuild: (build, signal) => track(indexName(build), () => overrides.runIndexBuild?.(build, signal) ?? Promise.resolve()),
    peakRunning: () => peak,
  };
}

describe("executePlan()", () => {
  test("executePlan() with 1 worker runs an index build only after every chunk build of its coverage (no deadlock)", async () => {
    const log: string[] = [];
    await executePlan(planOf([0, 1, 2, 3], [[0, 0, 3]]), recordingDeps({ log, workerCount: 1 }));
    expect(log).toEqual([
      "start chunk 0", "end chunk 0", "start chunk 1", "end chunk 1",
      "start chunk 2", "end chunk 2", "start chunk 3", "end chunk 3",
      "start index 0", "end index 0",
    ]);
  });

  test("executePlan() honours each window's dependency while windows build concurrently", async () => {
    const log: string[] = [];
    const gates = new Map([0, 1, 2, 3].map((id) => [id, deferred()]));
    const indexZeroStarted = deferred();
    const deps = recordingDeps({
      log,
      workerCount: 4,
      runChunkBuild: (build) => gates.get(build.chunkId)!.promise,
      runIndexBuild: async (build) => {
        if (build.windowId === 0) indexZeroStarted.resolve();
      },
    });
    const run = executePlan(planOf([0, 1, 2, 3], [[0, 0, 1], [1, 2, 3]]), deps);
    gates.get(1)!.resolve();
    gates.get(0)!.resolve();
    await indexZeroStarted.promise;
    // Window 0's index runs while window 1's chunks are still building, and before its own.
    expect(log.filter((line) => line.startsWith("end")).sort()).toEqual(["end chunk 0", "end chunk 1"]);
    gates.get(3)!.resolve();
    gates.get(2)!.resolve();
    await run;
    expect(log.indexOf("start index 1")).toBeGreaterThan(log.indexOf("end chunk 2"));
    expect(log.indexOf("start index 1")).toBeGreaterThan(log.indexOf("end chunk 3"));
    expect(deps.peakRunning()).toBe(4);
  });

  test("executePlan() starts an index build with no chunk build in its coverage before any chunk build", async () => {
    const log: string[] = [];
    await executePlan(planOf([4, 5], [[0, 0, 3], [1, 4, 5]]), recordingDeps({ log, workerCount: 1 }));
    expect(log).toEqual([
      "start index 0", "end index 0", "start chunk 4", "end chunk 4",
      "start chunk 5", "end chunk 5", "start index 1", "end index 1",
    ]);
  });

  test("executePlan() never runs more tasks at once than workerCount", async () => {
    const log: string[] = [];
    const deps = recordingDeps({ log, workerCount: 3, runChunkBuild: () => Bun.sleep(1) });
    await executePlan(planOf([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [[0, 0, 9]]), deps);
    expect(deps.peakRunning()).toBe(3);
    expect(log.filter((line) => line.startsWith("end"))).toHaveLength(11);
  });

  test("executePlan() fails with a failed chunk's error, aborts its siblings and never runs the dependent index build", async () => {
    const log: string[] = [];
    const failure = new TaskFailure("chunk 00000001: lake object missing");
    let siblingSawAbort = false;
    const deps = recordingDeps({
      log,
      workerCount: 2,
      runChunkBuild: async (build, signal) => {
        if (build.chunkId === 1) throw failure;
        await untilAborted(signal).catch((reason) => {
          siblingSawAbort = reason === failure;
          throw reason;
        });
      },
    });
    await expect(executePlan(planOf([0, 1, 2, 3], [[0, 0, 3]]), deps)).rejects.toBe(failure);
    expect(siblingSawAbort).toBe(true);
    expect(log).not.toContain("start index 0");
    expect(log).not.toContain("start chunk 2");
  });

  test("executePlan() retries a failing chunk build, reports each retry and then succeeds", async () => {
    const log: string[] = [];
    const retried: TaskRetriedEvent[] = [];
    let attempts = 0;
    const deps = recordingDeps({
      log,
      maxRetries: 2,
      observer: { ...SILENT_BACKFILL_OBSERVER, taskRetried: (event) => retried.push(event) },
      runChunkBuild: async () => {
        attempts += 1;
        if (attempts <= 2) throw new TaskFailure(`attempt ${attempts}`);
      },
    });
    await executePlan(planOf([7], [[1, 7, 7]]), deps);
    expect(attempts).toBe(3);
    expect(retried.map((event) => [event.task, event.attempt, event.error.message])).toEqual([
      ["chunk 00000007", 1, "attempt 1"],
      ["chunk 00000007", 2, "attempt 2"],
    ]);
    expect(log.at(-1)).toBe("end index 1");
  });

  test("executePlan() fails after maxRetries + 1 attempts of one task and aborts the rest", async () => {
    const log: string[] = [];
    let attempts = 0;
    const deps = recordingDeps({
      log,
      workerCount: 2,
      maxRetries: 1,
      runChunkBuild: async (build, signal) => {
        if (build.chunkId !== 0) return await untilAborted(signal);
        attempts += 1;
        throw new TaskFailure(`chunk 00000000 attempt ${attempts}`);
      },
    });
    await expect(executePlan(planOf([0, 1], [[0, 0, 1]]), deps)).rejects.toThrow("chunk 00000000 attempt 2");
    expect(attempts).toBe(2);
    expect(log).not.toContain("start index 0");
  });

  test("executePlan() rejects a zero pool instead of deadlocking", async () => {
    await expect(executePlan(planOf([0], [[0, 0, 0]]), recordingDeps({ log: [], workerCount: 0 }))).rejects.toThrow(ExecutePlanConfigError);
  });

  test("executePlan() rejects a negative retry budget", async () => {
    await expect(executePlan(planOf([0], []), recordingDeps({ log: [], maxRetries: -1 }))).rejects.toThrow(ExecutePlanConfigError);
  });

  test("executePlan() stops running chunk builds when the caller aborts, and rejects with the reason", async () => {
    const controller = new AbortController();
    const reason = new Error("shutdown");
    const started = deferred();
    let chunkSawAbort = false;
    const deps = recordingDeps({
      log: [],
      signal: controller.signal,
      runChunkBuild: async (_build, signal) => {
        started.resolve();
        await untilAborted(signal).catch((error) => {
          chunkSawAbort = error === reason;
          throw error;
        });
      },
    });
    const run = executePlan(planOf([0, 1], []), deps);
    await started.promise;
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(chunkSawAbort).toBe(true);
  });

  test("executePlan() unblocks a parked index build when the caller aborts: it never runs", async () => {
    const controller = new AbortController();
    const log: string[] = [];
    const started = deferred();
    const deps = recordingDeps({
      log,
      workerCount: 4,
      signal: controller.signal,
      runChunkBuild: async (_build, signal) => {
        started.resolve();
        await untilAborted(signal);
      },
    });
    const run = executePlan(planOf([0], [[0, 0, 1]]), deps);
    await started.promise;
    controller.abort(new Error("shutdown"));
    await expect(run).rejects.toThrow("shutdown");
    expect(log).toEqual(["start chunk 0"]);
  });

  test("executePlan() of an empty plan resolves without running anything", async () => {
    const log: string[] = [];
    await executePlan(planOf([], []), recordingDeps({ log }));
    expect(log).toEqual([]);
  });
});
