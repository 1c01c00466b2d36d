/**
 * Open-time consistency checks of a hot chunk DB (reference §8.9 "any violation fails the open";
 * `docs/hot.md`). Every committed state, i.e. every prefix of whole ledger batches, keeps:
 *
 *   1. `events_offsets` holds exactly the chunk's first ledger through some ledger L, no gap, no
 *      ledger outside the chunk, 4-byte keys and values; their sum `total` fits a u32.
 *   2. `ledgers` starts at the chunk's first ledger and ends at L (empty iff the offsets are).
 *   3. `events_data` starts at id 0 and ends at id total−1 (empty iff total = 0).
 *   4. `events_index` and `txhash` are empty when there is nothing they could index.
 *
 * One batch per ledger writes all of these atomically (§7.11), so a crash cannot break them; a
 * violation means damage or a bug, and the DB must not be served.
 *
 * Cost is bounded by the ledger count, not the data: one scan of `events_offsets` (≤ 10,000 rows
 * of 8 bytes, the per-ledger manifest) plus one key seek at each end of the other families. A full
 * key scan of every family would cost ~1 µs per key through the FFI (measured, `docs/hot.md`):
 * ~70 s for a dense chunk's ~70M event and index keys, and the `ledgers` keys cannot be read
 * without reading every ledger (each value fills its own block). What the ends cannot show, a hole
 * inside a family, is caught where it would be served: every read checks each key it streams and
 * each id it looks up (`hot_chunk_db.ts`), and index postings are only ever read inside the
 * committed id range, so a stray one is unreachable.
 * @module
 */

import { type ColumnFamily, type Db, scanRange } from "../../ffi/rocksdb.ts";
import { type ChunkId, chunkFirstLedger, chunkLastLedger, LEDGERS_PER_CHUNK, pad8 } from "../geometry/chunk.ts";
import { readU32, U32_KEY_BYTES, U32_MAX } from "./_hot_schema.ts";
import { HotDbCorruptError } from "./hot_errors.ts";

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
  const state = scanOffsets(db, cfs.eventsOffsets, context);
  const firstLedgerSeq = chunkFirstLedger(context.chunkId);
  const lastLedgerSeq = firstLedgerSeq + state.ledgerCount - 1;
  const eventCount = state.ledgerCount === 0 ? 0 : state.cumulativeEventCounts[state.ledgerCount - 1]!;
  checkEnds(db, cfs.ledgers, { context, cfName: "ledgers", first: firstLedgerSeq, last: lastLedgerSeq, count: state.ledgerCount, what: "ledger" });
  checkEnds(db, cfs.eventsData, { context, cfName: "events_data", first: 0, last: eventCount - 1, count: eventCount, what: "event" });
  if (eventCount === 0) checkEmpty(db, cfs.eventsIndex, { context, cfName: "events_index", why: "no event is committed" });
  if (state.ledgerCount === 0) checkEmpty(db, cfs.txhash, { context, cfName: "txhash", why: "no ledger is committed" });
  return state;
}

/** The error for a broken fact of the hot DB in `context`. */
export function hotDbCorrupt(context: HotDbContext, fact: string, options: { cause?: unknown } = {}): HotDbCorruptError {
  return new HotDbCorruptError(
    `Hot DB of chunk ${pad8(context.chunkId)} at "${context.dir}" is inconsistent: ${fact}; it is not served: ` +
      "restore the directory from a copy or run surgical recovery for this chunk",
    options,
  );
}

/** Check 1: the per-ledger manifest, contiguous from the chunk's first ledger. */
function scanOffsets(db: Db, cf: ColumnFamily, context: HotDbContext): HotCommittedState {
  const firstLedgerSeq = chunkFirstLedger(context.chunkId);
  const cumulativeEventCounts = new Uint32Array(LEDGERS_PER_CHUNK);
  let ledgerCount = 0;
  let eventCount = 0;
  for (const { key, value } of scanRange(db, { cf })) {
    const ledgerSeq = u32KeyOf(key, { context, cfName: "events_offsets" });
    if (ledgerCount === LEDGERS_PER_CHUNK) {
      throw hotDbCorrupt(context, `events_offsets has ledger ${ledgerSeq} after the chunk's last ledger ${chunkLastLedger(context.chunkId)}`);
    }
    if (ledgerSeq !== firstLedgerSeq + ledgerCount) {
      throw hotDbCorrupt(
        context,
        `events_offsets has ledger ${ledgerSeq} where ledger ${firstLedgerSeq + ledgerCount} should be (ledgers are contiguous from ${firstLedgerSeq})`,
      );
    }
    if (value.length !== U32_KEY_BYTES) {
      throw hotDbCorrupt(context, `events_offsets value of ledger ${ledgerSeq} is ${value.length} bytes, want 4`);
    }
    eventCount += readU32(value, 0);
    if (eventCount > U32_MAX) throw hotDbCorrupt(context, `events_offsets sum through ledger ${ledgerSeq} exceeds u32`);
    cumulativeEventCounts[ledgerCount] = eventCount;
    ledgerCount++;
  }
  return { ledgerCount, cumulativeEventCounts };
}

/** Checks 2 and 3: a family of u32 keys holds `count` keys from `first` to `last` at its ends. */
function checkEnds(
  db: Db,
  cf: ColumnFamily,
  expected: { context: HotDbContext; cfName: string; first: number; last: number; count: number; what: string },
): void {
  const { context, cfName, what } = expected;
  if (expected.count === 0) {
    checkEmpty(db, cf, { context, cfName, why: `events_offsets cover no ${what}s` });
    return;
  }
  const firstKey = endKey(db, cf, { reverse: false });
  const lastKey = endKey(db, cf, { reverse: true });
  if (firstKey === undefined || lastKey === undefined) {
    throw hotDbCorrupt(context, `${cfName} is empty, but events_offsets cover ${what}s ${expected.first}..${expected.last}`);
  }
  const first = u32KeyOf(firstKey, { context, cfName });
  if (first !== expected.first) throw hotDbCorrupt(context, `${cfName} starts at ${what} ${first}, want ${what} ${expected.first}`);
  const last = u32KeyOf(lastKey, { context, cfName });
  if (last !== expected.last) {
    throw hotDbCorrupt(context, `${cfName} ends at ${what} ${last}, but events_offsets cover ${what}s ${expected.first}..${expected.last}`);
  }
}

function checkEmpty(db: Db, cf: ColumnFamily, expected: { context: HotDbContext; cfName: string; why: string }): void {
  const key = endKey(db, cf, { reverse: false });
  if (key === undefined) return;
  throw hotDbCorrupt(expected.context, `${expected.cfName} has key 0x${Buffer.from(key).toString("hex")}, but ${expected.why}`);
}

/** The first (or last) key of `cf`, reading no value into JS; undefined when it is empty. */
function endKey(db: Db, cf: ColumnFamily, options: { reverse: boolean }): Uint8Array | undefined {
  for (const { key } of scanRange(db, { cf, keysOnly: true, reverse: options.reverse })) {
    return key; // returning ends the scan, which frees the iterator
  }
  return undefined;
}

function u32KeyOf(key: Uint8Array, where: { context: HotDbContext; cfName: string }): number {
  if (key.length !== U32_KEY_BYTES) {
    throw hotDbCorrupt(where.context, `${where.cfName} key 0x${Buffer.from(key).toString("hex")} is ${key.length} bytes, want 4`);
  }
  return readU32(key, 0);
}
