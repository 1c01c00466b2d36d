/**
 * INV-4, retention bound (reference §6, Appendix C): nothing is kept below the effective retention
 * floor except a frozen index whose window straddles it (its last chunk is at or above the floor
 * chunk, so it still answers for the retained chunks of the window, §11.5). Every chunk key, hot
 * key and coverage below the floor, whatever its state, should have been pruned (§7.10).
 * @module
 */

import { chunkKey, hotKey, indexKey } from "../geometry/keys.ts";
import { type RetentionFloor, excludesChunk, excludesWindow } from "../geometry/retention.ts";
import type { WindowGeometry } from "../geometry/windows.ts";
import type { CatalogSnapshot } from "./catalog_snapshot.ts";
import type { Violation } from "./violation.ts";

/** The INV-4 violations of `snapshot` under `floor`. */
export function checkRetentionBound(snapshot: CatalogSnapshot, context: { windows: WindowGeometry; floor: RetentionFloor }): Violation[] {
  const { floor, windows } = context;
  const below = `below the retention floor (ledger ${floor.floorLedgerSeq}, chunk ${floor.floorChunkId}): it should have been pruned`;
  const violations: Violation[] = [];
  for (const entry of snapshot.chunkEntries) {
    if (excludesChunk(floor, entry.chunkId)) violations.push({ invariant: "INV-4", key: chunkKey(entry.chunkId, entry.kind), detail: below });
  }
  for (const entry of snapshot.hotEntries) {
    if (excludesChunk(floor, entry.chunkId)) violations.push({ invariant: "INV-4", key: hotKey(entry.chunkId), detail: below });
  }
  for (const entry of snapshot.coverages) {
    if (!excludesWindow(floor, entry.coverage.windowId, windows)) continue;
    violations.push({ invariant: "INV-4", key: indexKey(entry.coverage), detail: `window ends ${below}` });
  }
  return violations;
}
