/**
 * `buildTxhashIndex` and `buildThenSweep`: one index build of a plan, the one-write protocol for an
 * index coverage [lo, hi] of window w (reference §5.3, §5.4; README "one frozen coverage per
 * window"; D6, D9, D14). Catalog steps run here on the main thread; the `.idx` is built by a Worker:
 *
 *   1. skip when w's frozen coverage is exactly [lo, hi] — checked FIRST, so a finalized window
 *      whose `.bin`s were swept never trips step 2.
 *   2. precondition: every `chunk:{c}:txhash`, c ∈ [lo, hi], is `frozen`; otherwise fail before
 *      any key is written (`IndexPreconditionError`).
 *   3. `markIndexFreezing`: one synced put, coverage → `freezing`.  ⟶ index.marked
 *   4. `createIndexDir`: the window dir.
 *   5. a Worker merges the coverage's runs into the `.idx` (create/truncate, fsync); zero
 *      transactions give a valid empty index (D9).                   ⟶ index.built
 *   6. `barrierIndexFile`: fsync `.idx` → window dir → index root.  ⟶ index.barriered
 *   7. `commitIndex`: one synced batch: coverage → `frozen`, predecessor → `pruning`, and on a
 *      terminal coverage every existing input txhash key → `pruning`.  ⟶ index.committed
 *   then (buildThenSweep, §5.4) `sweepWindow(w)` deletes what was demoted, also leftovers of a
 *   crashed earlier pass.                                             ⟶ sweep.* points
 *
 * Crash timeline: before 7 the old frozen coverage still serves and the `freezing` debris is
 * overwritten by the re-planned build; after 7 the re-planned build skips at step 1 and its sweep
 * (or the lifecycle prune scan) finishes the deletions.
 * @module
 */

import { chunkArtifactEntries } from "../catalog/artifact_reads.ts";
import { type Catalog } from "../catalog/catalog.ts";
import { frozenCoverage } from "../catalog/coverage_reads.ts";
import { sweepWindow } from "../catalog/window_sweep.ts";
import { barrierIndexFile, commitIndex, createIndexDir, markIndexFreezing } from "../catalog/write_protocol.ts";
import { assert } from "../assert.ts";
import { type ChunkId, chunkIdsInclusive, pad8 } from "../geometry/chunk.ts";
import { type ArtifactState } from "../geometry/keys.ts";
import { type IndexCoverage, coverageLedgerSpan } from "../geometry/windows.ts";
import { IndexPreconditionError } from "./backfill_errors.ts";
import { indexTaskName } from "./execute_plan.ts";
import { type IndexBuildTask } from "./_worker_protocol.ts";
import { runInWorker } from "./_worker_task.ts";
import { type Logger } from "../log/logger.ts";

/** What an index build needs: the catalog (its layout names the runs and the `.idx`). */
export interface IndexBuildDeps {
  catalog: Catalog;
  /** Warned on when a cancelled build's Worker does not unwind in time (`_worker_task.ts`). */
  logger?: Logger;
}

/** What one index build did. */
export interface IndexBuildResult {
  /** True when the coverage was already frozen (step 1): nothing was written. */
  skipped: boolean;
  /** Keys in the new `.idx`; 0 when skipped. */
  keyCount: number;
}

/** §5.3 steps 1–7 for `coverage` (see the module doc). */
export async function buildTxhashIndex(
  deps: IndexBuildDeps,
  coverage: IndexCoverage,
  options: { signal: AbortSignal },
): Promise<IndexBuildResult> {
  const { catalog } = deps;
  catalog.layout.windows.checkCoverage(coverage);
  const frozen = frozenCoverage(catalog, coverage.windowId); // step 1
  if (frozen !== undefined && frozen.lo === coverage.lo && frozen.hi === coverage.hi) return { skipped: true, keyCount: 0 };
  checkInputsFrozen(catalog, coverage); // step 2
  options.signal.throwIfAborted();
  markIndexFreezing(catalog, coverage); // step 3
  createIndexDir(catalog, coverage); // step 4
  const keyCount = await buildInWorker(deps, { coverage, signal: options.signal }); // step 5
  barrierIndexFile(catalog, coverage); // step 6
  commitIndex(catalog, coverage); // step 7
  return { skipped: false, keyCount };
}

/** §5.4: `buildTxhashIndex`, then sweep the window's demoted coverages and runs. */
export async function buildThenSweep(
  deps: IndexBuildDeps,
  coverage: IndexCoverage,
  options: { signal: AbortSignal },
): Promise<IndexBuildResult> {
  const result = await buildTxhashIndex(deps, coverage, options);
  sweepWindow(deps.catalog, coverage.windowId);
  return result;
}

/** Step 2: one scan of the coverage's artifact keys; the first txhash key not `frozen` fails the build. */
function checkInputsFrozen(catalog: Catalog, coverage: IndexCoverage): void {
  const runStates = new Map<ChunkId, ArtifactState>();
  for (const entry of chunkArtifactEntries(catalog, { lo: coverage.lo, hi: coverage.hi })) {
    if (entry.kind === "txhash") runStates.set(entry.chunkId, entry.state);
  }
  for (const chunkId of chunkIdsInclusive(coverage.lo, coverage.hi)) {
    const state = runStates.get(chunkId);
    if (state === "frozen") continue;
    throw new IndexPreconditionError(
      `Cannot build ${indexTaskName(coverage)}: chunk:${pad8(chunkId)}:txhash is "${state ?? "absent"}", want "frozen" ` +
        `(every input run must be frozen, reference §5.3); no key was written, and a restart re-plans the chunk's run`,
    );
  }
}

/** Step 5: the Worker builds the `.idx` from the coverage's runs, in chunk order. */
async function buildInWorker(deps: IndexBuildDeps, work: { coverage: IndexCoverage; signal: AbortSignal }): Promise<number> {
  const { catalog } = deps;
  const { coverage } = work;
  const { minLedger, maxLedger } = coverageLedgerSpan(coverage);
  const task: IndexBuildTask = {
    kind: "index",
    runPaths: [...chunkIdsInclusive(coverage.lo, coverage.hi)].map((chunkId) => catalog.layout.txhashRunPath(chunkId)),
    outputPath: catalog.layout.indexPath(coverage),
    minLedger,
    maxLedger,
  };
  const result = await runInWorker(task, { signal: work.signal, failurePrefix: `Cannot build ${indexTaskName(coverage)}`, logger: deps.logger });
  assert(result.kind === "index", `${indexTaskName(coverage)}: its Worker answered a ${result.kind} task`);
  return result.written.keyCount;
}
