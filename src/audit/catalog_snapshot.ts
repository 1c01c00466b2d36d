/**
 * Every key of the catalog, read once (D2 strict parsing: a malformed key is an error, never
 * skipped). `audit` and `status` judge one snapshot, so their checks agree with each other even
 * while the daemon writes (a read-only catalog sees the data as of open, bun-ffi.md §5.1).
 * @module
 */

import { type ArtifactEntry, chunkArtifactEntries } from "../catalog/artifact_reads.ts";
import type { Catalog } from "../catalog/catalog.ts";
import { type CoverageEntry, allCoverages } from "../catalog/coverage_reads.ts";
import { type HotEntry, hotChunkEntries } from "../catalog/hot_reads.ts";
import type { WindowId } from "../geometry/chunk.ts";
import type { IndexCoverage } from "../geometry/windows.ts";

export interface CatalogSnapshot {
  /** `chunk:*`, by chunk then kind. */
  readonly chunkEntries: readonly ArtifactEntry[];
  /** `index:*`, by window, lo, hi. */
  readonly coverages: readonly CoverageEntry[];
  /** `hot:chunk:*`, by chunk. */
  readonly hotEntries: readonly HotEntry[];
}

/** Reads every chunk, index and hot key. */
export function readCatalogSnapshot(catalog: Catalog): CatalogSnapshot {
  return { chunkEntries: chunkArtifactEntries(catalog), coverages: allCoverages(catalog), hotEntries: hotChunkEntries(catalog) };
}

/** The frozen coverages of each window that has any (more than one breaks INV-2). */
export function frozenCoveragesByWindow(snapshot: CatalogSnapshot): Map<WindowId, IndexCoverage[]> {
  const byWindow = new Map<WindowId, IndexCoverage[]>();
  for (const entry of snapshot.coverages) {
    if (entry.state !== "frozen") continue;
    const frozen = byWindow.get(entry.coverage.windowId) ?? [];
    frozen.push(entry.coverage);
    byWindow.set(entry.coverage.windowId, frozen);
  }
  return byWindow;
}
