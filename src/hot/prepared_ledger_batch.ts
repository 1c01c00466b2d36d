/**
 * One ledger's hot-DB batch, built without the DB (reference §7.11, §8.9; D8): the walk, the zstd
 * of the LedgerCloseMeta, the event payloads and term keys, and every key and value of the batch
 * laid out in ONE buffer. Pure: no RocksDB, no catalog, no clock, so the ingestion loop runs it in
 * a Worker for ledger N+1 while the main thread commits ledger N (`docs/ingestion.md`), and the
 * buffer crosses the thread boundary as one transfer. `HotChunkDb.commitPreparedBatch` replays the
 * puts into ONE synced WriteBatch.
 *
 * `puts` holds `putCount` records back to back, in batch order:
 *
 *   cf index u8 (into HOT_COLUMN_FAMILIES) | key bytes u8 | value bytes u32 LE | key | value
 *
 * Batch order (the schema in `_hot_schema.ts`): the `ledgers` put, one `txhash` put per outer hash
 * and per fee-bump inner hash (D8), per event one `events_data` put followed by one `events_index`
 * put per term, and last the `events_offsets` put (written for zero-event ledgers too).
 *
 * Keeps: the record count and byte length are derived from the walk before anything is written,
 * and the writer must land on both exactly (style R4: assert before the bytes leave); the reader
 * checks every record's bounds and column family as input.
 * @module
 */

import { assert } from "../assert.ts";
import { EVENT_PAYLOAD_HEADER_BYTES, encodeEventPayloadInto } from "../formats/event_payload.ts";
import { type EventInput } from "../formats/events_segment_writer.ts";
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
  TX_HASH_KEY_BYTES,
  U32_KEY_BYTES,
  U32_MAX,
  writeU32,
} from "./_hot_schema.ts";
import { ingestRefusal } from "./hot_errors.ts";
import { ledgerEventInputs } from "./ledger_event_inputs.ts";

/** Bytes before each record's key: cf index u8, key length u8, value length u32 LE. */
const PUT_HEADER_BYTES = 6;
const KEY_BYTES_MAX = 0xff;

const EMPTY = new Uint8Array(0);

const CF_INDEX_LEDGERS = HOT_COLUMN_FAMILIES.indexOf(CF_LEDGERS);
const CF_INDEX_TXHASH = HOT_COLUMN_FAMILIES.indexOf(CF_TXHASH);
const CF_INDEX_EVENTS_DATA = HOT_COLUMN_FAMILIES.indexOf(CF_EVENTS_DATA);
const CF_INDEX_EVENTS_INDEX = HOT_COLUMN_FAMILIES.indexOf(CF_EVENTS_INDEX);
const CF_INDEX_EVENTS_OFFSETS = HOT_COLUMN_FAMILIES.indexOf(CF_EVENTS_OFFSETS);
assert(HOT_COLUMN_FAMILIES.length <= 0xff, "a column family index must fit the record's u8");
assert(Math.max(TX_HASH_KEY_BYTES, EVENTS_INDEX_KEY_BYTES, U32_KEY_BYTES) <= KEY_BYTES_MAX, "every hot key must fit the record's u8 length");

/** One ledger's batch, ready to commit; plain data, so it survives `postMessage` (transfer `puts.buffer`). */
export interface PreparedLedgerBatch {
  ledgerSeq: LedgerSeq;
  /** Chunk-relative id of the ledger's first event: the chunk's committed event count when it commits. */
  firstEventId: number;
  eventCount: number;
  putCount: number;
  /** The records (module doc); the view spans its whole buffer, which can be transferred. */
  puts: Uint8Array<ArrayBuffer>;
}

/**
 * Builds ledger `ledgerSeq`'s batch from its LedgerCloseMeta, numbering its events from
 * `firstEventId`. A decode error (`XdrError`) or a header naming another ledger throws before any
 * bytes exist; so does an event id past u32 (`HotIngestError`).
 */
export function prepareLedgerBatch(ledgerSeq: LedgerSeq, lcmBytes: Uint8Array, options: { firstEventId: number }): PreparedLedgerBatch {
  const { firstEventId } = options;
  assert(Number.isInteger(firstEventId), `first event id ${firstEventId} is not an integer`);
  assert(firstEventId >= 0, `first event id ${firstEventId} is negative`);
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

  const size = batchSize({ ledgerValueBytes: ledgerValue.length, hashCount: hashOffsets.length, events });
  const writer = new PutWriter(size.byteCount);
  writer.put(CF_INDEX_LEDGERS, u32Bytes(ledgerSeq), ledgerValue);
  const seqValue = u32Bytes(ledgerSeq);
  for (const hashOffset of hashOffsets) {
    writer.put(CF_INDEX_TXHASH, lcmBytes.subarray(hashOffset, hashOffset + TX_HASH_KEY_BYTES), seqValue);
  }
  events.forEach((event, index) => {
    const eventId = firstEventId + index;
    const payloadBytes = EVENT_PAYLOAD_HEADER_BYTES + event.contractEvent.length;
    const payloadTarget = writer.reserve(CF_INDEX_EVENTS_DATA, u32Bytes(eventId), payloadBytes);
    const written = encodeEventPayloadInto({ ...event, ledgerSeq }, payloadTarget);
    assert(written === payloadBytes, "event payload length differs from its header plus ContractEvent"); // constant: per-event path
    const indexKey = new Uint8Array(EVENTS_INDEX_KEY_BYTES);
    writeU32(indexKey, EVENTS_INDEX_KEY_BYTES - U32_KEY_BYTES, eventId);
    for (const term of event.termKeys) {
      indexKey.set(term, 0);
      writer.put(CF_INDEX_EVENTS_INDEX, indexKey, EMPTY);
    }
  });
  writer.put(CF_INDEX_EVENTS_OFFSETS, u32Bytes(ledgerSeq), u32Bytes(events.length));
  // Pair check before the bytes leave (style R4): the writer landed exactly on the derived size.
  assert(writer.putCount === size.putCount, `ledger ${ledgerSeq}: wrote ${writer.putCount} puts, derived ${size.putCount}`);
  assert(writer.byteOffset === size.byteCount, `ledger ${ledgerSeq}: wrote ${writer.byteOffset} bytes, derived ${size.byteCount}`);
  return { ledgerSeq, firstEventId, eventCount: events.length, putCount: size.putCount, puts: writer.bytes };
}

/**
 * Calls `visit` with each record of `prepared` in batch order (cf is an index into
 * HOT_COLUMN_FAMILIES; key and value are views into `prepared.puts`). The records are input: a
 * record past the end, an unknown column family or a count that differs from `putCount` throws.
 */
export function forEachPreparedPut(
  prepared: PreparedLedgerBatch,
  visit: (cfIndex: number, key: Uint8Array, value: Uint8Array) => void,
): void {
  const { puts } = prepared;
  const view = new DataView(puts.buffer, puts.byteOffset, puts.byteLength);
  let byteOffset = 0;
  let putCount = 0;
  // Each record takes at least PUT_HEADER_BYTES, so the loop ends within puts.length / 6 steps.
  while (byteOffset < puts.length) {
    assert(byteOffset + PUT_HEADER_BYTES <= puts.length, "prepared batch: a record header runs past the end");
    const cfIndex = view.getUint8(byteOffset);
    const keyBytes = view.getUint8(byteOffset + 1);
    const valueBytes = view.getUint32(byteOffset + 2, true);
    assert(cfIndex < HOT_COLUMN_FAMILIES.length, "prepared batch: a record names an unknown column family");
    const keyOffset = byteOffset + PUT_HEADER_BYTES;
    const valueOffset = keyOffset + keyBytes;
    byteOffset = valueOffset + valueBytes;
    assert(byteOffset <= puts.length, "prepared batch: a record runs past the end");
    visit(cfIndex, puts.subarray(keyOffset, valueOffset), puts.subarray(valueOffset, byteOffset));
    putCount++;
  }
  assert(putCount === prepared.putCount, `prepared batch of ledger ${prepared.ledgerSeq}: ${putCount} records, header says ${prepared.putCount}`);
}

/** The batch's record count and byte length, derived from the walk alone. */
function batchSize(parts: { ledgerValueBytes: number; hashCount: number; events: readonly EventInput[] }): { putCount: number; byteCount: number } {
  let putCount = 2 + parts.hashCount; // ledgers + events_offsets + one per hash
  let byteCount = recordBytes(U32_KEY_BYTES, parts.ledgerValueBytes) + recordBytes(U32_KEY_BYTES, U32_KEY_BYTES);
  byteCount += parts.hashCount * recordBytes(TX_HASH_KEY_BYTES, U32_KEY_BYTES);
  for (const event of parts.events) {
    putCount += 1 + event.termKeys.length;
    byteCount += recordBytes(U32_KEY_BYTES, EVENT_PAYLOAD_HEADER_BYTES + event.contractEvent.length);
    byteCount += event.termKeys.length * recordBytes(EVENTS_INDEX_KEY_BYTES, 0);
  }
  return { putCount, byteCount };
}

function recordBytes(keyBytes: number, valueBytes: number): number {
  return PUT_HEADER_BYTES + keyBytes + valueBytes;
}

function u32Bytes(value: number): Uint8Array {
  const bytes = new Uint8Array(U32_KEY_BYTES);
  writeU32(bytes, 0, value);
  return bytes;
}

/** Appends records into a buffer of exactly the derived size (a record past it is a bug). */
class PutWriter {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly #view: DataView;
  byteOffset = 0;
  putCount = 0;

  constructor(byteCount: number) {
    this.bytes = new Uint8Array(byteCount);
    this.#view = new DataView(this.bytes.buffer);
  }

  put(cfIndex: number, key: Uint8Array, value: Uint8Array): void {
    this.reserve(cfIndex, key, value.length).set(value);
  }

  /** Writes the record's header and key; returns the view its value must be written into. */
  reserve(cfIndex: number, key: Uint8Array, valueBytes: number): Uint8Array {
    const keyOffset = this.byteOffset + PUT_HEADER_BYTES;
    const end = keyOffset + key.length + valueBytes;
    assert(end <= this.bytes.length, "prepared batch: a record past the derived size"); // constant: per-put path
    this.#view.setUint8(this.byteOffset, cfIndex);
    this.#view.setUint8(this.byteOffset + 1, key.length);
    this.#view.setUint32(this.byteOffset + 2, valueBytes, true);
    this.bytes.set(key, keyOffset);
    this.byteOffset = end;
    this.putCount++;
    return this.bytes.subarray(keyOffset + key.length, end);
  }
}
