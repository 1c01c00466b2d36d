/**
 * Read correctness of the hot tier (D15, reported as INV-1; reference §5.6, §5.7, §8.9): readers
 * serve a `ready` chunk from its hot DB, so each must be usable and hold what the protocol put in:
 *
 *   1. every `ready` hot DB opens read-only and passes its open-time checks (docs/hot.md: the
 *      offsets manifest and both ends of every column family agree). One whose directory INV-3
 *      already found missing is not reported again;
 *   2. a `ready` chunk below another `ready` chunk holds its WHOLE chunk, unless its `ledgers` are
 *      frozen (a catch-up froze it from the lake, reference §7.9). The boundary fence (§5.7)
 *      creates chunk C+1's key only after C's last ledger committed, so a shorter DB has lost
 *      ledgers that exist in no hot DB and no pack.
 *
 * `transient` keys are tolerated and never opened (reference Appendix C).
 * @module
 */

import { type ChunkId, chunkFirstLedger, chunkLastLedger, pad8 } from "../geometry/chunk.ts";
import { hotKey } from "../geometry/keys.ts";
import type { Layout } from "../geometry/layout.ts";
import type { CatalogSnapshot } from "./catalog_snapshot.ts";
import type { HotChunkReading } from "./hot_tier_reading.ts";
import type { Violation } from "./violation.ts";

/** What the hot tier check found. */
export interface HotCheck {
  readonly violations: Violation[];
  /** Ready hot DBs opened (those whose directory exists). */
  readonly openedKeyCount: number;
}

/** Judges the readings of every hot key of `snapshot`. */
export function checkHotChunks(
  layout: Layout,
  readings: readonly HotChunkReading[],
  context: { snapshot: CatalogSnapshot; missingPaths: ReadonlySet<string> },
): HotCheck {
  const violations: Violation[] = [];
  let openedKeyCount = 0;
  const ready = readings.filter((reading) => reading.state === "ready");
  const highestReadyChunkId = ready.at(-1)?.chunkId;
  const frozenLedgers = new Set(
    context.snapshot.chunkEntries.filter((entry) => entry.kind === "ledgers" && entry.state === "frozen").map((entry) => entry.chunkId),
  );
  for (const reading of ready) {
    const dir = layout.hotDbDir(reading.chunkId);
    if (context.missingPaths.has(dir)) continue;
    openedKeyCount++;
    if (reading.failure !== undefined) {
      violations.push({ invariant: "INV-1", key: hotKey(reading.chunkId), path: dir, detail: `unreadable: ${reading.failure.message}` });
      continue;
    }
    if (highestReadyChunkId === undefined || reading.chunkId === highestReadyChunkId || frozenLedgers.has(reading.chunkId)) continue;
    const detail = shortChunkDetail(reading.chunkId, { lastLedgerSeq: reading.lastLedgerSeq, highestReadyChunkId });
    if (detail !== undefined) violations.push({ invariant: "INV-1", key: hotKey(reading.chunkId), path: dir, detail });
  }
  return { violations, openedKeyCount };
}

/** Why a ready chunk below the highest ready one is short, or undefined when it holds its whole chunk. */
function shortChunkDetail(chunkId: ChunkId, found: { lastLedgerSeq: number | undefined; highestReadyChunkId: ChunkId }): string | undefined {
  const lastLedgerSeq = chunkLastLedger(chunkId);
  if (found.lastLedgerSeq === lastLedgerSeq) return undefined;
  const holds = found.lastLedgerSeq === undefined ? "holds no ledger" : `holds ledgers up to ${found.lastLedgerSeq}`;
  const firstLostLedgerSeq = found.lastLedgerSeq === undefined ? chunkFirstLedger(chunkId) : found.lastLedgerSeq + 1;
  return (
    `${holds} although chunk ${pad8(found.highestReadyChunkId)} is ready above it and its ledgers are not frozen: ` +
    `ledgers ${firstLostLedgerSeq}..${lastLedgerSeq} are in no hot DB and no pack`
  );
}
