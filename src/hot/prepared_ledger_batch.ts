/**
 * One ledger's hot-DB batch, built without the DB (reference §7.11, §8.9; D8): the walk, the zstd
 * of the LedgerCloseMeta, the event payloads and term keys, and the whole WriteBatch serialized in
 * ONE buffer. Pure (no RocksDB handle, no catalog, no clock), so the ingestion loop runs it in a
 * Worker for ledger N+1 while the main thread commits ledger N (`docs/ingestion.md`); the buffer
 * crosses the thread boundary as one transfer, and `HotChunkDb.commitPreparedBatch` hands it to
 * RocksDB whole (`createBatchFrom`, one copy) and writes it as ONE synced batch: the committing
 * thread makes no per-put FFI call, only one linear parse of the buffer (`checkPreparedBatch`).
 *
 * `rep` is RocksDB's serialized WriteBatch (`db/write_batch.cc`, RocksDB 7.8). It is also the
 * payload of a WAL record, which a RocksDB release must read from the WALs older releases wrote, so
 * the layout cannot change under us without breaking every existing WAL (`docs/ingestion.md`):
 *
 *   sequence fixed64 LE (0) | count fixed32 LE | count records
 *   record := 0x05 (kTypeColumnFamilyValue) | cf id varint32 | key varstring | value varstring
 *   varstring := length varint32 | bytes
 *
 * Records name column families by RocksDB's numeric id, which the caller passes in HOT_COLUMN_FAMILIES
 * order (`HotChunkDb.columnFamilyIds()`). Batch order: the `ledgers` put, one `txhash` put per outer
 * hash and per fee-bump inner hash (D8), per event one `events_data` put followed by one
 * `events_index` put per term, and last the `events_offsets` put (written for zero-event ledgers too).
 *
 * Keeps (style R4): the record count and byte length are derived from the walk before any byte is
 * written, and the writer must land on both exactly; before the commit, `checkPreparedBatch` parses
 * every record again (tags, ids, lengths, count, first and last key), so a malformed buffer never
 * reaches the WAL.
 * @module
 */

import { WRITE_BATCH_HEADER_BYTES } from "../../ffi/rocksdb.ts";
import { assert, InvariantError } from "../assert.ts";
import { EVENT_PAYLOAD_HEADER_BYTES, encodeEventPayloadInto } from "../formats/event_payload.ts";
import { type EventInput } from "../formats/events_segment_writer.ts";
import { varintBytes, writeVarint } from "../formats/posting_list.ts";
import { zstdEncode } from "../formats/zstd_codec.ts";
import { chunkOfLedger, type LedgerSeq } from "../geometry/chunk.ts";
import { walkLedger } from "../xdr/walk_ledger.ts";
import {
  CF_EVENTS_DATA,
  CF_EVENTS_INDEX,
  CF_EVENTS_OFFSETS,
  CF_LEDGERS,
  CF_TXHASH,
  EVENTS_INDEX_KEY_BYTES,
  HOT_COLUMN_FAMILIES,
  readU32,
  TX_HASH_KEY_BYTES,
  U32_KEY_BYTES,
  U32_MAX,
  writeU32,
} from "./_hot_schema.ts";
import { ingestRefusal } from "./hot_errors.ts";
import { ledgerEventInputs } from "./ledger_event_inputs.ts";

/** kTypeColumnFamilyValue (`db/dbformat.h`): a put into a column family named by id. */
const TAG_COLUMN_FAMILY_VALUE = 0x05;
/** The serialized header: sequence fixed64, then count fixed32. */
const COUNT_BYTE_OFFSET = 8;
const VARINT32_BYTES_MAX = 5;

const EMPTY = new Uint8Array(0);

const CF_INDEX_LEDGERS = HOT_COLUMN_FAMILIES.indexOf(CF_LEDGERS);
const CF_INDEX_TXHASH = HOT_COLUMN_FAMILIES.indexOf(CF_TXHASH);
const CF_INDEX_EVENTS_DATA = HOT_COLUMN_FAMILIES.indexOf(CF_EVENTS_DATA);
const CF_INDEX_EVENTS_INDEX = HOT_COLUMN_FAMILIES.indexOf(CF_EVENTS_INDEX);
const CF_INDEX_EVENTS_OFFSETS = HOT_COLUMN_FAMILIES.indexOf(CF_EVENTS_OFFSETS);
assert(COUNT_BYTE_OFFSET + U32_KEY_BYTES === WRITE_BATCH_HEADER_BYTES, "the header is sequence u64 + count u32");

/** One ledger's batch, ready to commit; plain data, so it survives `postMessage` (transfer `rep.buffer`). */
export interface PreparedLedgerBatch {
  ledgerSeq: LedgerSeq;
  /** Chunk-relative id of the ledger's first event: the chunk's committed event count when it commits. */
  firstEventId: number;
  eventCount: number;
  putCount: number;
  /** The RocksDB ids the records name, in HOT_COLUMN_FAMILIES order. */
  columnFamilyIds: readonly number[];
  /** The serialized WriteBatch (module doc); the view spans its whole buffer, which can be transferred. */
  rep: Uint8Array<ArrayBuffer>;
}

/**
 * Builds ledger `ledgerSeq`'s batch from its LedgerCloseMeta, numbering its events from
 * `firstEventId` and naming column families by `columnFamilyIds`. A decode error (`XdrError`) or a
 * header naming another ledger throws before any bytes exist; so does an event id past u32
 * (`HotIngestError`).
 */
export function prepareLedgerBatch(
  ledgerSeq: LedgerSeq,
  lcmBytes: Uint8Array,
  options: { firstEventId: number; columnFamilyIds: readonly number[] },
): PreparedLedgerBatch {
  const { firstEventId, columnFamilyIds } = options;
  assert(Number.isInteger(firstEventId), `first event id ${firstEventId} is not an integer`);
  assert(firstEventId >= 0, `first event id ${firstEventId} is negative`);
  assert(columnFamilyIds.length === HOT_COLUMN_FAMILIES.length, `${columnFamilyIds.length} column family ids, want ${HOT_COLUMN_FAMILIES.length}`);
  const target = { chunkId: chunkOfLedger(ledgerSeq), ledgerSeq };
  const view = walkLedger(lcmBytes);
  if (view.ledgerSeq !== ledgerSeq) throw ingestRefusal(target, `its LedgerCloseMeta says ledger ${view.ledgerSeq}`);
  const events = ledgerEventInputs(view);
  if (firstEventId + events.length > U32_MAX) {
    throw ingestRefusal(target, `its ${events.length} events would take the chunk past u32-max event ids`);
  }
  const ledgerValue = zstdEncode(lcmBytes);
  const hashOffsets: number[] = [];
  for (const tx of view.transactions) {
    hashOffsets.push(tx.hashOffset);
    if (tx.innerHashOffset !== undefined) hashOffsets.push(tx.innerHashOffset);
  }
  const cfId = (cfIndex: number): number => columnFamilyIds[cfIndex]!;

  const size = batchSize({ columnFamilyIds, ledgerValueBytes: ledgerValue.length, hashCount: hashOffsets.length, events });
  const writer = new RepWriter(size.byteCount);
  writer.put(cfId(CF_INDEX_LEDGERS), u32Bytes(ledgerSeq), ledgerValue);
  const seqValue = u32Bytes(ledgerSeq);
  for (const hashOffset of hashOffsets) {
    writer.put(cfId(CF_INDEX_TXHASH), lcmBytes.subarray(hashOffset, hashOffset + TX_HASH_KEY_BYTES), seqValue);
  }
  events.forEach((event, index) => {
    const eventId = firstEventId + index;
    const payloadBytes = EVENT_PAYLOAD_HEADER_BYTES + event.contractEvent.length;
    const payloadTarget = writer.reserve(cfId(CF_INDEX_EVENTS_DATA), u32Bytes(eventId), payloadBytes);
    const written = encodeEventPayloadInto({ ...event, ledgerSeq }, payloadTarget);
    assert(written === payloadBytes, "event payload length differs from its header plus ContractEvent"); // constant: per-event path
    const indexKey = new Uint8Array(EVENTS_INDEX_KEY_BYTES);
    writeU32(indexKey, EVENTS_INDEX_KEY_BYTES - U32_KEY_BYTES, eventId);
    for (const term of event.termKeys) {
      indexKey.set(term, 0);
      writer.put(cfId(CF_INDEX_EVENTS_INDEX), indexKey, EMPTY);
    }
  });
  writer.put(cfId(CF_INDEX_EVENTS_OFFSETS), u32Bytes(ledgerSeq), u32Bytes(events.length));
  // Pair check before the bytes leave (style R4): the writer landed exactly on the derived size.
  assert(writer.putCount === size.putCount, `ledger ${ledgerSeq}: wrote ${writer.putCount} puts, derived ${size.putCount}`);
  assert(writer.byteOffset === size.byteCount, `ledger ${ledgerSeq}: wrote ${writer.byteOffset} bytes, derived ${size.byteCount}`);
  writer.writeCount();
  return { ledgerSeq, firstEventId, eventCount: events.length, putCount: size.putCount, columnFamilyIds: [...columnFamilyIds], rep: writer.bytes };
}

/**
 * Parses every record of `prepared.rep` (module doc) and throws `InvariantError` unless it is a
 * well-formed batch of `prepared.putCount` puts into `prepared.columnFamilyIds` that starts with
 * ledger `ledgerSeq`'s `ledgers` put and ends with its `events_offsets` put. The buffer is our own
 * (built by `prepareLedgerBatch`), so a failure is a bug; the check keeps it out of the WAL, where
 * RocksDB would only find it at the next open. It runs on the committing thread for every ledger,
 * so the per-record path allocates nothing and builds a message only when it fails.
 */
export function checkPreparedBatch(prepared: PreparedLedgerBatch): void {
  const { rep, ledgerSeq, columnFamilyIds } = prepared;
  const fail = (fact: string): never => {
    throw new InvariantError(`prepared batch of ledger ${ledgerSeq}: ${fact}`);
  };
  if (rep.length < WRITE_BATCH_HEADER_BYTES) fail(`${rep.length} bytes, shorter than the header`);
  const header = new DataView(rep.buffer, rep.byteOffset, rep.byteLength);
  if (header.getBigUint64(0, true) !== 0n) fail("the sequence field is not 0");
  if (header.getUint32(COUNT_BYTE_OFFSET, true) !== prepared.putCount) fail(`the header count is not ${prepared.putCount}`);
  const reader = { bytes: rep, byteOffset: WRITE_BATCH_HEADER_BYTES, fail };
  let putCount = 0;
  let lastCfId = -1;
  let lastKeyByteOffset = 0;
  let lastKeyBytes = 0;
  // Each record takes at least 4 bytes, so the loop ends within rep.length / 4 passes.
  while (reader.byteOffset < rep.length) {
    if (rep[reader.byteOffset++] !== TAG_COLUMN_FAMILY_VALUE) fail(`record ${putCount} is not a column family put`);
    lastCfId = readVarint32(reader);
    if (!columnFamilyIds.includes(lastCfId)) fail(`record ${putCount} names column family id ${lastCfId}`);
    lastKeyBytes = readVarint32(reader);
    lastKeyByteOffset = skip(reader, lastKeyBytes);
    skip(reader, readVarint32(reader));
    if (putCount === 0) {
      if (lastCfId !== columnFamilyIds[CF_INDEX_LEDGERS]) fail("the first record is not its ledgers put");
      if (!isU32Key(rep.subarray(lastKeyByteOffset, lastKeyByteOffset + lastKeyBytes), ledgerSeq)) fail("the first record's key is not the ledger");
    }
    putCount++;
  }
  if (putCount !== prepared.putCount) fail(`${putCount} records, want ${prepared.putCount}`);
  if (putCount === 0) fail("no records");
  if (lastCfId !== columnFamilyIds[CF_INDEX_EVENTS_OFFSETS]) fail("the last record is not its events_offsets put");
  if (!isU32Key(rep.subarray(lastKeyByteOffset, lastKeyByteOffset + lastKeyBytes), ledgerSeq)) fail("the last record's key is not the ledger");
}

/** The batch's record count and byte length, derived from the walk alone. */
function batchSize(parts: {
  columnFamilyIds: readonly number[];
  ledgerValueBytes: number;
  hashCount: number;
  events: readonly EventInput[];
}): { putCount: number; byteCount: number } {
  const record = (cfIndex: number, keyBytes: number, valueBytes: number): number => recordBytes(parts.columnFamilyIds[cfIndex]!, keyBytes, valueBytes);
  let putCount = 2 + parts.hashCount; // ledgers + events_offsets + one per hash
  let byteCount = WRITE_BATCH_HEADER_BYTES;
  byteCount += record(CF_INDEX_LEDGERS, U32_KEY_BYTES, parts.ledgerValueBytes) + record(CF_INDEX_EVENTS_OFFSETS, U32_KEY_BYTES, U32_KEY_BYTES);
  byteCount += parts.hashCount * record(CF_INDEX_TXHASH, TX_HASH_KEY_BYTES, U32_KEY_BYTES);
  for (const event of parts.events) {
    putCount += 1 + event.termKeys.length;
    byteCount += record(CF_INDEX_EVENTS_DATA, U32_KEY_BYTES, EVENT_PAYLOAD_HEADER_BYTES + event.contractEvent.length);
    byteCount += event.termKeys.length * record(CF_INDEX_EVENTS_INDEX, EVENTS_INDEX_KEY_BYTES, 0);
  }
  return { putCount, byteCount };
}

function recordBytes(cfId: number, keyBytes: number, valueBytes: number): number {
  return 1 + varintBytes(cfId) + varintBytes(keyBytes) + keyBytes + varintBytes(valueBytes) + valueBytes;
}

function u32Bytes(value: number): Uint8Array {
  const bytes = new Uint8Array(U32_KEY_BYTES);
  writeU32(bytes, 0, value);
  return bytes;
}

function isU32Key(key: Uint8Array, value: number): boolean {
  return key.length === U32_KEY_BYTES && readU32(key, 0) === value;
}

interface RepReader {
  bytes: Uint8Array;
  byteOffset: number;
  fail: (fact: string) => never;
}

function readVarint32(reader: RepReader): number {
  const first = reader.bytes[reader.byteOffset];
  if (first !== undefined && first < 0x80) {
    reader.byteOffset++; // the common case: every id, and every length under 128
    return first;
  }
  let value = 0;
  for (let shift = 0; shift < 7 * VARINT32_BYTES_MAX; shift += 7) {
    if (reader.byteOffset >= reader.bytes.length) reader.fail("a varint runs past the end");
    const byte = reader.bytes[reader.byteOffset++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte >= 0x80) continue;
    if (value > U32_MAX) reader.fail(`a varint32 holds ${value}, past u32`);
    return value;
  }
  return reader.fail(`a varint is longer than ${VARINT32_BYTES_MAX} bytes`);
}

/** Skips `byteCount` bytes of a record, returning where they start. */
function skip(reader: RepReader, byteCount: number): number {
  const start = reader.byteOffset;
  reader.byteOffset += byteCount;
  if (reader.byteOffset > reader.bytes.length) reader.fail("a string runs past the end");
  return start;
}

/** Appends records into a buffer of exactly the derived size (a record past it is a bug); a `ByteCursor` for `writeVarint`. */
class RepWriter {
  readonly bytes: Uint8Array<ArrayBuffer>;
  byteOffset = WRITE_BATCH_HEADER_BYTES; // the sequence stays 0: RocksDB assigns it at write
  putCount = 0;

  constructor(byteCount: number) {
    this.bytes = new Uint8Array(byteCount);
  }

  put(cfId: number, key: Uint8Array, value: Uint8Array): void {
    this.reserve(cfId, key, value.length).set(value);
  }

  /** Writes the record up to its value's length; returns the view its value must be written into. */
  reserve(cfId: number, key: Uint8Array, valueBytes: number): Uint8Array {
    const end = this.byteOffset + recordBytes(cfId, key.length, valueBytes);
    assert(end <= this.bytes.length, "prepared batch: a record past the derived size"); // constant: per-put path
    this.bytes[this.byteOffset++] = TAG_COLUMN_FAMILY_VALUE;
    writeVarint(cfId, this);
    writeVarint(key.length, this);
    this.bytes.set(key, this.byteOffset);
    this.byteOffset += key.length;
    writeVarint(valueBytes, this);
    const valueOffset = this.byteOffset;
    this.byteOffset = end;
    this.putCount++;
    return this.bytes.subarray(valueOffset, end);
  }

  writeCount(): void {
    new DataView(this.bytes.buffer).setUint32(COUNT_BYTE_OFFSET, this.putCount, true);
  }
}
