/**
 * INV-2, single canonical state (reference Appendix C, adapted to D2 keys). On a settled store:
 *
 *   1. a window has at most one `frozen` coverage (reference §2.4);
 *   2. no `pruning` key (chunk or index): every sweep has finished (§5.5);
 *   3. no `freezing` key except for chunks not complete at the last committed ledger (a freeze in
 *      flight or crashed above the frontier is redone by the next catch-up; below it, a freeze
 *      was abandoned). A coverage is judged by its last chunk;
 *   4. no `ready` hot key for a chunk cold files already serve: ledgers and events frozen and the
 *      window's frozen coverage holds the chunk (the discard scan retires it, §7.10). `transient`
 *      hot keys are tolerated, as in the reference;
 *   5. no `chunk:{c}:txhash` key in a finalized window (its frozen coverage is terminal): the
 *      commit demoted every `.bin` it read (§5.3 step 7) and the prune scan sweeps leftovers (§7.10).
 *
 * "Settled" means no daemon step in flight: a running daemon shows its current step here.
 * @module
 */

import type { ArtifactKind } from "../geometry/keys.ts";
import { chunkKey, hotKey, indexKey } from "../geometry/keys.ts";
import { type ChunkId, type LedgerSeq, chunkLastLedger } from "../geometry/chunk.ts";
import { type IndexCoverage, type WindowGeometry, coverageContains } from "../geometry/windows.ts";
import { type CatalogSnapshot, frozenCoveragesByWindow } from "./catalog_snapshot.ts";
import type { Violation } from "./violation.ts";

/** The INV-2 violations of `snapshot` under `windows`, with `lastLedgerSeq` the last committed ledger. */
export function checkSingleState(snapshot: CatalogSnapshot, context: { windows: WindowGeometry; lastLedgerSeq: LedgerSeq }): Violation[] {
  const violations: Violation[] = [];
  const frozenByWindow = frozenCoveragesByWindow(snapshot);
  for (const [windowId, frozen] of frozenByWindow) {
    if (frozen.length <= 1) continue;
    const keys = frozen.map((coverage) => indexKey(coverage)).join(", ");
    for (const coverage of frozen.slice(1)) {
      violations.push(inv2(indexKey(coverage), `window ${windowId} has ${frozen.length} frozen coverages (${keys}); at most one may be frozen`));
    }
  }
  const unsettled = (state: string, lastChunkId: ChunkId): string | undefined => {
    if (state === "pruning") return "pruning: a sweep has not finished";
    if (state === "freezing" && chunkLastLedger(lastChunkId) <= context.lastLedgerSeq) {
      return `freezing although the last committed ledger ${context.lastLedgerSeq} is past it: an abandoned freeze`;
    }
    return undefined;
  };
  for (const entry of snapshot.chunkEntries) {
    const detail = unsettled(entry.state, entry.chunkId);
    if (detail !== undefined) violations.push(inv2(chunkKey(entry.chunkId, entry.kind), detail));
  }
  for (const entry of snapshot.coverages) {
    const detail = unsettled(entry.state, entry.coverage.hi);
    if (detail !== undefined) violations.push(inv2(indexKey(entry.coverage), detail));
  }
  // Rules 4 and 5 need the window's one frozen coverage; a window with two is reported above.
  const soleFrozenCoverage = (chunkId: ChunkId): IndexCoverage | undefined => {
    const frozen = frozenByWindow.get(context.windows.windowOf(chunkId));
    return frozen?.length === 1 ? frozen[0] : undefined;
  };
  const frozenKinds = frozenKindsByChunk(snapshot);
  for (const entry of snapshot.hotEntries) {
    if (entry.state !== "ready") continue;
    const coverage = soleFrozenCoverage(entry.chunkId);
    const kinds = frozenKinds.get(entry.chunkId);
    if (coverage === undefined || !coverageContains(coverage, { lo: entry.chunkId, hi: entry.chunkId })) continue;
    if (kinds === undefined || !kinds.has("ledgers") || !kinds.has("events")) continue;
    violations.push(inv2(hotKey(entry.chunkId), `ready although cold files and ${indexKey(coverage)} serve the chunk: the hot DB was not discarded`));
  }
  for (const entry of snapshot.chunkEntries) {
    if (entry.kind !== "txhash") continue;
    const coverage = soleFrozenCoverage(entry.chunkId);
    if (coverage === undefined || !context.windows.isTerminal(coverage)) continue;
    violations.push(inv2(chunkKey(entry.chunkId, entry.kind), `${entry.state} although the window's index ${indexKey(coverage)} is final`));
  }
  return violations;
}

/** The kinds each chunk has `frozen`. */
export function frozenKindsByChunk(snapshot: CatalogSnapshot): Map<ChunkId, Set<ArtifactKind>> {
  const byChunk = new Map<ChunkId, Set<ArtifactKind>>();
  for (const entry of snapshot.chunkEntries) {
    if (entry.state !== "frozen") continue;
    const kinds = byChunk.get(entry.chunkId) ?? new Set<ArtifactKind>();
    kinds.add(entry.kind);
    byChunk.set(entry.chunkId, kinds);
  }
  return byChunk;
}

function inv2(key: string, detail: string): Violation {
  return { invariant: "INV-2", key, detail };
}
