import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { batchDelete, closeDb, type ColumnFamily, columnFamily, createBatch, type Db, deleteKey, destroyBatch, get, openDb, put, writeBatch } from "../../ffi/rocksdb.ts";
import { FatalError } from "../errors.ts";
import { type ChunkId, chunkFirstLedger, chunkLastLedger, type LedgerSeq } from "../geometry/chunk.ts";
import { thrownError } from "../../test/support/thrown_error.ts";
import { eventsIndexKey, u32Key } from "./_hot_schema.ts";
import { damageHotDb, expectedEvents, synthLedgers, type TestLedger } from "./_hot_test_support.ts";
import { openHotChunkDb, openHotChunkDbReadOnly } from "./hot_chunk_db.ts";
import { HotDbCorruptError } from "./hot_errors.ts";

const chunk0 = 0 as ChunkId;
const FIRST = chunkFirstLedger(chunk0);
const LEDGER_COUNT = 12;
const LAST = FIRST + LEDGER_COUNT - 1;

let root: string;
let dir: string;
let ledgers: TestLedger[];
let eventCount: number;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "fullhistory-hot-checks-"));
  dir = join(root, "00000000");
  ledgers = synthLedgers({ chunkId: chunk0, count: LEDGER_COUNT, profile: "mixed", seed: 21 });
  eventCount = expectedEvents(ledgers).length;
  const db = openHotChunkDb(dir, { chunkId: chunk0, create: true });
  for (const ledger of ledgers) db.ingestLedger(ledger.seq, ledger.lcm);
  db.close();
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** The corrupt-error message of a read-write open, after checking a read-only open fails the same way. */
function openFailure(): string {
  const readOnly = thrownError(() => openHotChunkDbReadOnly(dir, { chunkId: chunk0 }), HotDbCorruptError);
  const readWrite = thrownError(() => openHotChunkDb(dir, { chunkId: chunk0, create: false }), HotDbCorruptError);
  expect(readWrite.message).toBe(readOnly.message);
  expect(readWrite).toBeInstanceOf(FatalError);
  expect(readWrite.message).toContain(`Hot DB of chunk 00000000 at "${dir}" is inconsistent: `);
  return readWrite.message;
}

function u32Hex(value: number): string {
  return Buffer.from(u32Key(value)).toString("hex");
}

function seq(value: number): LedgerSeq {
  return value as LedgerSeq;
}

function damage(cfName: string, change: (db: Db, cf: ColumnFamily) => void): void {
  damageHotDb(dir, (db) => change(db, columnFamily(db, cfName)));
}

test("the checks pass on an undamaged DB and derive its last ledger", () => {
  const db = openHotChunkDbReadOnly(dir, { chunkId: chunk0 });
  expect(db.maxCommittedSeq()).toBe(seq(FIRST + LEDGER_COUNT - 1));
  db.close();
});

test("a deleted last ledger key fails the open: ledgers and events_offsets end at different ledgers", () => {
  damage("ledgers", (db, cf) => deleteKey(db, u32Key(LAST), { sync: true, cf }));
  expect(openFailure()).toContain(`ledgers ends at ledger ${LAST - 1}, but events_offsets cover ledgers ${FIRST}..${LAST}`);
});

test("a ledgers column family that does not start at the chunk's first ledger fails the open", () => {
  damage("ledgers", (db, cf) => deleteKey(db, u32Key(FIRST), { sync: true, cf }));
  expect(openFailure()).toContain(`ledgers starts at ledger ${FIRST + 1}, want ledger ${FIRST}`);
});

test("a ledger key past the chunk's last ledger fails the open", () => {
  damage("ledgers", (db, cf) => put(db, u32Key(chunkLastLedger(chunk0) + 1), new Uint8Array([1]), { sync: true, cf }));
  expect(openFailure()).toContain(`ledgers ends at ledger ${chunkLastLedger(chunk0) + 1}, but events_offsets cover ledgers ${FIRST}..${LAST}`);
});

test("a ledgers key that is not 4 bytes fails the open", () => {
  damage("ledgers", (db, cf) => put(db, new Uint8Array([0, 0, 0, LAST, 0]), new Uint8Array([1]), { sync: true, cf }));
  expect(openFailure()).toContain(`ledgers key 0x000000${LAST.toString(16).padStart(2, "0")}00 is 5 bytes, want 4`);
});

test("ledgers in a DB whose events_offsets are empty fail the open", () => {
  damageHotDb(dir, (db) => {
    const cf = columnFamily(db, "events_offsets");
    for (let ledgerSeq = FIRST; ledgerSeq <= LAST; ledgerSeq++) deleteKey(db, u32Key(ledgerSeq), { sync: true, cf });
  });
  expect(openFailure()).toContain(`ledgers has key 0x${u32Hex(FIRST)}, but events_offsets cover no ledgers`);
});

test("a deleted events_offsets key in the middle fails the open, naming the missing ledger", () => {
  damage("events_offsets", (db, cf) => deleteKey(db, u32Key(FIRST + 6), { sync: true, cf }));
  expect(openFailure()).toContain(`events_offsets has ledger ${FIRST + 7} where ledger ${FIRST + 6} should be`);
});

test("a deleted last events_offsets key fails the open", () => {
  damage("events_offsets", (db, cf) => deleteKey(db, u32Key(LAST), { sync: true, cf }));
  expect(openFailure()).toContain(`ledgers ends at ledger ${LAST}, but events_offsets cover ledgers ${FIRST}..${LAST - 1}`);
});

test("an events_offsets key past the chunk's last ledger fails the open", () => {
  damageHotDb(dir, (db) => {
    const cf = columnFamily(db, "events_offsets");
    for (let ledgerSeq = LAST + 1; ledgerSeq <= chunkLastLedger(chunk0) + 1; ledgerSeq++) put(db, u32Key(ledgerSeq), u32Key(0), { sync: false, cf });
  });
  expect(openFailure()).toContain(`events_offsets has ledger ${chunkLastLedger(chunk0) + 1} after the chunk's last ledger ${chunkLastLedger(chunk0)}`);
});

test("an events_offsets value that is not 4 bytes fails the open", () => {
  damage("events_offsets", (db, cf) => put(db, u32Key(FIRST + 2), new Uint8Array(8), { sync: true, cf }));
  expect(openFailure()).toContain(`events_offsets value of ledger ${FIRST + 2} is 8 bytes, want 4`);
});

test("an events_offsets count that disagrees with events_data fails the open", () => {
  damage("events_offsets", (db, cf) => put(db, u32Key(FIRST + 3), u32Key(10_000), { sync: true, cf }));
  expect(openFailure()).toContain(`events_data ends at event ${eventCount - 1}, but events_offsets cover events 0..`);
});

test("a deleted last events_data key fails the open", () => {
  damage("events_data", (db, cf) => deleteKey(db, u32Key(eventCount - 1), { sync: true, cf }));
  expect(openFailure()).toContain(`events_data ends at event ${eventCount - 2}, but events_offsets cover events 0..${eventCount - 1}`);
});

test("a deleted first events_data key fails the open", () => {
  damage("events_data", (db, cf) => deleteKey(db, u32Key(0), { sync: true, cf }));
  expect(openFailure()).toContain("events_data starts at event 1, want event 0");
});

test("an events_data key past the offsets' total fails the open", () => {
  damage("events_data", (db, cf) => put(db, u32Key(eventCount), new Uint8Array([1]), { sync: true, cf }));
  expect(openFailure()).toContain(`events_data ends at event ${eventCount}, but events_offsets cover events 0..${eventCount - 1}`);
});

test("a deleted ledger key in the middle opens, but is reported as corrupt wherever it would be served", () => {
  damage("ledgers", (db, cf) => deleteKey(db, u32Key(FIRST + 4), { sync: true, cf }));
  const db = openHotChunkDbReadOnly(dir, { chunkId: chunk0 });
  try {
    const want = `ledger ${FIRST + 4} is missing although it is committed`;
    expect(thrownError(() => db.ledger(seq(FIRST + 4)), HotDbCorruptError).message).toContain(want);
    expect(thrownError(() => [...db.ledgers(FIRST, seq(LAST))], HotDbCorruptError).message).toContain(want);
    expect(db.ledger(seq(FIRST + 3))).toEqual(ledgers[3]!.lcm);
  } finally {
    db.close();
  }
});

test("a deleted events_data key in the middle opens, but is reported as corrupt wherever it would be served", () => {
  const victim = expectedEvents(ledgers)[17]!;
  damage("events_data", (db, cf) => deleteKey(db, u32Key(victim.eventId), { sync: true, cf }));
  const db = openHotChunkDbReadOnly(dir, { chunkId: chunk0 });
  try {
    const want = `event ${victim.eventId} is missing from events_data`;
    expect(thrownError(() => db.eventsInLedgers(FIRST, seq(LAST)), HotDbCorruptError).message).toContain(want);
    const byTerm = () => db.eventsInLedgers(FIRST, seq(LAST), { terms: [victim.termKeys[0]!] });
    expect(thrownError(byTerm, HotDbCorruptError).message).toContain(`event ${victim.eventId} is indexed but missing from events_data`);
  } finally {
    db.close();
  }
});

test("an events_index posting past the committed ids opens and is never returned", () => {
  const events = expectedEvents(ledgers);
  const term = events[0]!.termKeys[0]!;
  damage("events_index", (db, cf) => put(db, eventsIndexKey(term, eventCount), new Uint8Array(0), { sync: true, cf }));
  const db = openHotChunkDbReadOnly(dir, { chunkId: chunk0 });
  try {
    const carrying = events.filter((event) => event.termKeys.some((key) => Buffer.compare(key, term) === 0)).map((event) => event.eventId);
    expect(db.eventsInLedgers(FIRST, chunkLastLedger(chunk0), { terms: [term] }).map((event) => event.eventId)).toEqual(carrying);
  } finally {
    db.close();
  }
});


test("an events_index key longer than term ++ id is reported as corrupt when read, never served as an event outside the range", () => {
  const events = expectedEvents(ledgers);
  const early = events[0]!;
  const term = early.termKeys[0]!;
  const laterLedgerSeq = events[events.length - 1]!.ledgerSeq;
  const laterFirstId = events.find((event) => event.ledgerSeq === laterLedgerSeq)!.eventId;
  // term ++ u32(laterFirstId) ++ u32(early.eventId): sorts inside the later ledger's id range, and
  // its last 4 bytes name an event of another ledger.
  const stray = new Uint8Array(24);
  stray.set(eventsIndexKey(term, laterFirstId), 0);
  stray.set(u32Key(early.eventId), 20);
  damage("events_index", (db, cf) => put(db, stray, new Uint8Array(0), { sync: true, cf }));
  const db = openHotChunkDbReadOnly(dir, { chunkId: chunk0 });
  try {
    const byTerm = () => db.eventsInLedgers(laterLedgerSeq, laterLedgerSeq, { terms: [term] });
    expect(thrownError(byTerm, HotDbCorruptError).message).toContain(`events_index key 0x${Buffer.from(stray).toString("hex")} is 24 bytes, want 20`);
  } finally {
    db.close();
  }
});
test("events_index or txhash entries in a DB with nothing committed fail the open", () => {
  const empty = join(root, "empty");
  openHotChunkDb(empty, { chunkId: chunk0, create: true }).close();
  damageHotDb(empty, (db) => put(db, new Uint8Array(32).fill(1), u32Key(FIRST), { sync: true, cf: columnFamily(db, "txhash") }));
  const error = thrownError(() => openHotChunkDbReadOnly(empty, { chunkId: chunk0 }), HotDbCorruptError);
  expect(error.message).toContain(`txhash has key 0x${"01".repeat(32)}, but no ledger is committed`);
  damageHotDb(empty, (db) => put(db, eventsIndexKey(new Uint8Array(16), 0), new Uint8Array(0), { sync: true, cf: columnFamily(db, "events_index") }));
  expect(thrownError(() => openHotChunkDbReadOnly(empty, { chunkId: chunk0 }), HotDbCorruptError).message).toContain("events_index has key 0x");
});

test("a DB without one of the schema's column families fails the open as corrupt", () => {
  const partial = join(root, "partial");
  closeDb(openDb(partial, { createIfMissing: true, readOnly: false, columnFamilies: ["ledgers", "events_data", "events_index", "events_offsets"], profile: "hot" }));
  const error = thrownError(() => openHotChunkDb(partial, { chunkId: chunk0, create: false }), HotDbCorruptError);
  expect(error.message).toContain("its column families do not match the schema");
  expect(error.message).toContain("txhash");
});

test("one whole ledger batch removed from every column family leaves a DB that still opens (a shorter commit)", () => {
  const lastSeq = FIRST + LEDGER_COUNT - 1;
  const lastEvents = expectedEvents(ledgers).filter((event) => event.ledgerSeq === lastSeq);
  damageHotDb(dir, (db) => {
    const batch = createBatch();
    try {
      batchDelete(batch, u32Key(lastSeq), { cf: columnFamily(db, "ledgers") });
      batchDelete(batch, u32Key(lastSeq), { cf: columnFamily(db, "events_offsets") });
      for (const event of lastEvents) {
        batchDelete(batch, u32Key(event.eventId), { cf: columnFamily(db, "events_data") });
        for (const term of event.termKeys) batchDelete(batch, eventsIndexKey(term, event.eventId), { cf: columnFamily(db, "events_index") });
      }
      writeBatch(db, batch, { sync: true });
    } finally {
      destroyBatch(batch);
    }
  });
  const db = openHotChunkDbReadOnly(dir, { chunkId: chunk0 });
  expect(db.maxCommittedSeq()).toBe(seq(lastSeq - 1));
  db.close();
});

test("a ledger value that does not decode is reported as corrupt when read, never served", () => {
  damage("ledgers", (db, cf) => put(db, u32Key(FIRST + 3), new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]), { sync: true, cf }));
  const db = openHotChunkDbReadOnly(dir, { chunkId: chunk0 });
  try {
    expect(thrownError(() => db.ledger(seq(FIRST + 3)), HotDbCorruptError).message).toContain(`ledger ${FIRST + 3} does not decode`);
    expect(() => [...db.ledgers(FIRST, seq(FIRST + 5))]).toThrow(HotDbCorruptError);
    expect(db.ledger(seq(FIRST + 2))).toEqual(ledgers[2]!.lcm);
  } finally {
    db.close();
  }
});

test("a ledger stored under the wrong seq is reported as corrupt when read", () => {
  damageHotDb(dir, (db) => {
    const cf = columnFamily(db, "ledgers");
    put(db, u32Key(FIRST + 2), get(db, u32Key(FIRST + 1), { cf })!, { sync: true, cf });
  });
  const db = openHotChunkDbReadOnly(dir, { chunkId: chunk0 });
  try {
    expect(thrownError(() => db.ledger(seq(FIRST + 2)), HotDbCorruptError).message).toContain(`the ledger stored under ${FIRST + 2} says ledger ${FIRST + 1}`);
  } finally {
    db.close();
  }
});

test("an event payload that does not decode is reported as corrupt when read", () => {
  const victim = expectedEvents(ledgers)[5]!;
  damage("events_data", (db, cf) => put(db, u32Key(victim.eventId), victim.payloadBytes.subarray(0, 40), { sync: true, cf }));
  const db = openHotChunkDbReadOnly(dir, { chunkId: chunk0 });
  try {
    const all = () => db.eventsInLedgers(FIRST, seq(FIRST + LEDGER_COUNT - 1));
    expect(thrownError(all, HotDbCorruptError).message).toContain(`event ${victim.eventId} payload: 40 bytes, shorter than the 61-byte header`);
  } finally {
    db.close();
  }
});

test("an event payload of another ledger is reported as corrupt when read, also through the term index", () => {
  const events = expectedEvents(ledgers);
  const victim = events[5]!;
  const other = events.find((event) => event.ledgerSeq !== victim.ledgerSeq)!;
  damage("events_data", (db, cf) => put(db, u32Key(victim.eventId), other.payloadBytes, { sync: true, cf }));
  const db = openHotChunkDbReadOnly(dir, { chunkId: chunk0 });
  try {
    const want = `event ${victim.eventId} payload says ledger ${other.ledgerSeq}, events_offsets place it in ledger ${victim.ledgerSeq}`;
    expect(thrownError(() => db.eventsInLedgers(victim.ledgerSeq, victim.ledgerSeq), HotDbCorruptError).message).toContain(want);
    const byTerm = () => db.eventsInLedgers(victim.ledgerSeq, victim.ledgerSeq, { terms: [...victim.termKeys] });
    expect(thrownError(byTerm, HotDbCorruptError).message).toContain(want);
  } finally {
    db.close();
  }
});

test("a txhash entry naming an uncommitted ledger is reported as corrupt when read", () => {
  const hash = new Uint8Array(32).fill(0x5a);
  damage("txhash", (db, cf) => put(db, hash, u32Key(FIRST + LEDGER_COUNT), { sync: true, cf }));
  const db = openHotChunkDbReadOnly(dir, { chunkId: chunk0 });
  try {
    expect(thrownError(() => db.txLedgerSeq(hash), HotDbCorruptError).message).toContain(`holds ledger ${FIRST + LEDGER_COUNT}, which is not committed`);
  } finally {
    db.close();
  }
});
