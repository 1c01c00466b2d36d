/**
 * The messages between the ingestion loop and its prepare Worker (`_ingest_worker.ts`;
 * `docs/ingestion.md`). The main thread posts one `start`, then one `prepare` per ledger in
 * sequence order; the Worker answers each `prepare` with exactly one `prepared` or `failed`, in the
 * same order. The Worker never touches RocksDB or the catalog: it only turns LedgerCloseMeta bytes
 * into a `PreparedLedgerBatch` (reference §7.11).
 * @module
 */

import { type LedgerSeq } from "../geometry/chunk.ts";
import { type PreparedLedgerBatch } from "../hot/prepared_ledger_batch.ts";

/**
 * `start`: the first ledger the Worker will be asked for, the chunk-relative id its first event
 * takes (the open hot DB's committed event count), and the hot DB's column family ids. Later event
 * ids follow from the ledgers themselves: they run on within a chunk and restart at 0 at each
 * chunk's first ledger. Every hot DB is created with the same column families in the same order,
 * so the ids hold across chunks (the commit checks).
 */
export type ToIngestWorker =
  | { kind: "start"; ledgerSeq: LedgerSeq; firstEventId: number; columnFamilyIds: readonly number[] }
  | { kind: "prepare"; ledgerSeq: LedgerSeq; lcmBytes: Uint8Array };

/** A failure as the Worker posts it (error classes do not survive structured clone). */
export interface PrepareFailure {
  /** A `FullhistoryError` (a ledger that does not decode, a header naming another ledger); else a bug. */
  expected: boolean;
  name: string;
  /** The message and its `cause` chain. */
  message: string;
  stack: string | undefined;
}

export type FromIngestWorker =
  | { kind: "prepared"; batch: PreparedLedgerBatch }
  | { kind: "failed"; ledgerSeq: LedgerSeq; failure: PrepareFailure };
