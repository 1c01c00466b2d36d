/**
 * The messages between the ingestion loop and its Worker (`_ingest_worker_loop.ts`;
 * `docs/ingestion.md`). The main thread posts one `start`; the Worker opens its own lake source from
 * the plain options in it, then fetches ledgers in sequence order (polling for one the lake does
 * not hold yet) and answers each with exactly one `prepared` or `failed`, in order. It stays at
 * most `aheadLedgerCount` ledgers ahead: the main thread posts one `handedOut` per ledger it takes
 * from the FIFO, which frees one slot. The Worker never touches RocksDB or the catalog: it only
 * turns lake ledgers into `PreparedLedgerBatch`es (reference §7.11).
 * @module
 */

import { type SerializedError } from "../serialized_error.ts";
import { type LedgerSeq } from "../geometry/chunk.ts";
import { type PreparedLedgerBatch } from "../hot/prepared_ledger_batch.ts";
import { type LakeSourceOptions } from "../lake/open_lake_source.ts";

/**
 * `start`: the lake as `openLakeSource` takes it, the poll interval, the first ledger, the
 * chunk-relative id its first event takes (the open hot DB's committed event count), the hot DB's
 * column family ids, and the prepare-ahead bound. Later event ids follow from the ledgers
 * themselves: they run on within a chunk and restart at 0 at each chunk's first ledger. Every hot
 * DB is created with the same column families in the same order, so the ids hold across chunks
 * (the commit checks).
 */
export type ToIngestWorker =
  | {
      kind: "start";
      lake: LakeSourceOptions;
      pollIntervalMs: number;
      ledgerSeq: LedgerSeq;
      firstEventId: number;
      columnFamilyIds: readonly number[];
      aheadLedgerCount: number;
    }
  | { kind: "handedOut"; ledgerSeq: LedgerSeq };

/**
 * Why a ledger has no batch, as the Worker posts it (error classes do not survive structured
 * clone). `fetch`: the lake failed to deliver it; `prepare`: its bytes did not make a batch. A lake
 * object found corrupt also carries its location and detail, so the main thread rebuilds the
 * `LakeCorruptObjectError` as the cause.
 */
export interface IngestFailure {
  stage: "fetch" | "prepare";
  error: SerializedError;
  corruptObject: { location: string; detail: string } | undefined;
}

export type FromIngestWorker =
  | { kind: "prepared"; batch: PreparedLedgerBatch }
  | { kind: "failed"; ledgerSeq: LedgerSeq; failure: IngestFailure };
