/**
 * The write step of processChunk (reference §5.2 step 5, §7.5): ONE streaming pass over a chunk's
 * ledgers feeds every requested writer — the ledger pack (§8.4), the events segment (§8.5, D7) and
 * the tx-hash run `.bin` (§8.6; outer AND fee-bump inner hashes, D8). Runs inside a backfill Worker
 * and touches no catalog key: the caller marked the kinds `freezing` before and barriers and flips
 * after. Pure of the catalog (style R12), so it also runs in process for tests and the bench.
 *
 * Source checks, all BEFORE any writer is finished (so nothing of a bad stream ever reaches a
 * finished file, let alone a frozen key): every ledger's own header sequence must be exactly the
 * next expected one (a skip, a repeat or reordering fails), nothing may follow the chunk's last
 * ledger (overrun), and the stream must reach it (short stream). Each failure is a
 * `ChunkSourceError` naming the chunk, the source, the expected and the delivered sequence.
 *
 * Finish order: ledgers → txhash → events (the reference's); each finished file is fsynced by its
 * writer. On any failure every writer still open removes its partial files; files already finished
 * stay as inert scratch under their `freezing` keys and are overwritten by the next attempt.
 * Crash points: `chunk.ledger.appended` after each ledger reached every writer,
 * `chunk.artifact.finished` after each kind's files are finished (D14).
 * @module
 */

import { assert } from "../assert.ts";
import { crashPoint } from "../crash_point.ts";
import { type ChunkId, type LedgerSeq, chunkFirstLedger, chunkLastLedger, LEDGERS_PER_CHUNK, pad8 } from "../geometry/chunk.ts";
import { type ArtifactKind } from "../geometry/keys.ts";
import { type EventsSegmentWriter, createEventsSegmentWriter } from "../formats/events_segment_writer.ts";
import { type LedgerPackWriter, createLedgerPackWriter } from "../formats/ledger_pack_writer.ts";
import { cleanupFailedAfter, FileIoError } from "../formats/file_io_error.ts";
import { TxhashEntries } from "../formats/txhash_entries.ts";
import { writeTxhashRun } from "../formats/txhash_run.ts";
import { ledgerSeqOf } from "../xdr/ledger_seq_of.ts";
import { type LedgerView, walkLedger } from "../xdr/walk_ledger.ts";
import { ledgerEventInputs } from "../hot/ledger_event_inputs.ts";
import { ChunkSourceError } from "./backfill_errors.ts";
import { type ChunkArtifactPaths, type ChunkWritten } from "./_worker_protocol.ts";

/** Entries a chunk's tx-hash columns start with (the reference's initial capacity, §7.5). */
const TXHASH_ENTRIES_INITIAL = 65_536;
const HASH_BYTES = 32;

/** What to write and from what. */
export interface ChunkWriteOptions {
  chunkId: ChunkId;
  /** At least one kind; a path for each in `paths`. */
  kinds: readonly ArtifactKind[];
  paths: ChunkArtifactPaths;
  /** Names the source in errors: `Filesystem lake "/srv/lake"`, `ledger pack "…"`, `hot DB "…"`. */
  sourceDescription: string;
  /** Called before each ledger; throws to abandon the build (a cancelled task), which unwinds as a failure does. */
  checkCancelled?: () => void;
}

/** The open writers of one attempt; each present exactly when its kind was requested. */
interface ChunkWriters {
  pack: LedgerPackWriter | undefined;
  events: EventsSegmentWriter | undefined;
  txhash: { path: string; entries: TxhashEntries } | undefined;
}

/** Streams `ledgers` (the chunk's, in order) into every requested artifact and finishes them. */
export async function writeChunkArtifacts(
  ledgers: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ChunkWriteOptions,
): Promise<ChunkWritten> {
  assert(options.kinds.length >= 1, `chunk ${options.chunkId}: no kinds to write`);
  const writers = openWriters(options);
  try {
    const ledgerCount = await streamLedgers(ledgers, { options, writers });
    assert(ledgerCount === LEDGERS_PER_CHUNK, `chunk ${options.chunkId}: streamed ${ledgerCount} ledgers`);
    return await finishWriters(writers, ledgerCount);
  } catch (err) {
    closeWritersAndRethrow(writers, err);
  }
}

/**
 * Closes (and so removes) every writer still open after `failure`, then rethrows it. A close that
 * fails does not stop the next one; the first close failure is thrown instead, naming the failure
 * it cleaned up after, as in the formats' `abandonAndRethrow`.
 */
function closeWritersAndRethrow(writers: ChunkWriters, failure: unknown): never {
  let closeFailure: unknown;
  for (const writer of [writers.pack, writers.events]) {
    try {
      writer?.close();
    } catch (closeErr) {
      closeFailure ??= closeErr;
    }
  }
  if (closeFailure instanceof FileIoError) throw cleanupFailedAfter(closeFailure, failure);
  throw closeFailure ?? failure;
}

function openWriters(options: ChunkWriteOptions): ChunkWriters {
  const firstLedgerSeq = chunkFirstLedger(options.chunkId);
  const { paths, kinds } = options;
  const writers: ChunkWriters = { pack: undefined, events: undefined, txhash: undefined };
  try {
    if (kinds.includes("ledgers")) writers.pack = createLedgerPackWriter(requiredPath(paths.ledgerPack, "ledgers"), firstLedgerSeq);
    if (kinds.includes("events")) writers.events = createEventsSegmentWriter(requiredPath(paths.events, "events"), firstLedgerSeq);
  } catch (err) {
    writers.pack?.close();
    throw err;
  }
  if (kinds.includes("txhash")) {
    writers.txhash = { path: requiredPath(paths.txhashRun, "txhash"), entries: new TxhashEntries({ initialCapacity: TXHASH_ENTRIES_INITIAL }) };
  }
  return writers;
}

function requiredPath<T>(path: T | undefined, kind: ArtifactKind): T {
  assert(path !== undefined, `kind ${kind} requested without its path`);
  return path;
}

/** Feeds every ledger to the writers after checking its sequence; returns how many were fed. */
async function streamLedgers(
  ledgers: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  context: { options: ChunkWriteOptions; writers: ChunkWriters },
): Promise<number> {
  const { options, writers } = context;
  const firstLedgerSeq = chunkFirstLedger(options.chunkId);
  const lastLedgerSeq = chunkLastLedger(options.chunkId);
  const walkNeeded = writers.events !== undefined || writers.txhash !== undefined;
  let expectedSeq = firstLedgerSeq;
  // The loop is bounded by the source; an overrun fails on its first extra ledger.
  for await (const lcmBytes of ledgers) {
    options.checkCancelled?.();
    if (expectedSeq > lastLedgerSeq) {
      throw sourceError(options, `delivered more than the chunk's ${LEDGERS_PER_CHUNK} ledgers (past ledger ${lastLedgerSeq})`);
    }
    const view = walkNeeded ? walkLedger(lcmBytes) : undefined;
    const ledgerSeq = view?.ledgerSeq ?? ledgerSeqOf(lcmBytes);
    if (ledgerSeq !== expectedSeq) {
      throw sourceError(options, `delivered ledger ${ledgerSeq} where ledger ${expectedSeq} must come next (a skipped, repeated or reordered ledger)`);
    }
    writers.pack?.append(ledgerSeq, lcmBytes);
    if (view !== undefined) feedWalkedLedger(view, writers);
    crashPoint("chunk.ledger.appended");
    expectedSeq = (expectedSeq + 1) as LedgerSeq;
  }
  if (expectedSeq <= lastLedgerSeq) {
    throw sourceError(options, `ended before ledger ${expectedSeq} (the chunk runs to ledger ${lastLedgerSeq})`);
  }
  return expectedSeq - firstLedgerSeq;
}

function sourceError(options: ChunkWriteOptions, detail: string): ChunkSourceError {
  return new ChunkSourceError(
    `Cannot build chunk ${pad8(options.chunkId)} [${chunkFirstLedger(options.chunkId)}, ${chunkLastLedger(options.chunkId)}]: ` +
      `${options.sourceDescription} ${detail}; nothing of the chunk was frozen, the build is retried from the source ` +
      `(if it keeps failing, check that source for a gap or a duplicate)`,
  );
}

/**
 * Tx-hash entries (outer, then the fee-bump inner hash, D8) and the ledger's events in emission
 * order, through the same `ledgerEventInputs` the hot DB ingests with: a chunk frozen from the lake
 * and one frozen from its hot DB hold the same bytes.
 */
function feedWalkedLedger(view: LedgerView, writers: ChunkWriters): void {
  const { bytes, ledgerSeq } = view;
  if (writers.txhash !== undefined) {
    const entries = writers.txhash.entries;
    for (const tx of view.transactions) {
      entries.add(bytes.subarray(tx.hashOffset, tx.hashOffset + HASH_BYTES), ledgerSeq);
      if (tx.innerHashOffset !== undefined) entries.add(bytes.subarray(tx.innerHashOffset, tx.innerHashOffset + HASH_BYTES), ledgerSeq);
    }
  }
  if (writers.events !== undefined) {
    writers.events.appendLedger(ledgerSeq, ledgerEventInputs(view));
  }
}

/** Finishes ledgers → txhash → events (reference §7.5); each writer fsyncs its files. */
async function finishWriters(writers: ChunkWriters, ledgerCount: number): Promise<ChunkWritten> {
  if (writers.pack !== undefined) {
    writers.pack.finish();
    crashPoint("chunk.artifact.finished");
  }
  let txhashEntryCount = 0;
  if (writers.txhash !== undefined) {
    txhashEntryCount = (await writeTxhashRun(writers.txhash.path, writers.txhash.entries)).entryCount;
    crashPoint("chunk.artifact.finished");
  }
  let eventCount = 0;
  if (writers.events !== undefined) {
    eventCount = writers.events.eventCount;
    writers.events.finish();
    crashPoint("chunk.artifact.finished");
  }
  return { ledgerCount, txhashEntryCount, eventCount };
}
