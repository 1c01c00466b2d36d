/**
 * What a backfill reports while it runs: the startup module renders these events as the progress
 * line, log lines and metrics (reference §10.1 freeze and rebuild counters, §10.3). Calls come from
 * the main thread, one at a time, in completion order. An observer must not throw: a throw fails
 * the task that reported.
 * @module
 */

import { type ChunkId } from "../geometry/chunk.ts";
import { type ArtifactKind } from "../geometry/keys.ts";
import { type IndexCoverage } from "../geometry/windows.ts";
import { type FullhistoryError } from "../errors.ts";
import { type ChunkRange } from "./resolve.ts";

/** Where a chunk's ledgers were read from (reference §7.4, in order of preference). */
export type ChunkSourceKind = "hot" | "pack" | "lake";

/** A plan was resolved and is about to run. */
export interface PlanResolvedEvent {
  range: ChunkRange;
  chunkBuildCount: number;
  indexBuildCount: number;
}

/** One chunk build finished: every requested kind is frozen now. */
export interface ChunkBuiltEvent {
  chunkId: ChunkId;
  /** Kinds written by this build; empty when all were already frozen (nothing was read). */
  kinds: readonly ArtifactKind[];
  /** Undefined when nothing was written. */
  source: ChunkSourceKind | undefined;
  /** Ledgers streamed: 10,000 for a written chunk, 0 when nothing was written. */
  ledgerCount: number;
  /** Tx-hash entries written to the `.bin` (outer + inner hashes, D8); 0 without `txhash`. */
  txhashEntryCount: number;
  /** Contract events written to the segment; 0 without `events`. */
  eventCount: number;
  /** From the task's start to its flip, the last attempt only. */
  durationMs: number;
}

/** One index build finished: its coverage is the window's frozen coverage and the window is swept. */
export interface IndexBuiltEvent {
  coverage: IndexCoverage;
  /** Keys in the `.idx`; 0 when skipped. */
  keyCount: number;
  /** True when the exact coverage was already frozen (reference §5.3 step 1). */
  skipped: boolean;
  durationMs: number;
}

/** A task failed with a retryable error and will run again after `delayMs`. */
export interface TaskRetriedEvent {
  /** `chunk 00000005` or `index 00000000 [00000000, 00000003]`. */
  task: string;
  /** The attempt that failed, 1-based. */
  attempt: number;
  delayMs: number;
  error: FullhistoryError;
}

/** Progress events of `runBackfill`. */
export interface BackfillObserver {
  planResolved(event: PlanResolvedEvent): void;
  chunkBuilt(event: ChunkBuiltEvent): void;
  indexBuilt(event: IndexBuiltEvent): void;
  taskRetried(event: TaskRetriedEvent): void;
}

/** An observer that ignores every event. */
export const SILENT_BACKFILL_OBSERVER: BackfillObserver = {
  planResolved: () => {},
  chunkBuilt: () => {},
  indexBuilt: () => {},
  taskRetried: () => {},
};
