/**
 * The prune stage (reference §7.10 `eligiblePruneOps`, §5.5): delete superseded, half-written and
 * past-retention files through the only two deletion bodies, `sweepIndexKey` and
 * `sweepChunkArtifacts` (demote → unlink → fsync → delete key, so "key absent ⟹ file gone"). The
 * scan is a pure catalog read returning ops; the run executes them in order, index ops first.
 *
 * Index family, one op per coverage key:
 *   - every `freezing` or `pruning` coverage, in any window  (`debris`: a build that crashed before
 *     its commit, or a predecessor whose sweep did not finish)
 *   - every `frozen` coverage of a window entirely below the floor  (`below_floor`; a window
 *     straddling the floor keeps its `.idx` for its retained chunks, §6)
 * Chunk family, in ops of at most `SWEEP_REFS_PER_BATCH_MAX` refs:
 *   - every ref below the floor, in any state                       (`below_floor`)
 *   - every `pruning` ref                                            (`debris`)
 *   - every `frozen`/`freezing` `txhash` ref inside its window's TERMINAL frozen coverage
 *     (`finalized`: the `.idx` serves it for good; a `.bin` left by a crashed widening)
 *
 * Safe only because no build is in flight while the scan's ops run: the run scans after its freeze
 * stage has finished, catch-up finishes before the first run, and only one run exists at a time
 * (reference §7.10, §7.12). A `freezing` artifact inside retention is NOT pruned: the next freeze
 * stage re-plans it (resolve treats it as missing) and overwrites it.
 *
 * Decision (reference open question 6): the reference sweeps a `txhash` ref anywhere in a window
 * whose frozen coverage is terminal; we sweep only refs the coverage contains. A `.bin` below the
 * coverage's lo (from a widening that crashed before its commit) is an input of the wider rebuild
 * the next freeze stage plans for that window; sweeping it would only make that rebuild re-derive it.
 * @module
 */

import { unreachable } from "../assert.ts";
import { type ArtifactRef, chunkArtifactEntries } from "../catalog/artifact_reads.ts";
import type { Catalog } from "../catalog/catalog.ts";
import { allCoverages, frozenCoverage } from "../catalog/coverage_reads.ts";
import { SWEEP_REFS_PER_BATCH_MAX, sweepChunkArtifacts, sweepIndexKey } from "../catalog/sweeps.ts";
import { type WindowId } from "../geometry/chunk.ts";
import { excludesChunk, excludesWindow } from "../geometry/retention.ts";
import { type IndexCoverage, coverageContains } from "../geometry/windows.ts";
import type { LifecycleSnapshot } from "./lifecycle_snapshot.ts";

/** Why a key is pruned. */
export type PruneReason = "debris" | "below_floor" | "finalized";

/** An artifact key to sweep, and why. */
export interface PruneRef extends ArtifactRef {
  readonly reason: PruneReason;
}

/** One prune op: sweep one coverage key, or sweep a batch of artifact keys. */
export type PruneOp =
  | { readonly kind: "index"; readonly coverage: IndexCoverage; readonly reason: PruneReason }
  | { readonly kind: "chunks"; readonly refs: readonly PruneRef[] };

/** The prune ops, index ops first (ascending by key), then the chunk refs in batches (see the module comment). */
export function pruneScan(catalog: Catalog, snapshot: LifecycleSnapshot): PruneOp[] {
  const ops: PruneOp[] = indexPruneOps(catalog, snapshot);
  const refs = chunkPruneRefs(catalog, snapshot);
  for (let sliceStart = 0; sliceStart < refs.length; sliceStart += SWEEP_REFS_PER_BATCH_MAX) {
    ops.push({ kind: "chunks", refs: refs.slice(sliceStart, sliceStart + SWEEP_REFS_PER_BATCH_MAX) });
  }
  return ops;
}

/** Executes one prune op through the matching deletion body (§5.5). */
export function runPruneOp(catalog: Catalog, op: PruneOp): void {
  switch (op.kind) {
    case "index":
      sweepIndexKey(catalog, op.coverage);
      return;
    case "chunks":
      sweepChunkArtifacts(catalog, op.refs);
      return;
    default:
      unreachable(op);
  }
}

function indexPruneOps(catalog: Catalog, snapshot: LifecycleSnapshot): PruneOp[] {
  const windows = catalog.layout.windows;
  const ops: PruneOp[] = [];
  for (const { coverage, state } of allCoverages(catalog)) {
    if (state !== "frozen") {
      ops.push({ kind: "index", coverage, reason: "debris" });
    } else if (excludesWindow(snapshot.floor, coverage.windowId, windows)) {
      ops.push({ kind: "index", coverage, reason: "below_floor" });
    }
  }
  return ops;
}

function chunkPruneRefs(catalog: Catalog, snapshot: LifecycleSnapshot): PruneRef[] {
  const windows = catalog.layout.windows;
  const terminalCoverages = new Map<WindowId, IndexCoverage | undefined>();
  const terminalCoverageOf = (windowId: WindowId): IndexCoverage | undefined => {
    if (!terminalCoverages.has(windowId)) {
      const coverage = frozenCoverage(catalog, windowId);
      terminalCoverages.set(windowId, coverage !== undefined && windows.isTerminal(coverage) ? coverage : undefined);
    }
    return terminalCoverages.get(windowId);
  };
  const refs: PruneRef[] = [];
  for (const { chunkId, kind, state } of chunkArtifactEntries(catalog)) {
    if (excludesChunk(snapshot.floor, chunkId)) {
      refs.push({ chunkId, kind, reason: "below_floor" });
    } else if (state === "pruning") {
      refs.push({ chunkId, kind, reason: "debris" });
    } else if (kind === "txhash") {
      const terminal = terminalCoverageOf(windows.windowOf(chunkId));
      if (terminal !== undefined && coverageContains(terminal, { lo: chunkId, hi: chunkId })) refs.push({ chunkId, kind, reason: "finalized" });
    }
  }
  return refs;
}
