/**
 * The discard stage (reference §7.10 `eligibleDiscardOps`, §5.6 `discardHotTierForChunk`): retire
 * the hot DBs that frozen cold files now fully serve, and every hot DB below the retention floor.
 * The scan is a pure catalog read returning ops; the run executes them in order.
 *
 * Over every `hot:chunk` key, value-blind (a `transient` key is a discard or create that crashed,
 * and is finished the same way), with the run's snapshot:
 *   - chunk below the floor                                   → discard (`below_floor`)
 *   - chunk ≤ lastCompleteChunk, its `ledgers` and `events` frozen, and its window's frozen
 *     coverage containing it (so its tx hashes are served by the `.idx`, whatever its `.bin`)
 *                                                             → discard (`served_by_cold`)
 *   - anything else (the live chunk and above, a chunk still awaiting its freeze or its
 *     window's index)                                         → leave
 * NEVER the live chunk: it is above lastCompleteChunk and never below the floor (the snapshot
 * asserts that), and ingestion holds its DB open (§7.12).
 *
 * Readers: a discard removes a hot DB only once every ledger of it is `frozen` cold and indexed
 * (INV-1 keeps holding), or once it is below the floor, where readers see nothing anyway (§6).
 * @module
 */

import { assert } from "../assert.ts";
import { artifactState } from "../catalog/artifact_reads.ts";
import type { Catalog } from "../catalog/catalog.ts";
import { frozenCoverage } from "../catalog/coverage_reads.ts";
import { discardHotDbForChunk } from "../catalog/hot_bracket.ts";
import { hotChunkEntries } from "../catalog/hot_reads.ts";
import type { ChunkId } from "../geometry/chunk.ts";
import { excludesChunk } from "../geometry/retention.ts";
import { coverageContains } from "../geometry/windows.ts";
import type { LifecycleSnapshot } from "./lifecycle_snapshot.ts";

/** Why a hot DB is discarded. */
export type DiscardReason = "below_floor" | "served_by_cold";

/** One hot DB to discard. */
export interface DiscardOp {
  readonly chunkId: ChunkId;
  readonly reason: DiscardReason;
}

/** The hot DBs to discard, ascending by chunk (see the module comment). A pure read. */
export function discardScan(catalog: Catalog, snapshot: LifecycleSnapshot): DiscardOp[] {
  const ops: DiscardOp[] = [];
  for (const { chunkId } of hotChunkEntries(catalog)) {
    if (excludesChunk(snapshot.floor, chunkId)) {
      assert(chunkId <= snapshot.lastCompleteChunk, `discard: chunk ${chunkId} is below the floor but not closed`);
      ops.push({ chunkId, reason: "below_floor" });
      continue;
    }
    if (chunkId > snapshot.lastCompleteChunk) continue; // the live chunk (or a create in flight above it)
    if (isServedByCold(catalog, chunkId)) ops.push({ chunkId, reason: "served_by_cold" });
  }
  return ops;
}

/** Executes one discard op: the hot bracket's discard (§5.6; the DB is closed: it is not the live one). */
export function runDiscardOp(catalog: Catalog, op: DiscardOp): void {
  discardHotDbForChunk(catalog, op.chunkId);
}

/** True when frozen cold files serve every read of the chunk: pack, events, and a covering `.idx`. */
function isServedByCold(catalog: Catalog, chunkId: ChunkId): boolean {
  if (artifactState(catalog, { chunkId, kind: "ledgers" }) !== "frozen") return false;
  if (artifactState(catalog, { chunkId, kind: "events" }) !== "frozen") return false;
  const coverage = frozenCoverage(catalog, catalog.layout.windows.windowOf(chunkId));
  return coverage !== undefined && coverageContains(coverage, { lo: chunkId, hi: chunkId });
}
