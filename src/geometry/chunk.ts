/**
 * Chunk arithmetic (reference §1.1–1.2, §1.4; D1). A chunk is 10,000 consecutive ledgers starting
 * at genesis ledger 2: chunk c holds ledgers [c·10000 + 2, (c+1)·10000 + 1]. Chunk ids written to
 * disk are ≥ 0 and formatted `%08d`; the signed chunk −1 ("nothing complete yet") exists only in
 * startup and watermark arithmetic, through `lastCompleteChunkAt` and `completeThrough`.
 * @module
 */

import { assert } from "../assert.ts";

/** A chunk id: uint32 on disk, `%08d` in keys and file names. */
export type ChunkId = number & { readonly __brand: "ChunkId" };
/** A tx-hash index window id: chunkId / chunksPerWindow (src/geometry/windows.ts). */
export type WindowId = number & { readonly __brand: "WindowId" };
/** A ledger sequence number (uint32). */
export type LedgerSeq = number & { readonly __brand: "LedgerSeq" };

/** Ledgers per chunk (D1). The only place 10_000 appears. */
export const LEDGERS_PER_CHUNK = 10_000;
/** The first ledger of the network (genesis). */
export const FIRST_LEDGER_SEQ = 2 as LedgerSeq;
/** "Nothing committed yet": the ledger before genesis (reference §1.1). */
export const PRE_GENESIS_LEDGER = 1 as LedgerSeq;
/** Chunks per bucket directory; a filesystem grouping only, never in keys (reference §3.1). */
export const CHUNKS_PER_BUCKET = 1000;
/** The largest uint32, the ledger-sequence domain. */
export const LEDGER_SEQ_MAX = 0xffff_ffff;
/** The last chunk whose last ledger still fits in a uint32 (reference §1.2). */
export const CHUNK_ID_MAX = Math.floor((LEDGER_SEQ_MAX - FIRST_LEDGER_SEQ + 1) / LEDGERS_PER_CHUNK) - 1;

assert(chunkLastLedgerUnchecked(CHUNK_ID_MAX) <= LEDGER_SEQ_MAX, "CHUNK_ID_MAX's last ledger must fit a uint32");
assert(chunkLastLedgerUnchecked(CHUNK_ID_MAX + 1) > LEDGER_SEQ_MAX, "CHUNK_ID_MAX must be the largest such chunk");

function chunkLastLedgerUnchecked(chunkId: number): number {
  return (chunkId + 1) * LEDGERS_PER_CHUNK + FIRST_LEDGER_SEQ - 1;
}

/** Asserts `value` is a valid on-disk chunk id and brands it. */
export function toChunkId(value: number): ChunkId {
  assert(Number.isInteger(value), `chunk id ${value} is not an integer`);
  assert(value >= 0, `chunk id ${value} is negative`);
  assert(value <= CHUNK_ID_MAX, `chunk id ${value} exceeds ${CHUNK_ID_MAX}`);
  return value as ChunkId;
}

/** Asserts `value` is a uint32 ledger sequence and brands it. */
export function toLedgerSeq(value: number): LedgerSeq {
  assert(Number.isInteger(value), `ledger ${value} is not an integer`);
  assert(value >= 0, `ledger ${value} is negative`);
  assert(value <= LEDGER_SEQ_MAX, `ledger ${value} exceeds uint32`);
  return value as LedgerSeq;
}

/** The chunk holding `ledgerSeq`; ledgers below genesis have no chunk (reference §1.2). */
export function chunkOfLedger(ledgerSeq: LedgerSeq): ChunkId {
  assert(ledgerSeq >= FIRST_LEDGER_SEQ, `ledger ${ledgerSeq} is below genesis ${FIRST_LEDGER_SEQ}`);
  return Math.floor((ledgerSeq - FIRST_LEDGER_SEQ) / LEDGERS_PER_CHUNK) as ChunkId;
}

/** First ledger of chunk `chunkId`: chunk 0 → 2, chunk 5 → 50002. */
export function chunkFirstLedger(chunkId: ChunkId): LedgerSeq {
  return (chunkId * LEDGERS_PER_CHUNK + FIRST_LEDGER_SEQ) as LedgerSeq;
}

/** Last ledger of chunk `chunkId`: chunk 0 → 10001. */
export function chunkLastLedger(chunkId: ChunkId): LedgerSeq {
  return chunkLastLedgerUnchecked(chunkId) as LedgerSeq;
}

/** True when `ledgerSeq` is the first ledger of its chunk ("chunk-aligned", reference §4.3). */
export function isChunkAligned(ledgerSeq: LedgerSeq): boolean {
  return ledgerSeq >= FIRST_LEDGER_SEQ && chunkFirstLedger(chunkOfLedger(ledgerSeq)) === ledgerSeq;
}

/**
 * The highest chunk whose last ledger is ≤ `ledgerSeq`, signed: −1 when none (reference §1.4).
 * Go truncates toward zero; Math.floor would map ledger 0 to chunk −2.
 */
export function lastCompleteChunkAt(ledgerSeq: number): number {
  return Math.trunc((ledgerSeq + 1 - FIRST_LEDGER_SEQ) / LEDGERS_PER_CHUNK) - 1;
}

/**
 * The chunk holding `ledgerSeq`, signed: −1 below genesis (reference §1.4 `chunkIdOfLedger`).
 */
export function signedChunkOfLedger(ledgerSeq: number): number {
  if (ledgerSeq < FIRST_LEDGER_SEQ) return -1;
  return Math.floor((ledgerSeq - FIRST_LEDGER_SEQ) / LEDGERS_PER_CHUNK);
}

/**
 * The last ledger durably covered when chunks through `signedChunkId` are complete: the chunk's
 * last ledger, or PRE_GENESIS_LEDGER (1) for any negative chunk. The guard is load-bearing: −2
 * must not alias to a huge uint32 (reference §1.4).
 */
export function completeThrough(signedChunkId: number): LedgerSeq {
  if (signedChunkId < 0) return PRE_GENESIS_LEDGER;
  return chunkLastLedger(signedChunkId as ChunkId);
}

/** The bucket directory id of a chunk (reference §3.1): chunk 5350 → 5. */
export function bucketOf(chunkId: ChunkId): number {
  return Math.floor(chunkId / CHUNKS_PER_BUCKET);
}

/** `%08d`: chunk, window and coverage ids in keys and file names. */
export function pad8(id: number): string {
  assert(Number.isInteger(id), `id ${id} is not an integer`);
  assert(id >= 0, `id ${id} is negative`);
  assert(id <= 99_999_999, `id ${id} does not fit 8 digits`);
  return id.toString().padStart(8, "0");
}

/** `%05d`: bucket directory names. */
export function pad5(id: number): string {
  assert(Number.isInteger(id), `id ${id} is not an integer`);
  assert(id >= 0, `id ${id} is negative`);
  assert(id <= 99_999, `id ${id} does not fit 5 digits`);
  return id.toString().padStart(5, "0");
}

/** Chunk ids lo..hi inclusive, ascending; the range is bounded by the uint32 chunk domain. */
export function* chunkIdsInclusive(lo: ChunkId, hi: ChunkId): Generator<ChunkId> {
  assert(lo <= hi, `chunk range [${lo}, ${hi}] is reversed`);
  for (let chunkId: number = lo; chunkId <= hi; chunkId++) yield chunkId as ChunkId;
}
