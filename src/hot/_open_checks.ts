/**
 * Open-time consistency checks of a hot chunk DB (reference §8.9 "any violation fails the open";
 * `docs/hot.md`). Every committed state, i.e. every prefix of whole ledger batches, keeps:
 *
 *   1. `ledgers` holds exactly the chunk's first ledger through some last ledger L, no gap, no key
 *      outside the chunk, every key 4 bytes.
 *   2. `events_offsets` holds exactly the same ledgers, every value 4 bytes; their sum `total`
 *      fits a u32.
 *   3. `events_data` holds exactly the ids 0..total−1.
 *   4. every `events_index` key is 20 bytes and names an id below `total`.
 *
 * One batch per ledger writes all of these atomically (§7.11), so a crash cannot break them; a
 * violation means damage or a bug, and the DB must not be served. The scans read keys only (no
 * value crosses into JS except the 4-byte offsets), in one pass per column family. `txhash` is
 * not counted: its expected size is the ledgers' tx count, which only a walk of every ledger
 * could tell; each lookup validates the seq it reads instead.
 * @module
 */

import { type ColumnFamily, type Db, scanRange } from "../../ffi/rocksdb.ts";
import { type ChunkId, chunkFirstLedger, chunkLastLedger, LEDGERS_PER_CHUNK, pad8 } from "../geometry/chunk.ts";
import { EVENTS_INDEX_KEY_BYTES, readU32, U32_KEY_BYTES } from "./_hot_schema.ts";
import { HotDbCorruptError } from "./hot_errors.ts";

const U32_MAX = 0xffff_ffff;

/** The open column families of one hot DB. */
export interface HotColumnFamilies {
  ledgers: ColumnFamily;
  txhash: ColumnFamily;
  eventsData: ColumnFamily;
  eventsIndex: ColumnFamily;
  eventsOffsets: ColumnFamily;
}

/** What the checks derive: the committed ledgers and their cumulative event counts. */
export interface HotCommittedState {
  /** Ledgers committed: the chunk's first `ledgerCount` ledgers. */
  ledgerCount: number;
  /** `cumulativeEventCounts[i]` = events of the chunk's ledgers 0..i; length LEDGERS_PER_CHUNK, valid below ledgerCount. */
  cumulativeEventCounts: Uint32Array;
}

/** Where the checks run, for messages. */
export interface HotDbContext {
  chunkId: ChunkId;
  dir: string;
}

/** Runs checks 1–4 and returns the derived state; throws `HotDbCorruptError` naming the broken fact. */
export function checkCommittedState(db: Db, cfs: HotColumnFamilies, context: HotDbContext): HotCommittedState {
  const ledgerCount = checkLedgers(db, cfs.ledgers, context);
  const cumulativeEventCounts = checkOffsets(db, cfs.eventsOffsets, { ...context, ledgerCount });
  const eventCount = ledgerCount === 0 ? 0 : cumulativeEventCounts[ledgerCount - 1]!;
  checkEventData(db, cfs.eventsData, { ...context, eventCount });
  checkEventIndex(db, cfs.eventsIndex, { ...context, eventCount });
  return { ledgerCount, cumulativeEventCounts };
}

/** The error for a broken fact of the hot DB in `context`. */
export function hotDbCorrupt(context: HotDbContext, fact: string, options: { cause?: unknown } = {}): HotDbCorruptError {
  return new HotDbCorruptError(
    `Hot DB of chunk ${pad8(context.chunkId)} at "${context.dir}" is inconsistent: ${fact}; it is not served: ` +
      "restore the directory from a copy or run surgical recovery for this chunk",
    options,
  );
}

function checkLedgers(db: Db, cf: ColumnFamily, context: HotDbContext): number {
  const firstLedgerSeq = chunkFirstLedger(context.chunkId);
  let ledgerCount = 0;
  for (const { key } of scanRange(db, { cf, keysOnly: true })) {
    const ledgerSeq = u32KeyOf(key, { context, cfName: "ledgers" });
    if (ledgerCount === LEDGERS_PER_CHUNK) {
      throw hotDbCorrupt(context, `ledgers holds ledger ${ledgerSeq} after the chunk's last ledger ${chunkLastLedger(context.chunkId)}`);
    }
    const expectedSeq = firstLedgerSeq + ledgerCount;
    if (ledgerSeq !== expectedSeq) {
      throw hotDbCorrupt(context, `ledgers holds ledger ${ledgerSeq} where ledger ${expectedSeq} should be (ledgers are contiguous from ${firstLedgerSeq})`);
    }
    ledgerCount++;
  }
  return ledgerCount;
}

function checkOffsets(db: Db, cf: ColumnFamily, context: HotDbContext & { ledgerCount: number }): Uint32Array {
  const firstLedgerSeq = chunkFirstLedger(context.chunkId);
  const cumulativeEventCounts = new Uint32Array(LEDGERS_PER_CHUNK);
  let index = 0;
  let eventCount = 0;
  for (const { key, value } of scanRange(db, { cf })) {
    const ledgerSeq = u32KeyOf(key, { context, cfName: "events_offsets" });
    if (index === context.ledgerCount) {
      throw hotDbCorrupt(context, `events_offsets has ledger ${ledgerSeq}, but the ledgers column family holds ${describeLedgers(context)}`);
    }
    if (ledgerSeq !== firstLedgerSeq + index) {
      throw hotDbCorrupt(context, `events_offsets has ledger ${ledgerSeq} where ledger ${firstLedgerSeq + index} should be`);
    }
    if (value.length !== U32_KEY_BYTES) {
      throw hotDbCorrupt(context, `events_offsets value of ledger ${ledgerSeq} is ${value.length} bytes, want 4`);
    }
    eventCount += readU32(value, 0);
    if (eventCount > U32_MAX) throw hotDbCorrupt(context, `events_offsets sum past ledger ${ledgerSeq} exceeds u32`);
    cumulativeEventCounts[index] = eventCount;
    index++;
  }
  if (index !== context.ledgerCount) {
    throw hotDbCorrupt(context, `events_offsets covers ${index} ledgers, but the ledgers column family holds ${describeLedgers(context)}`);
  }
  return cumulativeEventCounts;
}

function checkEventData(db: Db, cf: ColumnFamily, context: HotDbContext & { eventCount: number }): void {
  let eventId = 0;
  for (const { key } of scanRange(db, { cf, keysOnly: true })) {
    const storedId = u32KeyOf(key, { context, cfName: "events_data" });
    if (eventId === context.eventCount) {
      throw hotDbCorrupt(context, `events_data has event ${storedId}, but events_offsets count ${context.eventCount} events`);
    }
    if (storedId !== eventId) throw hotDbCorrupt(context, `events_data has event ${storedId} where event ${eventId} should be`);
    eventId++;
  }
  if (eventId !== context.eventCount) {
    throw hotDbCorrupt(context, `events_data holds ${eventId} events, but events_offsets count ${context.eventCount}`);
  }
}

function checkEventIndex(db: Db, cf: ColumnFamily, context: HotDbContext & { eventCount: number }): void {
  for (const { key } of scanRange(db, { cf, keysOnly: true })) {
    if (key.length !== EVENTS_INDEX_KEY_BYTES) {
      throw hotDbCorrupt(context, `events_index key 0x${Buffer.from(key).toString("hex")} is ${key.length} bytes, want ${EVENTS_INDEX_KEY_BYTES}`);
    }
    const eventId = readU32(key, EVENTS_INDEX_KEY_BYTES - U32_KEY_BYTES);
    if (eventId >= context.eventCount) {
      throw hotDbCorrupt(context, `events_index names event ${eventId}, but events_offsets count ${context.eventCount} events`);
    }
  }
}

function u32KeyOf(key: Uint8Array, where: { context: HotDbContext; cfName: string }): number {
  if (key.length !== U32_KEY_BYTES) {
    throw hotDbCorrupt(where.context, `${where.cfName} key 0x${Buffer.from(key).toString("hex")} is ${key.length} bytes, want 4`);
  }
  return readU32(key, 0);
}

function describeLedgers(context: HotDbContext & { ledgerCount: number }): string {
  if (context.ledgerCount === 0) return "none";
  const firstLedgerSeq = chunkFirstLedger(context.chunkId);
  return `ledgers ${firstLedgerSeq}..${firstLedgerSeq + context.ledgerCount - 1}`;
}
