/**
 * One hot RocksDB per live chunk (reference §8.9, §7.11; D8, D11): the ingestion loop's store and,
 * once the chunk is complete, its freeze source (§7.4). Schema in `_hot_schema.ts`, checks in
 * `_open_checks.ts`, decisions in `docs/hot.md`.
 *
 * Keeps:
 * - Committed ledgers are exactly the chunk's first ledger through `maxCommittedSeq()`, which is
 *   derived from the last `ledgers` key at open (never stored) and advanced only after a commit.
 * - One ledger = one atomic, synced WriteBatch over every column family (§7.11): a crash leaves
 *   whole ledgers or nothing, so every committed state passes the open-time checks.
 * - A ledger is walked before anything is written: a decode error writes nothing. The walk and the
 *   batch's bytes come from `prepareLedgerBatch` (pure, so the ingestion loop runs it in a Worker
 *   while this handle commits the previous ledger); `commitPreparedBatch` parses the prepared
 *   WriteBatch once (`checkPreparedBatch`: nothing malformed reaches the WAL), hands it to RocksDB
 *   whole and syncs.
 * - Re-delivering a committed ledger writes nothing at all (not even events or offsets, Open
 *   question 17); re-delivering different bytes for it is an error.
 * - Bytes read back are input: every read validates its keys, seqs and payloads and throws
 *   `HotDbCorruptError` rather than serve a torn DB.
 *
 * Handles: one read-write handle (the ingestion loop, the only writer; readers in the same process
 * read through it and see every commit) or any number of read-only handles (the freeze source in a
 * backfill Worker, the watermark probe, readers in other processes). A read-only open replays the
 * WAL and then sees the DB as of that instant; it does not follow later writes.
 * @module
 */

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import {
  type Batch,
  batchCount,
  closeDb,
  columnFamily,
  columnFamilyId,
  createBatchFrom,
  type Db,
  destroyBatch,
  flushDb,
  get,
  openDb,
  RocksDbError,
  scanRange,
  writeBatch,
} from "../../ffi/rocksdb.ts";
import { assert } from "../assert.ts";
import { CorruptFileError } from "../formats/corrupt_file_error.ts";
import { decodeEventPayload } from "../formats/event_payload.ts";
import { type EventsQuery } from "../formats/events_segment_reader.ts";
import { RecordDecodeError } from "../formats/record_codec.ts";
import { zstdDecode } from "../formats/zstd_codec.ts";
import { type ChunkId, chunkFirstLedger, chunkLastLedger, type LedgerSeq, pad8 } from "../geometry/chunk.ts";
import { ledgerSeqOf } from "../xdr/ledger_seq_of.ts";
import { XdrError } from "../xdr/xdr_error.ts";
import {
  CF_EVENTS_DATA,
  CF_EVENTS_INDEX,
  CF_EVENTS_OFFSETS,
  CF_LEDGERS,
  CF_TXHASH,
  EVENTS_INDEX_KEY_BYTES,
  eventsIndexKey,
  HOT_COLUMN_FAMILIES,
  readU32,
  TX_HASH_KEY_BYTES,
  U32_KEY_BYTES,
  U32_MAX,
  u32Key,
} from "./_hot_schema.ts";
import { checkCommittedState, type HotColumnFamilies, type HotCommittedState, type HotDbContext, hotDbCorrupt } from "./_open_checks.ts";
import { HotDbFlushError, HotDbOpenError, HotIngestError, ingestRefusal } from "./hot_errors.ts";
import { checkPreparedBatch, type PreparedLedgerBatch, prepareLedgerBatch } from "./prepared_ledger_batch.ts";

/** What `ingestLedger` did: wrote the ledger, or found it already committed with the same bytes. */
export type IngestOutcome = "committed" | "alreadyCommitted";

/** One event read back: its chunk-relative id and its Payload v1 bytes (the cold `-events.pack` item). */
export interface HotEvent {
  eventId: number;
  payloadBytes: Uint8Array;
}

/**
 * Opens chunk `chunkId`'s hot DB in `dir` read-write (the ingestion loop's handle). With `create`
 * the directory must not exist yet (the hot bracket removed it, reference §5.6) and is created.
 * Runs the open-time checks; `HotDbCorruptError` (fatal) or `HotDbOpenError` on failure.
 */
export function openHotChunkDb(dir: string, options: { chunkId: ChunkId; create: boolean }): HotChunkDb {
  if (options.create) assert(!existsSync(dir), `hot DB dir "${dir}" exists; the hot bracket removes it before a create`);
  return openHot({ chunkId: options.chunkId, dir: resolve(dir) }, { create: options.create, readOnly: false });
}

/**
 * Opens chunk `chunkId`'s hot DB read-only: no LOCK, WAL replayed into memory, a view as of now.
 * Safe while no process writes the DB (a finished chunk, startup before ingestion); a read-only open
 * racing a live writer's memtable flush can fail on a file the writer just retired (`docs/ffi.md`).
 */
export function openHotChunkDbReadOnly(dir: string, options: { chunkId: ChunkId }): HotChunkDb {
  return openHot({ chunkId: options.chunkId, dir: resolve(dir) }, { create: false, readOnly: true });
}

function openHot(context: HotDbContext, access: { create: boolean; readOnly: boolean }): HotChunkDb {
  let db: Db;
  try {
    db = openDb(context.dir, { createIfMissing: access.create, readOnly: access.readOnly, columnFamilies: HOT_COLUMN_FAMILIES, profile: "hot" });
  } catch (err) {
    if (!(err instanceof RocksDbError)) throw err;
    throw openFailure(context, err);
  }
  try {
    const cfs: HotColumnFamilies = {
      ledgers: columnFamily(db, CF_LEDGERS),
      txhash: columnFamily(db, CF_TXHASH),
      eventsData: columnFamily(db, CF_EVENTS_DATA),
      eventsIndex: columnFamily(db, CF_EVENTS_INDEX),
      eventsOffsets: columnFamily(db, CF_EVENTS_OFFSETS),
    };
    const state = checkCommittedState(db, cfs, context);
    return new HotChunkDb({ db, cfs, state, context, readOnly: access.readOnly });
  } catch (err) {
    closeDb(db);
    throw err;
  }
}

/** A missing or unlisted column family breaks the schema (corrupt); anything else is an open failure. */
function openFailure(context: HotDbContext, err: RocksDbError): Error {
  // ffi/rocksdb.ts texts (docs/ffi.md): RocksDB's own for a missing CF, the wrapper's for an extra one.
  if (err.detail.includes("Column family not found") || err.detail.includes("column families the caller did not list")) {
    return hotDbCorrupt(context, `its column families do not match the schema (${err.detail})`, { cause: err });
  }
  return new HotDbOpenError(`Cannot open the hot DB of chunk ${pad8(context.chunkId)} at "${context.dir}": ${err.detail}`, { cause: err });
}

/** An open hot chunk DB; see the module doc. Use `openHotChunkDb` or `openHotChunkDbReadOnly`. */
export class HotChunkDb {
  readonly chunkId: ChunkId;
  readonly dir: string;
  readonly readOnly: boolean;
  readonly #db: Db;
  readonly #cfs: HotColumnFamilies;
  readonly #columnFamilyIds: readonly number[];
  readonly #state: HotCommittedState;
  readonly #firstLedgerSeq: LedgerSeq;
  #closed = false;

  constructor(parts: { db: Db; cfs: HotColumnFamilies; state: HotCommittedState; context: HotDbContext; readOnly: boolean }) {
    this.chunkId = parts.context.chunkId;
    this.dir = parts.context.dir;
    this.readOnly = parts.readOnly;
    this.#db = parts.db;
    this.#cfs = parts.cfs;
    this.#columnFamilyIds = HOT_COLUMN_FAMILIES.map((name) => columnFamilyId(columnFamily(parts.db, name)));
    this.#state = parts.state;
    this.#firstLedgerSeq = chunkFirstLedger(this.chunkId);
  }

  /** The last committed ledger (the last `ledgers` key), or undefined when none is (reference §7.8). */
  maxCommittedSeq(): LedgerSeq | undefined {
    if (this.#state.ledgerCount === 0) return undefined;
    return (this.#firstLedgerSeq + this.#state.ledgerCount - 1) as LedgerSeq;
  }

  /** RocksDB's ids of the column families, in HOT_COLUMN_FAMILIES order: what `prepareLedgerBatch` names them by. */
  columnFamilyIds(): readonly number[] {
    return this.#columnFamilyIds;
  }

  /** Events the committed ledgers hold: the chunk-relative id the next ledger's first event takes. */
  committedEventCount(): number {
    return this.#eventCountThrough(this.#state.ledgerCount);
  }

  /**
   * Commits ledger `ledgerSeq` (reference §7.11): it must be the chunk's next ledger. The ledger is
   * walked first (an `XdrError` writes nothing), then ONE synced batch writes the ledger, its tx
   * hashes (outer and inner, D8), its events, their term postings and its event count. A committed
   * ledger offered again with the same bytes changes nothing ("alreadyCommitted").
   */
  ingestLedger(ledgerSeq: LedgerSeq, lcmBytes: Uint8Array): IngestOutcome {
    assert(!this.readOnly, `ingestLedger() on a read-only handle of "${this.dir}"`);
    if (this.#isCommitted(ledgerSeq)) return this.#redelivered(ledgerSeq, lcmBytes);
    this.#refuseUnlessNext(ledgerSeq); // before the walk: a misrouted ledger is named as such
    const firstEventId = this.committedEventCount();
    this.commitPreparedBatch(prepareLedgerBatch(ledgerSeq, lcmBytes, { firstEventId, columnFamilyIds: this.#columnFamilyIds }));
    return "committed";
  }

  /**
   * Commits a batch `prepareLedgerBatch` built (possibly in a Worker) as ONE synced WriteBatch. Its
   * ledger must be the chunk's next one (`HotIngestError` otherwise, nothing written) and its events
   * must be numbered from `committedEventCount()` (a bug otherwise).
   */
  commitPreparedBatch(prepared: PreparedLedgerBatch): void {
    assert(!this.readOnly, `commitPreparedBatch() on a read-only handle of "${this.dir}"`);
    const { ledgerSeq } = prepared;
    this.#refuseUnlessNext(ledgerSeq);
    const eventCount = this.committedEventCount();
    assert(prepared.firstEventId === eventCount, `ledger ${ledgerSeq}: events numbered from ${prepared.firstEventId}, the chunk holds ${eventCount}`);
    const ids = prepared.columnFamilyIds;
    assert(ids.length === this.#columnFamilyIds.length, `ledger ${ledgerSeq}: prepared for ${ids.length} column family ids, this DB has ${this.#columnFamilyIds.length}`);
    assert(ids.every((id, index) => id === this.#columnFamilyIds[index]), `ledger ${ledgerSeq}: prepared for column family ids ${ids.join(",")}, this DB has ${this.#columnFamilyIds.join(",")}`);
    checkPreparedBatch(prepared); // style R4: our bytes are checked before they reach the WAL
    const batch = createBatchFrom(this.#db, prepared.rep);
    try {
      assert(batchCount(batch) === prepared.putCount, `ledger ${ledgerSeq}: batch holds an unexpected number of puts`);
      this.#commit(batch, ledgerSeq);
    } finally {
      destroyBatch(batch);
    }
    this.#state.cumulativeEventCounts[this.#state.ledgerCount] = eventCount + prepared.eventCount;
    this.#state.ledgerCount++;
  }

  /** The LedgerCloseMeta XDR of committed ledger `ledgerSeq`, or undefined when it is not committed. */
  ledger(ledgerSeq: LedgerSeq): Uint8Array | undefined {
    if (!this.#isCommitted(ledgerSeq)) return undefined;
    const stored = get(this.#db, u32Key(ledgerSeq), { cf: this.#cfs.ledgers });
    if (stored === undefined) throw this.#corrupt(`ledger ${ledgerSeq} is missing although it is committed`);
    return this.#decodeLedger(ledgerSeq, stored);
  }

  /**
   * The LedgerCloseMeta XDR of ledgers fromSeq..toSeq, in order, streamed one at a time (the freeze
   * source, reference §7.4). The range must lie within the committed ledgers.
   */
  ledgers(fromSeq: LedgerSeq, toSeq: LedgerSeq): Iterable<Uint8Array> {
    assert(fromSeq <= toSeq, `ledger range [${fromSeq}, ${toSeq}] is reversed`);
    assert(this.#isCommitted(fromSeq), `ledger ${fromSeq} is not committed in the hot DB of chunk ${pad8(this.chunkId)}`);
    assert(this.#isCommitted(toSeq), `ledger ${toSeq} is not committed in the hot DB of chunk ${pad8(this.chunkId)}`);
    return this.#ledgerStream(fromSeq, toSeq);
  }

  /** The ledger holding transaction `hash` (an outer or a fee-bump inner hash, D8), or undefined. */
  txLedgerSeq(hash: Uint8Array): LedgerSeq | undefined {
    assert(hash.length === TX_HASH_KEY_BYTES, `a tx hash is 32 bytes, got ${hash.length}`);
    const value = get(this.#db, hash, { cf: this.#cfs.txhash });
    if (value === undefined) return undefined;
    const ledgerSeq = value.length === U32_KEY_BYTES ? readU32(value, 0) : -1;
    if (!this.#isCommitted(ledgerSeq)) {
      const stored = value.length === U32_KEY_BYTES ? `ledger ${ledgerSeq}, which is not committed` : `a ${value.length}-byte value, want 4`;
      throw this.#corrupt(`txhash entry of ${Buffer.from(hash).toString("hex")} holds ${stored}`);
    }
    return ledgerSeq as LedgerSeq;
  }

  /**
   * Events of ledgers fromSeq..toSeq (clipped to the committed ledgers) in id order, as Payload v1
   * bytes. With `terms`, only events carrying at least one of them (OR, as the cold segment reader);
   * `limit` keeps the first ones by id.
   */
  eventsInLedgers(fromSeq: LedgerSeq, toSeq: LedgerSeq, query: EventsQuery = {}): HotEvent[] {
    assert(fromSeq <= toSeq, `ledger range [${fromSeq}, ${toSeq}] is reversed`);
    const limit = query.limit ?? U32_MAX;
    assert(Number.isInteger(limit), `limit ${limit} is not an integer`);
    assert(limit >= 0, `limit ${limit} is negative`);
    const range = this.#eventIdRange(fromSeq, toSeq);
    if (range.fromEventId === range.endEventId || limit === 0) return [];
    if (query.terms === undefined) {
      const endEventId = Math.min(range.endEventId, range.fromEventId + limit);
      return this.#eventsInIdRange(range.fromEventId, endEventId);
    }
    const ids = this.#termIdsUnion(query.terms, { ...range, limit });
    return ids.map((eventId) => {
      const payloadBytes = get(this.#db, u32Key(eventId), { cf: this.#cfs.eventsData });
      if (payloadBytes === undefined) throw this.#corrupt(`event ${eventId} is indexed but missing from events_data`);
      this.#validatePayload(eventId, payloadBytes);
      return { eventId, payloadBytes };
    });
  }

  /**
   * Closes the handle (idempotent). A read-write handle flushes memtables first (reference §8.9);
   * if that fails the DB is still closed and `HotDbFlushError` is thrown for the caller to log:
   * nothing committed is lost, the WAL replays on the next open.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.readOnly) {
      closeDb(this.#db);
      return;
    }
    try {
      flushDb(this.#db);
    } catch (err) {
      if (!(err instanceof RocksDbError)) throw err;
      throw new HotDbFlushError(
        `Cannot flush the hot DB of chunk ${pad8(this.chunkId)} at "${this.dir}" before closing: ${err.detail}; ` +
          "it was closed anyway and its WAL replays on the next open, so no committed ledger is lost",
        { cause: err },
      );
    } finally {
      closeDb(this.#db);
    }
  }

  #commit(batch: Batch, ledgerSeq: LedgerSeq): void {
    try {
      writeBatch(this.#db, batch, { sync: true });
    } catch (err) {
      if (!(err instanceof RocksDbError)) throw err;
      throw new HotIngestError(
        `Cannot commit ledger ${ledgerSeq} to the hot DB of chunk ${pad8(this.chunkId)} at "${this.dir}": ${err.detail}; ` +
          "the batch is atomic, so after a restart the ledger is either whole or absent and ingestion resumes after the last whole one; fix the hot volume and restart",
        { cause: err },
      );
    }
  }

  #redelivered(ledgerSeq: LedgerSeq, lcmBytes: Uint8Array): IngestOutcome {
    const stored = this.ledger(ledgerSeq);
    assert(stored !== undefined, `ledger ${ledgerSeq} below the next ledger is not committed`);
    if (Buffer.compare(stored, lcmBytes) === 0) return "alreadyCommitted";
    throw this.#refusal(
      ledgerSeq,
      `it is already committed with different bytes (${stored.length} stored, ${lcmBytes.length} offered); ` +
        "the ledger source disagrees with the history this node ingested: check the lake",
    );
  }

  /** Refuses `ledgerSeq` unless it is the chunk's next ledger: outside the chunk, committed, or past a gap. */
  #refuseUnlessNext(ledgerSeq: LedgerSeq): void {
    const lastLedgerSeq = chunkLastLedger(this.chunkId);
    if (ledgerSeq < this.#firstLedgerSeq || ledgerSeq > lastLedgerSeq) {
      throw this.#refusal(ledgerSeq, `the chunk holds ledgers ${this.#firstLedgerSeq}..${lastLedgerSeq}; the caller routed it to the wrong chunk`);
    }
    const nextLedgerSeq = this.#firstLedgerSeq + this.#state.ledgerCount;
    if (ledgerSeq < nextLedgerSeq) throw this.#refusal(ledgerSeq, "it is already committed");
    if (ledgerSeq > nextLedgerSeq) {
      throw this.#refusal(ledgerSeq, `ledger ${nextLedgerSeq} must come next; the ledger source skipped ledgers`);
    }
  }

  #refusal(ledgerSeq: number, why: string): HotIngestError {
    return ingestRefusal({ chunkId: this.chunkId, ledgerSeq }, why);
  }

  *#ledgerStream(fromSeq: LedgerSeq, toSeq: LedgerSeq): Generator<Uint8Array> {
    let expectedSeq = fromSeq;
    const range = { cf: this.#cfs.ledgers, fromKey: u32Key(fromSeq), toKeyExclusive: u32Key(toSeq + 1) };
    for (const { key, value } of scanRange(this.#db, range)) {
      const ledgerSeq = key.length === U32_KEY_BYTES ? readU32(key, 0) : -1;
      if (ledgerSeq !== expectedSeq) throw this.#corrupt(`ledger ${expectedSeq} is missing although it is committed`);
      yield this.#decodeLedger(expectedSeq, value);
      expectedSeq++;
    }
    if (expectedSeq !== toSeq + 1) throw this.#corrupt(`ledger ${expectedSeq} is missing although it is committed`);
  }

  #decodeLedger(ledgerSeq: LedgerSeq, stored: Uint8Array): Uint8Array {
    let lcmBytes: Uint8Array;
    let storedSeq: number;
    try {
      lcmBytes = zstdDecode(stored);
      storedSeq = ledgerSeqOf(lcmBytes);
    } catch (err) {
      if (!(err instanceof RecordDecodeError) && !(err instanceof XdrError)) throw err;
      throw this.#corrupt(`ledger ${ledgerSeq} does not decode (${err.message})`, err);
    }
    if (storedSeq !== ledgerSeq) throw this.#corrupt(`the ledger stored under ${ledgerSeq} says ledger ${storedSeq}`);
    return lcmBytes;
  }

  #eventsInIdRange(fromEventId: number, endEventId: number): HotEvent[] {
    const events: HotEvent[] = [];
    let eventId = fromEventId;
    const range = { cf: this.#cfs.eventsData, fromKey: u32Key(fromEventId), toKeyExclusive: u32Key(endEventId) };
    for (const { key, value } of scanRange(this.#db, range)) {
      const storedId = key.length === U32_KEY_BYTES ? readU32(key, 0) : -1;
      if (storedId !== eventId) throw this.#corrupt(`event ${eventId} is missing from events_data`);
      this.#validatePayload(eventId, value);
      events.push({ eventId, payloadBytes: value });
      eventId++;
    }
    if (eventId !== endEventId) throw this.#corrupt(`event ${eventId} is missing from events_data`);
    return events;
  }

  /** The first `limit` ids (ascending, distinct) carrying any of `terms` in [fromEventId, endEventId). */
  #termIdsUnion(terms: readonly Uint8Array[], range: { fromEventId: number; endEventId: number; limit: number }): number[] {
    const ids: number[] = [];
    for (const term of terms) {
      // Each term's postings ascend, so the union's first `limit` ids are among each term's first `limit`.
      let taken = 0;
      const keys = { cf: this.#cfs.eventsIndex, fromKey: eventsIndexKey(term, range.fromEventId), toKeyExclusive: eventsIndexKey(term, range.endEventId), keysOnly: true };
      for (const { key } of scanRange(this.#db, keys)) {
        // Keys read back are input: a longer key sorts inside the range yet ends in any id.
        if (key.length !== EVENTS_INDEX_KEY_BYTES) {
          throw this.#corrupt(`events_index key 0x${Buffer.from(key).toString("hex")} is ${key.length} bytes, want ${EVENTS_INDEX_KEY_BYTES}`);
        }
        ids.push(readU32(key, key.length - U32_KEY_BYTES));
        if (++taken === range.limit) break;
      }
    }
    ids.sort((left, right) => left - right);
    const distinct = ids.filter((eventId, index) => index === 0 || eventId !== ids[index - 1]);
    return distinct.slice(0, range.limit);
  }

  /** Payload bytes are input: they must decode and belong to the ledger the offsets place the id in. */
  #validatePayload(eventId: number, payloadBytes: Uint8Array): void {
    let payloadLedgerSeq: number;
    try {
      payloadLedgerSeq = decodeEventPayload(payloadBytes, { path: this.dir, eventId }).ledgerSeq;
    } catch (err) {
      if (!(err instanceof CorruptFileError)) throw err;
      throw this.#corrupt(`events_data ${err.detail}`, err);
    }
    const ledgerSeq = this.#ledgerOfEvent(eventId);
    if (payloadLedgerSeq !== ledgerSeq) {
      throw this.#corrupt(`event ${eventId} payload says ledger ${payloadLedgerSeq}, events_offsets place it in ledger ${ledgerSeq}`);
    }
  }

  /** Event ids of ledgers fromSeq..toSeq clipped to the committed ledgers: [fromEventId, endEventId). */
  #eventIdRange(fromSeq: LedgerSeq, toSeq: LedgerSeq): { fromEventId: number; endEventId: number } {
    const fromIndex = Math.max(fromSeq - this.#firstLedgerSeq, 0);
    const toIndex = Math.min(toSeq - this.#firstLedgerSeq, this.#state.ledgerCount - 1);
    if (fromIndex > toIndex) return { fromEventId: 0, endEventId: 0 };
    return { fromEventId: this.#eventCountThrough(fromIndex), endEventId: this.#eventCountThrough(toIndex + 1) };
  }

  /** Events of the chunk's first `ledgerCount` ledgers. */
  #eventCountThrough(ledgerCount: number): number {
    return ledgerCount === 0 ? 0 : this.#state.cumulativeEventCounts[ledgerCount - 1]!;
  }

  /** The committed ledger holding `eventId`: the first whose cumulative count exceeds it (binary search). */
  #ledgerOfEvent(eventId: number): LedgerSeq {
    const counts = this.#state.cumulativeEventCounts;
    let low = 0;
    let high = this.#state.ledgerCount - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (counts[middle]! > eventId) high = middle;
      else low = middle + 1;
    }
    return (this.#firstLedgerSeq + low) as LedgerSeq;
  }

  #isCommitted(ledgerSeq: number): boolean {
    return ledgerSeq >= this.#firstLedgerSeq && ledgerSeq < this.#firstLedgerSeq + this.#state.ledgerCount;
  }

  #corrupt(fact: string, cause?: unknown): Error {
    return hotDbCorrupt({ chunkId: this.chunkId, dir: this.dir }, fact, { cause });
  }
}
