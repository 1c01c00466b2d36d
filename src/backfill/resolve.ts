/**
 * `resolve`: the backfill plan of a chunk range, derived from durable catalog keys only (reference
 * §7.1; README "progress is derived, never stored"). A pure read: it writes nothing, so a crash
 * anywhere is followed by a resolve that re-plans exactly what is not yet frozen.
 *
 * For each chunk c in [rangeStart, rangeEnd]: `ledgers` and `events` are planned unless frozen.
 * For each window w overlapping the range, ascending: desired = the range clipped to w. A frozen
 * coverage containing desired means nothing to do for w. Otherwise ONE IndexBuild {w, desired} is
 * planned and `txhash` is added to every desired chunk whose `.bin` key is not frozen (the build
 * merges every desired chunk's run). Chunk builds come out sorted by chunk id, kinds in canonical
 * order (ledgers, events, txhash), chunks with nothing to do omitted.
 *
 * Pinned outcomes (reference §7.1, window of 4 chunks): finalized window [0,3], full range → empty;
 * risen floor desired [2,3] ⊆ stored [0,3] → empty; stored [0,1], range [0,3] → IndexBuild{0,0,3}
 * + chunks 2,3 with every kind; .bins frozen only for 0,1 → IndexBuild{0,0,3} + chunks 2,3
 * {txhash}; range [0,5] with window 0 finalized → IndexBuild{1,4,5} + chunks 4,5 every kind.
 * @module
 */

import { type Catalog } from "../catalog/catalog.ts";
import { chunkArtifactEntries } from "../catalog/artifact_reads.ts";
import { frozenCoverage } from "../catalog/coverage_reads.ts";
import { type ChunkId, type WindowId, chunkIdsInclusive } from "../geometry/chunk.ts";
import { ARTIFACT_KINDS, type ArtifactKind } from "../geometry/keys.ts";
import { type IndexCoverage, coverageContains } from "../geometry/windows.ts";

/** Artifacts of one chunk to build (reference §7.1 `ChunkBuild`); kinds in canonical order, at least one. */
export interface ChunkBuild {
  chunkId: ChunkId;
  kinds: ArtifactKind[];
}

/** One index coverage to build; terminal-ness is derived from the window, never stored (§7.1). */
export type IndexBuild = IndexCoverage;

/** What a backfill of a chunk range must do; at most one IndexBuild per window. */
export interface Plan {
  chunkBuilds: ChunkBuild[];
  indexBuilds: IndexBuild[];
}

/** An inclusive chunk range; rangeEnd < rangeStart is an empty range (reference §7.1). */
export interface ChunkRange {
  rangeStart: ChunkId;
  rangeEnd: ChunkId;
}

/** The plan for [rangeStart, rangeEnd] from the catalog's durable keys (see the module doc). */
export function resolve(catalog: Catalog, range: ChunkRange): Plan {
  const { rangeStart, rangeEnd } = range;
  if (rangeEnd < rangeStart) return { chunkBuilds: [], indexBuilds: [] };
  const frozenKinds = frozenKindsByChunk(catalog, range);
  const needed = new Map<ChunkId, Set<ArtifactKind>>();
  const need = (chunkId: ChunkId, kind: ArtifactKind): void => {
    if (frozenKinds.get(chunkId)?.has(kind) === true) return;
    let kinds = needed.get(chunkId);
    if (kinds === undefined) needed.set(chunkId, (kinds = new Set()));
    kinds.add(kind);
  };
  for (const chunkId of chunkIdsInclusive(rangeStart, rangeEnd)) {
    need(chunkId, "ledgers");
    need(chunkId, "events");
  }
  const indexBuilds: IndexBuild[] = [];
  const windows = catalog.layout.windows;
  for (let windowId: number = windows.windowOf(rangeStart); windowId <= windows.windowOf(rangeEnd); windowId++) {
    const desired = desiredCoverage(catalog, { windowId: windowId as WindowId, range });
    const stored = frozenCoverage(catalog, desired.windowId);
    if (stored !== undefined && coverageContains(stored, desired)) continue;
    for (const chunkId of chunkIdsInclusive(desired.lo, desired.hi)) need(chunkId, "txhash");
    indexBuilds.push(desired);
  }
  const chunkBuilds = [...needed.entries()]
    .sort(([a], [b]) => a - b)
    .map(([chunkId, kinds]) => ({ chunkId, kinds: ARTIFACT_KINDS.filter((kind) => kinds.has(kind)) }));
  return { chunkBuilds, indexBuilds };
}

/** The range clipped to window `windowId`: [max(first, rangeStart), min(last, rangeEnd)]. */
function desiredCoverage(catalog: Catalog, where: { windowId: WindowId; range: ChunkRange }): IndexCoverage {
  const windows = catalog.layout.windows;
  const lo = Math.max(windows.firstChunk(where.windowId), where.range.rangeStart) as ChunkId;
  const hi = Math.min(windows.lastChunk(where.windowId), where.range.rangeEnd) as ChunkId;
  return windows.checkCoverage({ windowId: where.windowId, lo, hi });
}

/** One prefix scan of the range's artifact keys: the frozen kinds of each chunk. */
function frozenKindsByChunk(catalog: Catalog, range: ChunkRange): Map<ChunkId, Set<ArtifactKind>> {
  const frozen = new Map<ChunkId, Set<ArtifactKind>>();
  for (const entry of chunkArtifactEntries(catalog, { lo: range.rangeStart, hi: range.rangeEnd })) {
    if (entry.state !== "frozen") continue;
    let kinds = frozen.get(entry.chunkId);
    if (kinds === undefined) frozen.set(entry.chunkId, (kinds = new Set()));
    kinds.add(entry.kind);
  }
  return frozen;
}
