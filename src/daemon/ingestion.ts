/**
 * Live ingestion (reference §7.11, §5.7, §7.12; README D11, D12): follows the lake's tip ledger by
 * ledger into the live chunk's hot DB, one synced atomic batch per ledger, and hands each finished
 * chunk to the lifecycle. `docs/ingestion.md` tells the whole story.
 *
 * Per ledger (in order, from the live chunk's first uncommitted ledger, derived, never passed in):
 *   1. fetch it from the live tail, polling every `pollIntervalMs` while it is not there yet, and
 *      prepare its batch (walk, zstd, payloads, term keys) — both ahead of the commit, in the
 *      pipeline's Worker (`_ingest_pipeline.ts`), so ledger N+1 is fetched and prepared while
 *      ledger N commits;
 *   2. commit it as ONE synced batch across every column family    ⟶ ingest.committed
 *   3. gauge `last_committed_ledger`.
 * At the chunk's last ledger, the boundary handoff fence (§5.7), in this order:
 *   4. close the chunk's hot DB (flush)                             ⟶ ingest.boundary.closed
 *   5. open the next chunk's hot DB through the hot bracket: its `hot:chunk:{C+1}` key is what
 *      makes chunk C visibly complete to the lifecycle              ⟶ ingest.boundary.opened
 *   6. wake the lifecycle (never blocks, D11)                       ⟶ ingest.boundary.woke
 *   7. count the boundary and log it.
 * Crash reasoning: a kill anywhere leaves whole ledgers (each batch is atomic) and at most one
 * chunk being created. At restart the supervisor derives the last committed ledger again (§7.8)
 * and ingestion resumes right after it: after 2 at a chunk's last ledger, or after 4, the resume
 * chunk is C+1 and step 5 runs as a plain open; the lifecycle is seeded with the last complete
 * chunk at startup, so the lost wake of 6 is harmless. Re-delivering a committed ledger would
 * change nothing (`HotChunkDb.ingestLedger`), but resuming at the watermark never re-delivers.
 *
 * Concurrency (§7.12): this loop is the only writer of the live chunk's hot DB and the only creator
 * of `hot:chunk` keys; the lifecycle owns every chunk below the live one.
 * @module
 */

import { openHotDbForChunk } from "../catalog/hot_bracket.ts";
import { type Catalog } from "../catalog/catalog.ts";
import { crashPoint } from "../crash_point.ts";
import { type ChunkId, chunkFirstLedger, chunkLastLedger, type LedgerSeq, pad8, toChunkId } from "../geometry/chunk.ts";
import { type HotChunkDb } from "../hot/hot_chunk_db.ts";
import { hotDbOpener } from "../hot/hot_db_opener.ts";
import { HotDbFlushError } from "../hot/hot_errors.ts";
import { type WakeSignal } from "../lifecycle/wake_signal.ts";
import { type Logger } from "../log/logger.ts";
import { type DaemonMetrics } from "../metrics/daemon_metrics.ts";
import { type IngestLake, type IngestPipeline, openIngestPipeline } from "./_ingest_pipeline.ts";

/** What the ingestion loop works with; wired once by the supervisor. */
export interface IngestionDeps {
  /** Hot keys are written through the catalog's hot bracket (reference §5.6). */
  catalog: Catalog;
  /** The live tail, as plain options: the pipeline's Worker opens its own source and reads it. */
  lake: IngestLake;
  /** `[ingestion] poll_interval`: the wait before asking the lake again for a missing ledger. */
  pollIntervalMs: number;
  /** Woken after each chunk boundary (reference §5.7 step 3). */
  wakeup: WakeSignal;
  logger: Logger;
  metrics: DaemonMetrics;
  /** The pipeline's Worker script; the ingest Worker unless a test watches the lake through its own. */
  workerSpecifier?: string | undefined;
}

/**
 * Ingests from the live chunk's first uncommitted ledger — its hot DB's max committed seq + 1, or
 * its first ledger — opening chunk `resumeChunkId`'s hot DB through the bracket. Runs until
 * `signal` aborts, then resolves once the in-flight batch either committed or was never written
 * and the DB is closed; or until a failure, which it throws (the DB closed too).
 */
export async function runIngestion(deps: IngestionDeps, options: { resumeChunkId: ChunkId; signal: AbortSignal }): Promise<void> {
  const { signal } = options;
  let db = openHotDbForChunk(deps.catalog, options.resumeChunkId, hotDbOpener(options.resumeChunkId));
  let pipeline: IngestPipeline | undefined;
  try {
    // A kill after the chunk's last commit but before the handoff: finish the handoff first.
    if (db.maxCommittedSeq() === chunkLastLedger(db.chunkId)) db = handOff(deps, db);
    const resumeLedgerSeq = nextLedgerOf(db);
    deps.logger.info("ingestion resuming", { chunk: pad8(db.chunkId), resume_ledger: resumeLedgerSeq, lake: deps.lake.description });
    pipeline = openIngestPipeline({
      lake: deps.lake,
      pollIntervalMs: deps.pollIntervalMs,
      fromLedgerSeq: resumeLedgerSeq,
      firstEventId: db.committedEventCount(),
      columnFamilyIds: db.columnFamilyIds(),
      signal,
      workerSpecifier: deps.workerSpecifier,
    });
    // Ends by abort or failure only: the live tail has no last ledger.
    for (;;) {
      const prepared = await pipeline.next(); // step 1
      db.commitPreparedBatch(prepared); // step 2
      crashPoint("ingest.committed");
      deps.metrics.lastCommittedLedger.set(prepared.ledgerSeq); // step 3
      if (prepared.ledgerSeq === chunkLastLedger(db.chunkId)) db = handOff(deps, db);
    }
  } catch (err) {
    // The abort reaches the loop only while it waits for a ledger, never inside a (synchronous) commit.
    if (!signal.aborted || err !== signal.reason) throw err;
    deps.logger.info("ingestion stopped", { chunk: pad8(db.chunkId), last_committed: db.maxCommittedSeq() });
  } finally {
    pipeline?.close();
    closeOnExit(deps.logger, db);
  }
}

/** Steps 4–7 of the module doc: the boundary handoff fence (reference §5.7); returns the next chunk's DB. */
function handOff(deps: IngestionDeps, db: HotChunkDb): HotChunkDb {
  const closedChunkId = db.chunkId;
  const nextChunkId = toChunkId(closedChunkId + 1);
  // A failed flush fails the run (reference §7.11): the DB is closed anyway and its WAL holds every
  // ledger, so the restart resumes at the next chunk.
  db.close(); // step 4
  crashPoint("ingest.boundary.closed");
  const nextDb = openHotDbForChunk(deps.catalog, nextChunkId, hotDbOpener(nextChunkId)); // step 5
  crashPoint("ingest.boundary.opened");
  deps.wakeup.wake(); // step 6
  crashPoint("ingest.boundary.woke");
  deps.metrics.chunkBoundariesTotal.inc(); // step 7
  deps.logger.info("ingestion chunk boundary, handed off to lifecycle", {
    closed_chunk: pad8(closedChunkId),
    next_chunk: pad8(nextChunkId),
    last_ledger: chunkLastLedger(closedChunkId),
  });
  return nextDb;
}

/** The first ledger `db` does not hold: the resume point (reference §7.11), derived from the DB. */
function nextLedgerOf(db: HotChunkDb): LedgerSeq {
  const maxCommittedSeq = db.maxCommittedSeq();
  return maxCommittedSeq === undefined ? chunkFirstLedger(db.chunkId) : ((maxCommittedSeq + 1) as LedgerSeq);
}

/** Closes the live DB as the loop exits (idempotent after a boundary's close). */
function closeOnExit(logger: Logger, db: HotChunkDb): void {
  try {
    db.close();
  } catch (err) {
    // Safe to only log (reference §8.9): the DB is closed and its synced WAL replays at the next open.
    if (!(err instanceof HotDbFlushError)) throw err;
    logger.warn("hot DB flush at close failed; its WAL replays at the next open", { chunk: pad8(db.chunkId), error: err });
  }
}
