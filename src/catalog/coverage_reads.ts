/**
 * Typed reads of the index coverage keys `index:{w}:{lo}:{hi}` (reference §2.1, §2.3, §2.4; D2).
 * The coverage lives in the key; the value is its lifecycle state. `frozenCoverage` enforces the
 * single-canonical-state invariant (INV-2): a window never has two `frozen` coverages.
 * @module
 */

import { InvariantError } from "../assert.ts";
import { type WindowId, CHUNK_ID_MAX } from "../geometry/chunk.ts";
import { type ArtifactState, INDEX_KEY_PREFIX, indexKey, indexKeyPrefix, parseArtifactState, parseIndexKey } from "../geometry/keys.ts";
import { type IndexCoverage, type WindowGeometry } from "../geometry/windows.ts";
import { type Catalog } from "./catalog.ts";
import { readValue, scanValues } from "./_store.ts";

/** A coverage key as found in the catalog, with its state. */
export interface CoverageEntry {
  coverage: IndexCoverage;
  state: ArtifactState;
}

/** The state of one coverage key, or undefined when absent. */
export function coverageState(catalog: Catalog, coverage: IndexCoverage): ArtifactState | undefined {
  const key = indexKey(catalog.layout.windows.checkCoverage(coverage));
  const value = readValue(catalog, key);
  return value === undefined ? undefined : parseArtifactState(value, key);
}

/** Every coverage key of window `windowId`, ascending by (lo, hi). */
export function windowCoverages(catalog: Catalog, windowId: WindowId): CoverageEntry[] {
  const windows = catalog.layout.windows;
  return parseCoverages(catalog, indexKeyPrefix(windowId), coveragesPerWindowMax(windows));
}

/** Every coverage key of every window, ascending by (window, lo, hi). */
export function allCoverages(catalog: Catalog): CoverageEntry[] {
  const windows = catalog.layout.windows;
  const windowCount = Math.floor(CHUNK_ID_MAX / windows.chunksPerWindow) + 1;
  return parseCoverages(catalog, INDEX_KEY_PREFIX, windowCount * coveragesPerWindowMax(windows));
}

/**
 * The unique `frozen` coverage of window `windowId`, or undefined when it has none. Two frozen
 * coverages break INV-2 (reference §2.4): an InvariantError naming both keys, never a guess.
 */
export function frozenCoverage(catalog: Catalog, windowId: WindowId): IndexCoverage | undefined {
  let found: IndexCoverage | undefined;
  for (const entry of windowCoverages(catalog, windowId)) {
    if (entry.state !== "frozen") continue;
    if (found !== undefined) {
      throw new InvariantError(
        `Window ${windowId} has two frozen coverages ("${indexKey(found)}" and "${indexKey(entry.coverage)}"): ` +
          "the single-frozen-coverage invariant (INV-2) is broken; stop the daemon and run audit",
      );
    }
    found = entry.coverage;
  }
  return found;
}

/** How many distinct [lo, hi] coverages one window can have: n(n+1)/2. */
function coveragesPerWindowMax(windows: WindowGeometry): number {
  return (windows.chunksPerWindow * (windows.chunksPerWindow + 1)) / 2;
}

function parseCoverages(catalog: Catalog, prefix: string, maxEntries: number): CoverageEntry[] {
  const entries: CoverageEntry[] = [];
  for (const { key, value } of scanValues(catalog, prefix, { maxEntries })) {
    entries.push({ coverage: parseIndexKey(key, catalog.layout.windows), state: parseArtifactState(value, key) });
  }
  return entries;
}
