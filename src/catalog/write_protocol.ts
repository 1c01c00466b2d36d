/**
 * The one-write protocol: mark, write, barrier, flip (reference §5.2 chunk artifacts, §5.3 index
 * coverages; README invariants; D2, D14). Keeps: a key is `freezing` before its file exists; it is
 * `frozen` only after the file and the directory entries naming it are fsynced; a window never has
 * two `frozen` coverages; a commit only demotes, files are deleted only by the sweeps (sweeps.ts).
 * This file writes keys only; the caller writes the files at `catalog.layout`'s paths.
 *
 * Per-chunk artifacts (§5.2), `[caller]` steps belong to processChunk:
 *   1. [caller] drop requested kinds that are already `frozen` (`kindsNotFrozen`); none left → done.
 *   2. [caller] choose the ledger source BEFORE marking, so an unproducible chunk leaves no debris.
 *   3. `markChunkFreezing`: ONE synced batch, every remaining kind → `freezing`.  ⟶ chunk.marked
 *   4. `createChunkDirs`: create the missing bucket dirs.
 *   5. [caller] write every file (create-or-truncate at the canonical paths).
 *   6. `barrierChunkArtifacts`: fsync files → parents → grandparents (always; fsync_barrier.ts). ⟶ chunk.barriered
 *   7. `flipChunkFrozen`: ONE synced batch, every kind → `frozen`.  ⟶ chunk.flipped
 *   A crash anywhere before 7 leaves `freezing` keys: the next resolve re-plans them (not frozen ⇒
 *   needed) and the writers overwrite whatever partial files exist.
 *
 * Index coverage [lo, hi] of window w (§5.3), `[caller]` steps belong to buildTxhashIndex:
 *   1. [caller] skip when `frozenCoverage(w)` is exactly [lo, hi] (checked first).
 *   2. [caller] precondition: every `chunk:{c}:txhash`, c ∈ [lo, hi], is `frozen`.
 *   3. `markIndexFreezing`: one synced put, coverage → `freezing`.  ⟶ index.marked
 *   4. `createIndexDir`: create the window dir when missing.
 *   5. [caller] build the `.idx` (create-or-truncate).
 *   6. `barrierIndexFile`: fsync `.idx` → window dir → txhash index root.  ⟶ index.barriered
 *   7. `commitIndex`: ONE synced batch composed from durable state: coverage → `frozen`; the
 *      previous frozen coverage → `pruning`; on a terminal coverage every existing
 *      `chunk:{c}:txhash`, c ∈ [lo, hi], → `pruning`.  ⟶ index.committed
 *   8. [caller] `sweepWindow(w)` (window_sweep.ts) deletes what the commit demoted.
 *   A crash before 7 leaves `freezing` debris next to the old frozen coverage (readers keep using
 *   it); the rebuild overwrites the debris and commits. A crash after 7 leaves `pruning` keys
 *   that the window sweep (or the lifecycle prune scan) finishes.
 * @module
 */

import { statSync } from "node:fs";
import { assert } from "../assert.ts";
import { type ChunkId } from "../geometry/chunk.ts";
import { type ArtifactKind, chunkKey, indexKey } from "../geometry/keys.ts";
import { type IndexCoverage } from "../geometry/windows.ts";
import { crashPoint } from "../crash_point.ts";
import { artifactState, chunkArtifactEntries } from "./artifact_reads.ts";
import { type Catalog } from "./catalog.ts";
import { coverageState, frozenCoverage } from "./coverage_reads.ts";
import { barrierNewFiles, createParentDirs } from "./fsync_barrier.ts";
import { type CatalogWrite, writeSynced } from "./_store.ts";

/** Some artifact kinds of one chunk: the unit of §5.2. */
export interface ChunkArtifacts {
  chunkId: ChunkId;
  kinds: readonly ArtifactKind[];
}

/** §5.2 step 1: the requested kinds whose key is not `frozen`, in the order given. */
export function kindsNotFrozen(catalog: Catalog, artifacts: ChunkArtifacts): ArtifactKind[] {
  return artifacts.kinds.filter((kind) => artifactState(catalog, { chunkId: artifacts.chunkId, kind }) !== "frozen");
}

/** Every file of `artifacts`, in kind order then write order (ledgers 1, events 3, txhash 1). */
export function chunkArtifactPaths(catalog: Catalog, artifacts: ChunkArtifacts): string[] {
  return artifacts.kinds.flatMap((kind) => catalog.layout.artifactPaths(artifacts.chunkId, kind));
}

/** §5.2 step 3: ONE synced batch marking every kind `freezing`. Zero kinds, or a `frozen` kind, is a bug. */
export function markChunkFreezing(catalog: Catalog, artifacts: ChunkArtifacts): void {
  checkKinds(artifacts);
  for (const kind of artifacts.kinds) {
    const state = artifactState(catalog, { chunkId: artifacts.chunkId, kind });
    assert(state !== "frozen", `${chunkKey(artifacts.chunkId, kind)} is frozen; step 1 must drop it before marking`);
  }
  writeSynced(catalog, artifacts.kinds.map((kind) => ({ key: chunkKey(artifacts.chunkId, kind), value: "freezing" })));
  crashPoint("chunk.marked");
}

/** §5.2 step 4: creates the missing bucket dirs of `artifacts`. */
export function createChunkDirs(catalog: Catalog, artifacts: ChunkArtifacts): void {
  createParentDirs(chunkArtifactPaths(catalog, artifacts));
}

/** §5.2 step 6: makes every written file of `artifacts`, its bucket dir's entry included, durable. */
export function barrierChunkArtifacts(catalog: Catalog, artifacts: ChunkArtifacts): void {
  checkKinds(artifacts);
  barrierNewFiles(chunkArtifactPaths(catalog, artifacts));
  crashPoint("chunk.barriered");
}

/**
 * §5.2 step 7: ONE synced batch flipping every kind `frozen`. Each key must be `freezing` (marked by
 * step 3) and each file must exist: a frozen key over a missing file is the one state no restart
 * can repair (INV-3).
 */
export function flipChunkFrozen(catalog: Catalog, artifacts: ChunkArtifacts): void {
  checkKinds(artifacts);
  for (const kind of artifacts.kinds) {
    const state = artifactState(catalog, { chunkId: artifacts.chunkId, kind });
    assert(state === "freezing", `${chunkKey(artifacts.chunkId, kind)} is ${state ?? "absent"}, want freezing before the flip`);
  }
  for (const path of chunkArtifactPaths(catalog, artifacts)) assertFileExists(path);
  writeSynced(catalog, artifacts.kinds.map((kind) => ({ key: chunkKey(artifacts.chunkId, kind), value: "frozen" })));
  crashPoint("chunk.flipped");
}

/** §5.3 step 3: one synced put marking `coverage` `freezing` (overwrites debris of a crashed build). */
export function markIndexFreezing(catalog: Catalog, coverage: IndexCoverage): void {
  const state = coverageState(catalog, coverage);
  assert(state !== "frozen", `${indexKey(coverage)} is frozen; step 1 must skip it before marking`);
  writeSynced(catalog, [{ key: indexKey(coverage), value: "freezing" }]);
  crashPoint("index.marked");
}

/** §5.3 step 4: creates the window dir of `coverage` when missing. */
export function createIndexDir(catalog: Catalog, coverage: IndexCoverage): void {
  createParentDirs([catalog.layout.indexPath(coverage)]);
}

/** §5.3 step 6: makes the built `.idx` and its directory entries (window dir's included) durable. */
export function barrierIndexFile(catalog: Catalog, coverage: IndexCoverage): void {
  barrierNewFiles([catalog.layout.indexPath(coverage)]);
  crashPoint("index.barriered");
}

/**
 * §5.3 step 7: ONE synced batch, composed from durable state before it is opened: `coverage` →
 * `frozen`; the window's previous frozen coverage (if it is another key) → `pruning`; and when
 * `coverage` is terminal, every EXISTING `chunk:{c}:txhash` with c ∈ [lo, hi] → `pruning` (never
 * below lo: those chunks belong to no coverage this build read). Re-committing the frozen coverage
 * itself is an idempotent no-op rewrite. Returns the writes, for the caller's log.
 */
export function commitIndex(catalog: Catalog, coverage: IndexCoverage): readonly CatalogWrite[] {
  const windows = catalog.layout.windows;
  const key = indexKey(windows.checkCoverage(coverage));
  const state = coverageState(catalog, coverage);
  assert(state === "freezing" || state === "frozen", `${key} is ${state ?? "absent"}, want freezing before the commit`);
  assertFileExists(catalog.layout.indexPath(coverage));
  const writes: CatalogWrite[] = [{ key, value: "frozen" }];
  const predecessor = frozenCoverage(catalog, coverage.windowId);
  if (predecessor !== undefined && indexKey(predecessor) !== key) {
    writes.push({ key: indexKey(predecessor), value: "pruning" });
  }
  if (windows.isTerminal(coverage)) {
    for (const entry of chunkArtifactEntries(catalog, { lo: coverage.lo, hi: coverage.hi })) {
      if (entry.kind === "txhash") writes.push({ key: chunkKey(entry.chunkId, entry.kind), value: "pruning" });
    }
  }
  writeSynced(catalog, writes);
  crashPoint("index.committed");
  return writes;
}

function checkKinds(artifacts: ChunkArtifacts): void {
  assert(artifacts.kinds.length >= 1, `chunk ${artifacts.chunkId}: no artifact kinds given`);
  assert(new Set(artifacts.kinds).size === artifacts.kinds.length, `chunk ${artifacts.chunkId}: kinds repeat (${artifacts.kinds.join(",")})`);
}

function assertFileExists(path: string): void {
  const stats = statSync(path, { throwIfNoEntry: false });
  assert(stats !== undefined, `"${path}" is missing; it must be written and barriered before its key is frozen`);
  assert(stats.isFile(), `"${path}" is not a regular file`);
}
