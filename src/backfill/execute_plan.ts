/**
 * `executePlan`: runs a plan's chunk and index builds in ONE bounded pool of `workerCount` slots
 * (reference §7.2; style R5). The pool is the only resource knob: at most `workerCount` tasks run
 * at once, whatever the plan's size, and nothing is started ahead of a free slot.
 *
 *   - A chunk build takes a slot and runs `withRetries(runChunkBuild)`.
 *   - An index build first waits, holding NO slot, until every chunk build of this plan inside its
 *     coverage has succeeded (inputs frozen before the plan have no build to wait for); only then
 *     does it take a slot and run `withRetries(runIndexBuild)`. So one slot never deadlocks: the
 *     chunk builds an index needs always get the slot first. A ready index build is started before
 *     further chunk builds, so a window's index (and its sweep) lands as soon as it can.
 *   - The first task that fails for good (retries exhausted, or a non-retryable error) aborts every
 *     other task through the shared AbortSignal; parked index builds never start; the plan waits
 *     for the running tasks to stop and then fails with that first error (which names its chunk or
 *     window). Aborting `signal` from outside does the same and fails with `signal.reason`.
 *   - No task state is persisted: a restart re-resolves the plan from the catalog (§7.1).
 * @module
 */

import { assert } from "../assert.ts";
import { FatalError } from "../errors.ts";
import { type ChunkId, pad8 } from "../geometry/chunk.ts";
import { type IndexCoverage } from "../geometry/windows.ts";
import { type BackfillObserver } from "./backfill_observer.ts";
import { type ChunkBuild, type IndexBuild, type Plan } from "./resolve.ts";
import { withRetries } from "./with_retries.ts";

/** What `executePlan` needs: the pool size, the retry budget and the two task bodies. */
export interface ExecutePlanDeps {
  /** Slots shared by chunk and index builds; at least 1. */
  workerCount: number;
  /** Further attempts per task after a retryable failure; 0 runs each task once. */
  maxRetries: number;
  /** Wait before a task's first retry; doubles per retry, capped at 30 s (reference §7.2). */
  retryBackoffBaseMs: number;
  /** Aborting stops the plan: running tasks are cancelled, nothing new starts. */
  signal: AbortSignal;
  observer: BackfillObserver;
  /** One attempt of a chunk build; must stop promptly once `signal` aborts. */
  runChunkBuild(build: ChunkBuild, signal: AbortSignal): Promise<void>;
  /** One attempt of an index build (build, then sweep its window); must stop promptly on abort. */
  runIndexBuild(build: IndexBuild, signal: AbortSignal): Promise<void>;
}

/** A failed `ExecutePlanDeps` check: a zero pool would deadlock, a negative budget is meaningless. */
export class ExecutePlanConfigError extends FatalError {
  override name = "ExecutePlanConfigError";
}

/** `chunk 00000005`: how logs and errors name a chunk task. */
export function chunkTaskName(chunkId: ChunkId): string {
  return `chunk ${pad8(chunkId)}`;
}

/** `index 00000000 [00000000, 00000003]`: how logs and errors name an index task. */
export function indexTaskName(coverage: IndexCoverage): string {
  return `index ${pad8(coverage.windowId)} [${pad8(coverage.lo)}, ${pad8(coverage.hi)}]`;
}

type Task = { kind: "chunk"; build: ChunkBuild } | { kind: "index"; build: IndexBuild };

type Outcome = { task: Task; ok: true } | { task: Task; ok: false; error: unknown };

/** An index build and how many of its in-plan chunk builds have not succeeded yet. */
interface ParkedIndexBuild {
  build: IndexBuild;
  chunkBuildsLeft: number;
}

/** Runs `plan` (see the module doc). Resolves when every task succeeded; rejects with the first failure. */
export async function executePlan(plan: Plan, deps: ExecutePlanDeps): Promise<void> {
  checkDeps(deps);
  deps.signal.throwIfAborted();
  const abort = new AbortController();
  const forwardAbort = (): void => abort.abort(deps.signal.reason);
  deps.signal.addEventListener("abort", forwardAbort, { once: true });
  try {
    await runPool(plan, { deps, abort });
  } finally {
    deps.signal.removeEventListener("abort", forwardAbort);
  }
}

async function runPool(plan: Plan, pool: { deps: ExecutePlanDeps; abort: AbortController }): Promise<void> {
  const { deps, abort } = pool;
  const { parked, parkedByChunk } = parkIndexBuilds(plan);
  const readyIndexBuilds = parked.filter((entry) => entry.chunkBuildsLeft === 0).map((entry) => entry.build);
  let nextChunkBuild = 0;
  const running = new Map<Task, Promise<Outcome>>();
  let firstError: { error: unknown } | undefined;
  const taskCount = plan.chunkBuilds.length + plan.indexBuilds.length;
  // Each pass waits for one task to finish, so the loop ends after at most taskCount passes.
  for (let pass = 0; pass <= taskCount; pass++) {
    while (running.size < deps.workerCount && !abort.signal.aborted) {
      const task = nextTask();
      if (task === undefined) break;
      running.set(task, runTask(task, { deps, signal: abort.signal }));
    }
    if (running.size === 0) break;
    const outcome = await Promise.race(running.values());
    running.delete(outcome.task);
    if (!outcome.ok) {
      firstError ??= { error: outcome.error };
      abort.abort(outcome.error);
    } else if (outcome.task.kind === "chunk") {
      releaseIndexBuild(outcome.task.build.chunkId);
    }
  }
  assert(running.size === 0, `${running.size} backfill tasks still running after the pool drained`);
  if (firstError !== undefined) throw firstError.error;
  deps.signal.throwIfAborted();
  assert(nextChunkBuild === plan.chunkBuilds.length, `${plan.chunkBuilds.length - nextChunkBuild} chunk builds never started`);
  assert(readyIndexBuilds.length === 0, `${readyIndexBuilds.length} index builds never started`);

  function nextTask(): Task | undefined {
    const indexBuild = readyIndexBuilds.shift();
    if (indexBuild !== undefined) return { kind: "index", build: indexBuild };
    const chunkBuild = plan.chunkBuilds[nextChunkBuild];
    if (chunkBuild === undefined) return undefined;
    nextChunkBuild++;
    return { kind: "chunk", build: chunkBuild };
  }

  function releaseIndexBuild(chunkId: ChunkId): void {
    const entry = parkedByChunk.get(chunkId);
    if (entry === undefined) return; // no index build of this plan reads this chunk's run
    entry.chunkBuildsLeft -= 1;
    assert(entry.chunkBuildsLeft >= 0, `index build of window ${entry.build.windowId} released too often`);
    if (entry.chunkBuildsLeft === 0) readyIndexBuilds.push(entry.build);
  }
}

/**
 * Every index build with the number of this plan's chunk builds inside its coverage, and for each
 * such chunk build the (unique: coverages are disjoint, one per window) index build waiting on it.
 */
function parkIndexBuilds(plan: Plan): { parked: ParkedIndexBuild[]; parkedByChunk: Map<ChunkId, ParkedIndexBuild> } {
  const parked = plan.indexBuilds.map((build) => ({ build, chunkBuildsLeft: 0 }));
  const sorted = [...parked].sort((a, b) => a.build.lo - b.build.lo);
  const parkedByChunk = new Map<ChunkId, ParkedIndexBuild>();
  for (const chunkBuild of plan.chunkBuilds) {
    const entry = coveringIndexBuild(sorted, chunkBuild.chunkId);
    if (entry === undefined) continue;
    assert(!parkedByChunk.has(chunkBuild.chunkId), `chunk ${chunkBuild.chunkId} is planned twice`);
    entry.chunkBuildsLeft += 1;
    parkedByChunk.set(chunkBuild.chunkId, entry);
  }
  return { parked, parkedByChunk };
}

/** Binary search of coverages sorted by lo (disjoint: one per window) for the one holding `chunkId`. */
function coveringIndexBuild(sorted: readonly ParkedIndexBuild[], chunkId: ChunkId): ParkedIndexBuild | undefined {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]!.build.lo <= chunkId) low = middle + 1;
    else high = middle;
  }
  const candidate = sorted[low - 1];
  if (candidate === undefined || chunkId > candidate.build.hi) return undefined;
  return candidate;
}

/** One task with its retries; never rejects: the outcome says how it ended. */
async function runTask(task: Task, context: { deps: ExecutePlanDeps; signal: AbortSignal }): Promise<Outcome> {
  const { deps, signal } = context;
  const name = task.kind === "chunk" ? chunkTaskName(task.build.chunkId) : indexTaskName(task.build);
  try {
    await withRetries((attemptSignal) => runAttempt(task, { deps, signal: attemptSignal }), {
      maxRetries: deps.maxRetries,
      backoffBaseMs: deps.retryBackoffBaseMs,
      signal,
      onRetry: ({ attempt, error, delayMs }) => deps.observer.taskRetried({ task: name, attempt, delayMs, error }),
    });
    return { task, ok: true };
  } catch (error) {
    return { task, ok: false, error };
  }
}

function runAttempt(task: Task, context: { deps: ExecutePlanDeps; signal: AbortSignal }): Promise<void> {
  if (task.kind === "chunk") return context.deps.runChunkBuild(task.build, context.signal);
  return context.deps.runIndexBuild(task.build, context.signal);
}

function checkDeps(deps: ExecutePlanDeps): void {
  if (!Number.isInteger(deps.workerCount) || deps.workerCount < 1) {
    throw new ExecutePlanConfigError(
      `Cannot run a backfill plan with ${deps.workerCount} workers: [backfill] workers must be an integer ≥ 1 (a zero pool deadlocks)`,
    );
  }
  if (!Number.isInteger(deps.maxRetries) || deps.maxRetries < 0) {
    throw new ExecutePlanConfigError(
      `Cannot run a backfill plan with max_retries ${deps.maxRetries}: [backfill] max_retries must be an integer ≥ 0 (0 runs each task once)`,
    );
  }
}
