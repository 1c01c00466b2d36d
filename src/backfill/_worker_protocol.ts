/**
 * The messages between the main thread and a backfill Worker (bun-ffi.md §7–§8). A Worker runs
 * exactly one task: the main thread posts `{ kind: "task" }`, the Worker answers with exactly one
 * `done` or `failed`. It never touches the catalog: the main thread marks before and barriers and
 * flips after (reference §5.2, §5.3), so every catalog write stays on one thread.
 *
 * A chunk whose ledgers come from a hot DB is fed by the main thread, which holds the RocksDB
 * handle: the Worker posts `pull`, the main thread answers with one `ledgers` batch (bounded by
 * `LEDGER_FEED_BATCH_*`), so at most one batch is in flight.
 *
 * Cancellation (`task_cancellation.ts`): the task message carries a shared cancel flag; to cancel,
 * the main thread raises it and posts `cancel` (which also wakes a Worker waiting for a `ledgers`
 * batch). The Worker unwinds and answers `cancelled` — or `done`/`failed` if it got there first.
 * @module
 */

import { type ChunkId, type LedgerSeq } from "../geometry/chunk.ts";
import { type ArtifactKind } from "../geometry/keys.ts";
import { type EventsSegmentPaths } from "../formats/events_segment.ts";
import { type LakeSourceOptions } from "../lake/open_lake_source.ts";
import { type SerializedError } from "../serialized_error.ts";
import { type CancelFlag } from "./task_cancellation.ts";

/** Ledgers per `ledgers` message of the hot feed, at most. */
export const LEDGER_FEED_BATCH_LEDGERS_MAX = 64;
/** Bytes per `ledgers` message of the hot feed, at most (a batch always holds at least one ledger). */
export const LEDGER_FEED_BATCH_BYTES_MAX = 16 * 1024 * 1024;

/** The files one chunk task writes; present exactly for the requested kinds. */
export interface ChunkArtifactPaths {
  ledgerPack?: string;
  events?: EventsSegmentPaths;
  txhashRun?: string;
}

/** Where a chunk task reads its ledgers (reference §7.4). */
export type ChunkLedgerSource =
  | { kind: "hot" }
  | { kind: "pack"; path: string }
  | { kind: "lake"; lake: LakeSourceOptions };

/** Write every requested artifact of one chunk in one pass over its ledgers (reference §7.5). */
export interface ChunkWriteTask {
  kind: "chunk";
  chunkId: ChunkId;
  kinds: ArtifactKind[];
  paths: ChunkArtifactPaths;
  source: ChunkLedgerSource;
}

/** Build one coverage's `.idx` from its runs (reference §5.3 step 5). */
export interface IndexBuildTask {
  kind: "index";
  runPaths: string[];
  outputPath: string;
  minLedger: LedgerSeq;
  maxLedger: LedgerSeq;
}

export type WorkerTask = ChunkWriteTask | IndexBuildTask;

/** What a chunk task wrote. */
export interface ChunkWritten {
  ledgerCount: number;
  txhashEntryCount: number;
  eventCount: number;
}

/** What an index task wrote. */
export interface IndexWritten {
  keyCount: number;
  byteCount: number;
}

export type WorkerResult = { kind: "chunk"; written: ChunkWritten } | { kind: "index"; written: IndexWritten };

export type ToWorker =
  | { kind: "task"; task: WorkerTask; cancelFlag: CancelFlag }
  | { kind: "ledgers"; ledgers: Uint8Array[]; done: boolean }
  | { kind: "cancel" };

export type FromWorker =
  | { kind: "done"; result: WorkerResult }
  | { kind: "failed"; error: SerializedError }
  | { kind: "cancelled" }
  | { kind: "pull" };
