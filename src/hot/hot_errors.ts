/**
 * What can go wrong with a hot chunk DB (reference §8.9, §5.6; D11), one class per remedy.
 * @module
 */

import { FatalError, FullhistoryError } from "../errors.ts";
import { type ChunkId, pad8 } from "../geometry/chunk.ts";

/**
 * A hot DB breaks a fact every committed state keeps (open-time checks or bytes read back).
 * Fatal (D11): restarting cannot fix it, and its ledgers may exist nowhere else.
 */
export class HotDbCorruptError extends FatalError {
  override name = "HotDbCorruptError";
}

/** RocksDB would not open a hot DB (missing, locked by another process, I/O); `cause` has RocksDB's error. */
export class HotDbOpenError extends FullhistoryError {
  override name = "HotDbOpenError";
}

/** A ledger was refused (outside the chunk, a gap, a different re-delivery) or its commit failed; nothing was written. */
export class HotIngestError extends FullhistoryError {
  override name = "HotIngestError";
}

/** The `HotIngestError` refusing ledger `ledgerSeq` for chunk `chunkId`'s hot DB, for the reason `why`. */
export function ingestRefusal(target: { chunkId: ChunkId; ledgerSeq: number }, why: string): HotIngestError {
  return new HotIngestError(`Cannot ingest ledger ${target.ledgerSeq} into the hot DB of chunk ${pad8(target.chunkId)}: ${why}`);
}

/** Flushing memtables at close failed; the DB is closed anyway and its WAL replays on the next open. */
export class HotDbFlushError extends FullhistoryError {
  override name = "HotDbFlushError";
}
