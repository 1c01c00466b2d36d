/**
 * Where a reader can find ledger X or transaction H (reference §6 reader contract; D8). A tier is
 * one kind of storage that answers those two questions: the cold tier (`cold_tier.ts`: frozen
 * ledger packs and frozen `.idx` coverages) and the hot tier (`hot_tier.ts`: the `ready` hot chunk
 * DBs, declining what cold covers). A tier answers only from keys in a reader-visible state
 * (`frozen`, `ready`).
 *
 * What sits above the tiers, so every tier gets it once: the retention gate (a ledger below the
 * floor is not found even while its files exist) and the full-hash check of every tx candidate
 * (`find_transaction.ts`, `read_ledger.ts`).
 *
 *   const tiers = [hotTier, coldTier];           // newest data first
 *   readLedger(tiers, 50_002, floor)   // → LCM bytes, or undefined = not found (floor: RetentionFloor)
 * @module
 */

import type { LedgerSeq } from "../geometry/chunk.ts";

export interface ReadTier {
  /** What the tier reads, for messages: "cold". */
  readonly name: string;

  /**
   * The raw LedgerCloseMeta of `ledgerSeq`, or undefined when this tier holds no visible copy.
   * Bytes that fail validation throw (`CorruptFileError` naming the file); they are never returned.
   */
  ledger(ledgerSeq: LedgerSeq): Uint8Array | undefined;

  /**
   * The ledgers that may hold a transaction whose outer or inner hash (D8) is `txHash` (32 bytes),
   * newest first, produced lazily so a caller that verified a hit stops probing. Candidates may be
   * false (the index keeps a fingerprint, not the hash): the caller checks the full hash.
   */
  txCandidates(txHash: Uint8Array): Iterable<LedgerSeq>;

  /** Closes every file the tier opened. Idempotent. */
  close(): void;
}
