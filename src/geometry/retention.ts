/**
 * Retention arithmetic (reference §6; D3 `[retention]`). The floor is the lowest ledger the store
 * keeps: the sliding floor `retentionChunks` whole chunks below `upperBound`, never below genesis
 * and never below the pinned `earliest_ledger`. It is derived, never stored: shortening retention
 * raises it at once, widening it takes effect when catch-up fills downward.
 *
 *   effective floor = max(sliding, earliest)
 *   sliding         = 2 (genesis)                                     when retentionChunks = 0
 *                   = firstLedger(max(0, lastCompleteChunkAt(upperBound) − retentionChunks + 1))
 *
 * Everything below the floor is invisible to readers and eligible for pruning: a chunk when
 * `chunkId < floorChunkId`, an index window when its LAST chunk is below the floor chunk (a window
 * straddling the floor keeps its `.idx`, reference §11.5).
 * @module
 */

import { assert } from "../assert.ts";
import {
  type ChunkId,
  type LedgerSeq,
  type WindowId,
  chunkFirstLedger,
  chunkOfLedger,
  FIRST_LEDGER_SEQ,
  isChunkAligned,
  lastCompleteChunkAt,
  LEDGER_SEQ_MAX,
} from "./chunk.ts";
import type { WindowGeometry } from "./windows.ts";

/** The retention policy: `[retention] retention_chunks` and the pinned earliest ledger. */
export interface RetentionPolicy {
  /** Whole chunks kept below the upper bound; 0 = full history (the floor stays at `earliestLedgerSeq`). */
  readonly retentionChunks: number;
  /** The pinned `config:earliest_ledger` (chunk-aligned), or 0 for "no earliest" (genesis). */
  readonly earliestLedgerSeq: LedgerSeq;
}

/** The floor at one upper bound: readers and prune see nothing below `floorLedgerSeq`. */
export interface RetentionFloor {
  /** The first kept ledger; always the first ledger of `floorChunkId`. */
  readonly floorLedgerSeq: LedgerSeq;
  /** The first kept chunk. */
  readonly floorChunkId: ChunkId;
}

/** The first kept ledger at `upperBound` (a ledger; may be pre-genesis on a young network). */
export function effectiveRetentionFloor(upperBound: LedgerSeq, policy: RetentionPolicy): LedgerSeq {
  assert(Number.isInteger(policy.retentionChunks), `retention chunks ${policy.retentionChunks} is not an integer`);
  assert(policy.retentionChunks >= 0, `retention chunks ${policy.retentionChunks} is negative`);
  assert(policy.retentionChunks <= LEDGER_SEQ_MAX, `retention chunks ${policy.retentionChunks} exceeds uint32`);
  let slidingLedgerSeq = FIRST_LEDGER_SEQ;
  if (policy.retentionChunks > 0) {
    // Signed: a young network or a long retention goes below chunk 0; clamp, never wrap (§6).
    const slidingChunkSigned = lastCompleteChunkAt(upperBound) - policy.retentionChunks + 1;
    slidingLedgerSeq = chunkFirstLedger(Math.max(0, slidingChunkSigned) as ChunkId);
  }
  const floorLedgerSeq = Math.max(slidingLedgerSeq, policy.earliestLedgerSeq) as LedgerSeq;
  // The pin is chunk-aligned (reference §4.3), so the ledger gate and the chunk gate agree.
  assert(isChunkAligned(floorLedgerSeq), `retention floor ${floorLedgerSeq} is not chunk-aligned`);
  return floorLedgerSeq;
}

/** The floor at `upperBound` as a ledger and a chunk (reference §6 `RetentionFloor`). */
export function retentionFloor(upperBound: LedgerSeq, policy: RetentionPolicy): RetentionFloor {
  const floorLedgerSeq = effectiveRetentionFloor(upperBound, policy);
  return Object.freeze({ floorLedgerSeq, floorChunkId: chunkOfLedger(floorLedgerSeq) });
}

/** True when chunk `chunkId` is below the floor: its artifacts are invisible and prunable. */
export function excludesChunk(floor: RetentionFloor, chunkId: ChunkId): boolean {
  return chunkId < floor.floorChunkId;
}

/**
 * True when window `windowId`'s index is below the floor: judged by the window's LAST chunk, so a
 * window straddling the floor keeps its `.idx` for the chunks still in range (§6, §11.5).
 */
export function excludesWindow(floor: RetentionFloor, windowId: WindowId, windows: WindowGeometry): boolean {
  return excludesChunk(floor, windows.lastChunk(windowId));
}

/** The reader gate: a ledger below the floor is not found, even while its files still exist (§6). */
export function isLedgerRetained(floor: RetentionFloor, ledgerSeq: LedgerSeq): boolean {
  return ledgerSeq >= floor.floorLedgerSeq;
}
