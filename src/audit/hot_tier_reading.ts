/**
 * What `status` and `audit` read of the hot tier (reference §5.6, §7.8, §8.9): every `ready` hot DB
 * opened read-only through the hot read tier (`src/read/hot_tier.ts`: the open-time checks of
 * docs/hot.md, a writer race retried), the last ledger each holds, and the retained range up to
 * the REAL watermark (`lastCommittedLedger` with the tier's probe, so it is the ledger the readers
 * serve up to). `transient` keys are listed, never opened: their directory is being created or
 * removed (reference Appendix C tolerates them).
 *
 * A hot DB that cannot be read is reported, not thrown: status shows it, audit judges it. When it
 * is the highest ready one, the watermark falls back to chunk granularity (no probe) and says so.
 * Beside a running daemon each DB is seen as of its open: the live one keeps growing.
 * @module
 */

import { HotVolumeLostError } from "../catalog/hot_bracket.ts";
import type { Catalog } from "../catalog/catalog.ts";
import type { HotEntry } from "../catalog/hot_reads.ts";
import { FullhistoryError } from "../errors.ts";
import type { ChunkId, LedgerSeq } from "../geometry/chunk.ts";
import type { HotState } from "../geometry/keys.ts";
import { openHotTier } from "../read/hot_tier.ts";
import { type RetainedRange, retainedRange } from "../read/retained_range.ts";

/** One hot key and, for a `ready` one, what its hot DB holds or why it could not be read. */
export interface HotChunkReading {
  readonly chunkId: ChunkId;
  readonly state: HotState;
  /** The last ledger the DB holds; undefined when transient, empty or unreadable. */
  readonly lastLedgerSeq: LedgerSeq | undefined;
  /** Why a ready DB could not be read (missing, will not open, fails its checks); undefined otherwise. */
  readonly failure: FullhistoryError | undefined;
}

export interface HotTierReading {
  readonly chunks: readonly HotChunkReading[];
  readonly retained: RetainedRange;
  /** False when the highest ready DB was unreadable and `retained.lastLedgerSeq` is its chunk-granularity bound. */
  readonly watermarkExact: boolean;
}

/** Reads every hot key of `hotEntries` (the snapshot's) and the retained range under `retentionChunks`. */
export function readHotTier(catalog: Catalog, hotEntries: readonly HotEntry[], options: { retentionChunks: number }): HotTierReading {
  const tier = openHotTier(catalog);
  try {
    const chunks = hotEntries.map((entry): HotChunkReading => {
      if (entry.state !== "ready") return { ...entry, lastLedgerSeq: undefined, failure: undefined };
      try {
        return { ...entry, lastLedgerSeq: tier.maxCommittedLedger(entry.chunkId), failure: undefined };
      } catch (err) {
        if (!(err instanceof FullhistoryError)) throw err;
        return { ...entry, lastLedgerSeq: undefined, failure: err };
      }
    });
    try {
      return { chunks, retained: retainedRange(catalog, { ...options, probe: tier.probe() }), watermarkExact: true };
    } catch (err) {
      // The highest ready DB is unreadable (its failure is in `chunks`): fall back to chunk granularity.
      if (!(err instanceof HotVolumeLostError)) throw err;
      return { chunks, retained: retainedRange(catalog, options), watermarkExact: false };
    }
  } finally {
    tier.close();
  }
}
