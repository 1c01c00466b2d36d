/**
 * The only two deletion bodies (reference §5.5; README "key absent ⟹ file gone"; D14). Both run
 * demote → unlink → fsync dir → delete key, so no file is ever unlinked under a `frozen` key and a
 * key disappears only after its files' removal is durable. Cleanup walks keys, never directories.
 *
 * Why each step sits where it does (a crash after step n, then a restart):
 *   1. demote `frozen` → `pruning` (synced)   ⟶ readers stop trusting the file; the key still names it.
 *   2. unlink every file (ENOENT is fine)     ⟶ the key is `pruning`/`freezing`; the sweep re-runs,
 *                                               unlink finds nothing, and goes on.
 *   3. fsync every parent dir                 ⟶ the removal is durable; the key still exists.
 *   4. delete the key (synced)                ⟶ done: key absent and file gone.
 * A power cut before step 3 may bring a file back, but its key is still there, so the next sweep
 * removes it again.
 * @module
 */

import { rmdirSync, unlinkSync } from "node:fs";
import { fsyncDir } from "../../ffi/libc.ts";
import { assert } from "../assert.ts";
import { chunkKey, indexKey } from "../geometry/keys.ts";
import { type IndexCoverage } from "../geometry/windows.ts";
import { crashPoint } from "../crash_point.ts";
import { errnoCode, FullhistoryError } from "../errors.ts";
import { type ArtifactRef, artifactState } from "./artifact_reads.ts";
import { type Catalog } from "./catalog.ts";
import { coverageState } from "./coverage_reads.ts";
import { fsyncParentDirs } from "./fsync_barrier.ts";
import { CATALOG_BATCH_WRITES_MAX, writeSynced } from "./_store.ts";

/** A file could not be removed; its key stays and the sweep is redone at the next run. */
export class SweepError extends FullhistoryError {
  override name = "SweepError";
}

/** Refs swept per demote/delete batch; a large prune runs as several complete sweeps. */
export const SWEEP_REFS_PER_BATCH_MAX = 1024;

assert(SWEEP_REFS_PER_BATCH_MAX <= CATALOG_BATCH_WRITES_MAX, "a sweep batch writes one key per ref: it must fit one catalog batch");

/**
 * Sweeps artifact keys in batches of at most `SWEEP_REFS_PER_BATCH_MAX` (§5.5 `SweepChunkArtifacts`):
 * 1. ONE synced batch demoting every ref whose durable state is `frozen` (`freezing`/`pruning` are
 *    not rewritten);  2. unlink every file of every ref;  3. fsync each distinct parent once;
 * 4. ONE synced batch deleting every ref's key. Repeated refs are swept once; no refs is a no-op.
 */
export function sweepChunkArtifacts(catalog: Catalog, refs: readonly ArtifactRef[]): void {
  const uniqueRefs = [...new Map(refs.map((ref) => [chunkKey(ref.chunkId, ref.kind), ref])).values()];
  for (let sliceStart = 0; sliceStart < uniqueRefs.length; sliceStart += SWEEP_REFS_PER_BATCH_MAX) {
    sweepArtifactBatch(catalog, uniqueRefs.slice(sliceStart, sliceStart + SWEEP_REFS_PER_BATCH_MAX));
  }
}

function sweepArtifactBatch(catalog: Catalog, refs: readonly ArtifactRef[]): void {
  const frozenRefs = refs.filter((ref) => artifactState(catalog, ref) === "frozen");
  if (frozenRefs.length > 0) {
    writeSynced(catalog, frozenRefs.map((ref) => ({ key: chunkKey(ref.chunkId, ref.kind), value: "pruning" })));
  }
  crashPoint("sweep.chunk.demoted");
  const paths: string[] = [];
  for (const ref of refs) {
    for (const path of catalog.layout.artifactPaths(ref.chunkId, ref.kind)) {
      unlinkIfExists(path, chunkKey(ref.chunkId, ref.kind));
      paths.push(path);
    }
  }
  crashPoint("sweep.chunk.unlinked");
  fsyncParentDirs(paths);
  crashPoint("sweep.chunk.synced");
  writeSynced(catalog, refs.map((ref) => ({ key: chunkKey(ref.chunkId, ref.kind), deleted: true })));
  crashPoint("sweep.chunk.deleted");
}

/**
 * Sweeps one coverage key (§5.5 `SweepTxHashIndexKey`): 1. `frozen` → `pruning` (synced);
 * 2. unlink the `.idx`; 3. fsync the window dir (a missing dir is fine); 4. delete the key (synced);
 * 5. remove the window dir if it is now empty (best effort: only "not empty" and "gone" are
 * tolerated).
 */
export function sweepIndexKey(catalog: Catalog, coverage: IndexCoverage): void {
  const key = indexKey(catalog.layout.windows.checkCoverage(coverage));
  if (coverageState(catalog, coverage) === "frozen") writeSynced(catalog, [{ key, value: "pruning" }]);
  crashPoint("sweep.index.demoted");
  unlinkIfExists(catalog.layout.indexPath(coverage), key);
  crashPoint("sweep.index.unlinked");
  const windowDir = catalog.layout.indexWindowDir(coverage.windowId);
  fsyncDir(windowDir);
  crashPoint("sweep.index.synced");
  writeSynced(catalog, [{ key, deleted: true }]);
  crashPoint("sweep.index.deleted");
  removeDirIfEmpty(windowDir);
}

function unlinkIfExists(path: string, key: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    // Already gone: an earlier sweep got past its unlink, or the writer never created it (§5.5).
    if (errnoCode(err) === "ENOENT") return;
    if (errnoCode(err) === undefined) throw err;
    throw new SweepError(
      `Cannot delete "${path}" of catalog key "${key}" (${errnoCode(err)}); fix the file's permissions or ` +
        "volume and restart: the key stays and the sweep is redone",
      { cause: err },
    );
  }
}

function removeDirIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch (err) {
    // Another coverage of the window still has its file, or an earlier sweep removed the dir.
    const code = errnoCode(err);
    if (code === "ENOTEMPTY" || code === "ENOENT") return;
    throw err;
  }
}
