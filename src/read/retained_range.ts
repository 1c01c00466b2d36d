/**
 * The ledgers a reader may serve (reference §6 reader gate, §7.8; README invariants): from the
 * retention floor to the last committed ledger, both derived from the catalog at the moment it was
 * opened, never stored. The floor uses the PINNED `config:earliest_ledger` (the config's
 * `"now"` means nothing after the first start) and the configured `retention_chunks`.
 *
 * The floor is the gate: a ledger below it is not found even while its files still exist (the
 * lifecycle prunes them later). The last committed ledger is what the operator is told
 * ("not found in retained history [floor, last]"). With a hot probe it is the real watermark: the
 * highest ready hot DB's last ledger (the read commands pass the hot tier's probe, so it is the
 * ledger that tier serves up to); without one it is the chunk-granularity lower bound (no hot DB is
 * opened), and a tier may hold visible ledgers above it.
 * @module
 */

import type { Catalog } from "../catalog/catalog.ts";
import { earliestLedger } from "../catalog/earliest_ledger.ts";
import { type HotProbe, lastCommittedLedger } from "../catalog/last_committed.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { type RetentionFloor, retentionFloor } from "../geometry/retention.ts";

export interface RetainedRange extends RetentionFloor {
  /** `config:earliest_ledger`, or undefined when no daemon has started on this store yet. */
  readonly earliestLedgerSeq: LedgerSeq | undefined;
  /** The last committed ledger (reference §7.8, with or without the hot probe); below the floor when empty. */
  readonly lastLedgerSeq: LedgerSeq;
}

/**
 * The retained range of the store behind `catalog` under `[retention] retention_chunks`. `probe`
 * reads the highest ready hot DB's watermark (its failure is `HotVolumeLostError`); without it the
 * last committed ledger has chunk granularity.
 */
export function retainedRange<HotDb>(catalog: Catalog, options: { retentionChunks: number; probe?: HotProbe<HotDb> | undefined }): RetainedRange {
  const earliestLedgerSeq = earliestLedger(catalog);
  const lastLedgerSeq = lastCommittedLedger(catalog, options.probe);
  // No pin yet: nothing was ever written, and the floor is genesis (retention.ts: 0 = no earliest).
  const policy = { retentionChunks: options.retentionChunks, earliestLedgerSeq: earliestLedgerSeq ?? (0 as LedgerSeq) };
  return { ...retentionFloor(lastLedgerSeq, policy), earliestLedgerSeq, lastLedgerSeq };
}

/** "[floor, last]" for messages, or why the range is empty. */
export function describeRetainedRange(range: RetainedRange): string {
  if (range.earliestLedgerSeq === undefined) return "(none: no daemon has started on this store yet)";
  if (range.lastLedgerSeq < range.floorLedgerSeq) return `(none yet: nothing committed from the floor ${range.floorLedgerSeq})`;
  return `[${range.floorLedgerSeq}, ${range.lastLedgerSeq}]`;
}
