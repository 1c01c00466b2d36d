/**
 * Tx-hash index window arithmetic (reference §1.3; D1, D6). A window is `chunksPerWindow`
 * consecutive chunks sharing one `.idx`; production fixes it at 1000 (D1, no config key). Tests
 * build a `WindowGeometry` with a tiny window so terminal builds are cheap (reference §11).
 * A coverage [lo, hi] of window w is terminal iff hi is the window's last chunk — derived, never
 * stored.
 * @module
 */

import { assert } from "../assert.ts";
import {
  type ChunkId,
  type LedgerSeq,
  type WindowId,
  chunkFirstLedger,
  chunkLastLedger,
  LEDGERS_PER_CHUNK,
} from "./chunk.ts";

/** Chunks per tx-hash index window in production (D1). The only place 1000 means a window. */
export const CHUNKS_PER_WINDOW = 1000;
/** Bytes of the `.idx` payload (seq − coverage first ledger), as in the reference (§1.1, D6). */
export const IDX_PAYLOAD_BYTES = 3;
/** The largest window whose ledger span fits the 3-byte payload: (2^24) / 10000 = 1677. */
export const CHUNKS_PER_WINDOW_MAX = Math.floor(2 ** (8 * IDX_PAYLOAD_BYTES) / LEDGERS_PER_CHUNK);

assert(CHUNKS_PER_WINDOW <= CHUNKS_PER_WINDOW_MAX, "window span overflows the .idx payload");
assert(CHUNKS_PER_WINDOW_MAX * LEDGERS_PER_CHUNK <= 2 ** (8 * IDX_PAYLOAD_BYTES), "max window span overflows .idx");

/** One coverage of a window's index: chunks [lo, hi] of window `windowId` (D2 `index:{w}:{lo}:{hi}`). */
export interface IndexCoverage {
  windowId: WindowId;
  lo: ChunkId;
  hi: ChunkId;
}

/** Window arithmetic bound to one window size. Construct once; immutable. */
export class WindowGeometry {
  readonly chunksPerWindow: number;

  constructor(chunksPerWindow: number = CHUNKS_PER_WINDOW) {
    assert(Number.isInteger(chunksPerWindow), `chunks per window ${chunksPerWindow} is not an integer`);
    assert(chunksPerWindow >= 1, `chunks per window ${chunksPerWindow} must be ≥ 1`);
    assert(chunksPerWindow <= CHUNKS_PER_WINDOW_MAX, `chunks per window ${chunksPerWindow} exceeds ${CHUNKS_PER_WINDOW_MAX}`);
    this.chunksPerWindow = chunksPerWindow;
  }

  /** The window holding `chunkId`. */
  windowOf(chunkId: ChunkId): WindowId {
    return Math.floor(chunkId / this.chunksPerWindow) as WindowId;
  }

  /** First chunk of window `windowId`. */
  firstChunk(windowId: WindowId): ChunkId {
    return (windowId * this.chunksPerWindow) as ChunkId;
  }

  /** Last chunk of window `windowId`. */
  lastChunk(windowId: WindowId): ChunkId {
    return ((windowId + 1) * this.chunksPerWindow - 1) as ChunkId;
  }

  /** A coverage is terminal when it reaches its window's last chunk (reference §1.3). */
  isTerminal(coverage: IndexCoverage): boolean {
    return coverage.hi === this.lastChunk(coverage.windowId);
  }

  /** Asserts that `coverage` lies inside its window and is ordered. */
  checkCoverage(coverage: IndexCoverage): IndexCoverage {
    assert(coverage.lo <= coverage.hi, `coverage [${coverage.lo}, ${coverage.hi}] is reversed`);
    assert(this.windowOf(coverage.lo) === coverage.windowId, `coverage lo ${coverage.lo} is outside window ${coverage.windowId}`);
    assert(this.windowOf(coverage.hi) === coverage.windowId, `coverage hi ${coverage.hi} is outside window ${coverage.windowId}`);
    return coverage;
  }
}

/** True when `outer` contains `inner` (same window assumed by the caller). */
export function coverageContains(outer: IndexCoverage, inner: { lo: ChunkId; hi: ChunkId }): boolean {
  return outer.lo <= inner.lo && outer.hi >= inner.hi;
}

/** The ledger span an index coverage answers for: [first ledger of lo, last ledger of hi]. */
export function coverageLedgerSpan(coverage: IndexCoverage): { minLedger: LedgerSeq; maxLedger: LedgerSeq } {
  return { minLedger: chunkFirstLedger(coverage.lo), maxLedger: chunkLastLedger(coverage.hi) };
}
