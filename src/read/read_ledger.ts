/**
 * `readLedger`: one ledger through the read tiers under the retention gate (reference §6): below
 * the floor is not found even while its files exist; otherwise the first tier holding a visible
 * copy answers. `undefined` = not found (below the floor, not frozen/ready, or not ingested yet).
 * @module
 */

import type { LedgerSeq } from "../geometry/chunk.ts";
import { type RetentionFloor, isLedgerRetained } from "../geometry/retention.ts";
import type { ReadTier } from "./read_tier.ts";

/** The raw LedgerCloseMeta of `ledgerSeq`, or undefined when no tier may serve it. */
export function readLedger(tiers: readonly ReadTier[], ledgerSeq: LedgerSeq, floor: RetentionFloor): Uint8Array | undefined {
  if (!isLedgerRetained(floor, ledgerSeq)) return undefined;
  for (const tier of tiers) {
    const lcmBytes = tier.ledger(ledgerSeq);
    if (lcmBytes !== undefined) return lcmBytes;
  }
  return undefined;
}
