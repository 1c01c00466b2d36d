/**
 * The one snapshot every stage of a lifecycle run uses (reference §7.7 steps 1–5, as Appendix B
 * changes them; README "progress is derived, never stored"). A run carries no chunk id from the
 * wake: it derives everything from the catalog, so any number of coalesced wakes, a restart, or a
 * run with nothing new all come out right.
 *
 *   lastCompleteChunk = lastCompleteChunkAt(lastCommittedLedger(catalog, no probe))   (signed, −1 = none)
 *   through           = completeThrough(lastCompleteChunk)
 *   floor             = retentionFloor(through, policy)
 *   freeze range      = [max(floor chunk, lowest materialized chunk), lastCompleteChunk]
 *
 * Why no probe: the live chunk's hot DB is open for writing by ingestion (its RocksDB LOCK is held,
 * §7.12); without a probe the highest `ready` chunk h counts only through h − 1, so the live chunk
 * is never complete here and never planned, discarded or opened. The freeze range starts no lower
 * than existing storage (§7.7 step 3, §6 "the floor may err low"): the lifecycle rolls storage
 * forward; filling downward after a retention widening is catch-up's job, at the next start.
 * @module
 */

import { assert } from "../assert.ts";
import { chunkArtifactEntries } from "../catalog/artifact_reads.ts";
import type { Catalog } from "../catalog/catalog.ts";
import { hotChunkEntries } from "../catalog/hot_reads.ts";
import type { ChunkRange } from "../backfill/resolve.ts";
import { lastCommittedLedger } from "../catalog/last_committed.ts";
import { type ChunkId, type LedgerSeq, completeThrough, lastCompleteChunkAt } from "../geometry/chunk.ts";
import { type RetentionFloor, type RetentionPolicy, retentionFloor } from "../geometry/retention.ts";

/** What one lifecycle run works from; derived once at the start of the run. */
export interface LifecycleSnapshot {
  /** The highest chunk durably complete below the live one, signed: −1 when none. */
  readonly lastCompleteChunk: number;
  /** The last ledger of `lastCompleteChunk` (1, pre-genesis, when none): every stage's upper bound. */
  readonly throughLedgerSeq: LedgerSeq;
  /** The retention floor at `throughLedgerSeq`. */
  readonly floor: RetentionFloor;
  /** The chunks the freeze stage resolves, or undefined when there is nothing to plan. */
  readonly freezeRange: ChunkRange | undefined;
}

/** Derives the run's snapshot from the catalog (see the module comment). A pure read. */
export function deriveLifecycleSnapshot(catalog: Catalog, policy: RetentionPolicy): LifecycleSnapshot {
  const lastCompleteChunk = lastCompleteChunkAt(lastCommittedLedger(catalog, undefined));
  const throughLedgerSeq = completeThrough(lastCompleteChunk);
  const floor = retentionFloor(throughLedgerSeq, policy);
  // lastCommittedLedger never reports less than earliest − 1, and the sliding floor keeps at least
  // one chunk, so nothing at or above the live chunk can be below the floor: the discard and prune
  // scans may treat "below the floor" as "closed" (§7.12: the live chunk is ingestion's).
  assert(
    floor.floorChunkId <= lastCompleteChunk + 1,
    `floor chunk ${floor.floorChunkId} is above the live chunk ${lastCompleteChunk + 1}: the retention policy's earliest ledger ` +
      `${policy.earliestLedgerSeq} disagrees with the catalog's pin`,
  );
  return { lastCompleteChunk, throughLedgerSeq, floor, freezeRange: freezeRangeOf(catalog, { lastCompleteChunk, floor }) };
}

/**
 * The lowest chunk named by any `chunk:*` or `hot:chunk:*` key (reference §7.7 step 3
 * `lowestMaterializedChunk`), or undefined when the store holds nothing.
 */
export function lowestMaterializedChunk(catalog: Catalog): ChunkId | undefined {
  // Both scans come back ascending by chunk, so each one's first entry is its lowest.
  const lowestArtifact = chunkArtifactEntries(catalog)[0]?.chunkId;
  const lowestHot = hotChunkEntries(catalog)[0]?.chunkId;
  if (lowestArtifact === undefined) return lowestHot;
  if (lowestHot === undefined) return lowestArtifact;
  return Math.min(lowestArtifact, lowestHot) as ChunkId;
}

function freezeRangeOf(catalog: Catalog, snapshot: { lastCompleteChunk: number; floor: RetentionFloor }): ChunkRange | undefined {
  if (snapshot.lastCompleteChunk < 0) return undefined; // a young network: nothing is complete yet
  // An empty store has nothing to roll forward: the lifecycle never backfills from scratch.
  const lowestChunk = lowestMaterializedChunk(catalog);
  if (lowestChunk === undefined) return undefined;
  const rangeStart = Math.max(snapshot.floor.floorChunkId, lowestChunk) as ChunkId;
  const rangeEnd = snapshot.lastCompleteChunk as ChunkId;
  if (rangeStart > rangeEnd) return undefined;
  return { rangeStart, rangeEnd };
}
