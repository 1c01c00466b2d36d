import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvariantError } from "../assert.ts";
import { TERM_FIELD_CONTRACT_ID, termKey } from "../formats/event_terms.ts";
import { type ChunkId, chunkFirstLedger, chunkLastLedger, type LedgerSeq } from "../geometry/chunk.ts";
import { walkLedger } from "../xdr/walk_ledger.ts";
import { XdrError } from "../xdr/xdr_error.ts";
import { expectedFixture, fixtureLedgers } from "../../test/support/fixtures.ts";
import { thrownError } from "../../test/support/thrown_error.ts";
import { dumpHotDb, type ExpectedEvent, expectedEvents, relabelLedger, synthLedgers, type TestLedger } from "./_hot_test_support.ts";
import { type HotChunkDb, type HotEvent, openHotChunkDb, openHotChunkDbReadOnly } from "./hot_chunk_db.ts";
import { HotDbOpenError, HotIngestError } from "./hot_errors.ts";

const chunk0 = 0 as ChunkId;
const chunk7 = 7 as ChunkId;
const FIRST = chunkFirstLedger(chunk0);

let root: string;
let dir: string;
const handles: HotChunkDb[] = [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "fullhistory-hot-"));
  dir = join(root, "00000000");
});
afterEach(() => {
  for (const db of handles.splice(0)) db.close();
  rmSync(root, { recursive: true, force: true });
});

function tracked(db: HotChunkDb): HotChunkDb {
  handles.push(db);
  return db;
}

function create(chunkId: ChunkId = chunk0): HotChunkDb {
  return tracked(openHotChunkDb(dir, { chunkId, create: true }));
}

function reopen(options: { readOnly: boolean }): HotChunkDb {
  if (options.readOnly) return tracked(openHotChunkDbReadOnly(dir, { chunkId: chunk0 }));
  return tracked(openHotChunkDb(dir, { chunkId: chunk0, create: false }));
}

function mixedLedgers(count: number, chunkId: ChunkId = chunk0): TestLedger[] {
  return synthLedgers({ chunkId, count, profile: "mixed", seed: 11 });
}

function ingestAll(db: HotChunkDb, ledgers: readonly TestLedger[]): void {
  for (const ledger of ledgers) expect(db.ingestLedger(ledger.seq, ledger.lcm)).toBe("committed");
}

function seq(value: number): LedgerSeq {
  return value as LedgerSeq;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function eventsAsHex(events: readonly (HotEvent | ExpectedEvent)[]): string[] {
  return events.map((event) => `${event.eventId}:${hex(event.payloadBytes)}`);
}

describe("ingestLedger()", () => {
  test("ingestLedger() advances every column family together, ledger by ledger", () => {
    const ledgers = mixedLedgers(10);
    let txHashCount = 0;
    let eventCount = 0;
    let postingCount = 0;
    let db = create();
    for (const ledger of ledgers) {
      db.ingestLedger(ledger.seq, ledger.lcm);
      db.close();
      txHashCount += walkLedger(ledger.lcm).transactions.length + ledger.summary!.innerHashes.length;
      for (const event of expectedEvents([ledger])) {
        eventCount += 1;
        postingCount += new Set(event.termKeys.map(hex)).size;
      }
      const dump = dumpHotDb(dir);
      const ledgerCount = ledger.seq - FIRST + 1;
      expect(dump.ledgers!.length).toBe(ledgerCount);
      expect(dump.events_offsets!.length).toBe(ledgerCount);
      expect(dump.txhash!.length).toBe(txHashCount);
      expect(dump.events_data!.length).toBe(eventCount);
      expect(dump.events_index!.length).toBe(postingCount);
      expect(dump.default!).toEqual([]);
      db = reopen({ readOnly: false });
    }
    expect(eventCount).toBeGreaterThan(0);
    expect(txHashCount).toBeGreaterThan(walkLedger(ledgers[0]!.lcm).transactions.length);
  });

  test("ingestLedger() rejects a ledger that does not decode and persists nothing in any column family", () => {
    const ledgers = mixedLedgers(6);
    const db = create();
    ingestAll(db, ledgers.slice(0, 5));
    db.close();
    const before = dumpHotDb(dir);
    const next = ledgers[5]!;
    const truncated = next.lcm.subarray(0, next.lcm.length - 7);
    const reopened = reopen({ readOnly: false });
    expect(() => reopened.ingestLedger(next.seq, truncated)).toThrow(XdrError);
    expect(reopened.maxCommittedSeq()).toBe(ledgers[4]!.seq);
    reopened.close();
    expect(dumpHotDb(dir)).toEqual(before);
  });

  test("ingestLedger() rejects a ledger whose LedgerCloseMeta names another seq, writing nothing", () => {
    const ledgers = mixedLedgers(3);
    const db = create();
    ingestAll(db, ledgers.slice(0, 2));
    const error = thrownError(() => db.ingestLedger(ledgers[2]!.seq, relabelLedger(ledgers[2]!.lcm, seq(FIRST + 9))), HotIngestError);
    expect(error.message).toContain(`LedgerCloseMeta says ledger ${FIRST + 9}`);
    db.close();
    expect(dumpHotDb(dir).ledgers!.length).toBe(2);
  });

  test("ingestLedger() of already committed ledgers changes no byte in any column family", () => {
    const ledgers = mixedLedgers(8);
    const db = create();
    ingestAll(db, ledgers);
    db.close();
    const before = dumpHotDb(dir);
    const reopened = reopen({ readOnly: false });
    for (const ledger of ledgers) expect(reopened.ingestLedger(ledger.seq, ledger.lcm)).toBe("alreadyCommitted");
    expect(reopened.maxCommittedSeq()).toBe(ledgers[7]!.seq);
    expect(reopened.eventsInLedgers(FIRST, ledgers[7]!.seq).length).toBe(expectedEvents(ledgers).length);
    reopened.close();
    expect(dumpHotDb(dir)).toEqual(before);
  });

  test("ingestLedger() refuses a committed ledger offered with different bytes", () => {
    const ledgers = mixedLedgers(2);
    const other = synthLedgers({ chunkId: chunk0, count: 2, profile: "mixed", seed: 12 });
    const db = create();
    ingestAll(db, ledgers);
    const error = thrownError(() => db.ingestLedger(other[1]!.seq, other[1]!.lcm), HotIngestError);
    expect(error.message).toContain(`Cannot ingest ledger ${FIRST + 1} into the hot DB of chunk 00000000`);
    expect(error.message).toContain("already committed with different bytes");
  });

  test("ingestLedger() rejects a gap, naming the ledger that must come next", () => {
    const ledgers = mixedLedgers(4);
    const db = create();
    const first = thrownError(() => db.ingestLedger(ledgers[1]!.seq, ledgers[1]!.lcm), HotIngestError);
    expect(first.message).toContain(`ledger ${FIRST} must come next`);
    ingestAll(db, ledgers.slice(0, 2));
    const gap = thrownError(() => db.ingestLedger(ledgers[3]!.seq, ledgers[3]!.lcm), HotIngestError);
    expect(gap.message).toContain(`ledger ${FIRST + 2} must come next`);
    expect(db.maxCommittedSeq()).toBe(seq(FIRST + 1));
  });

  test("ingestLedger() rejects ledgers outside the chunk", () => {
    const db = create(chunk7);
    const previousChunk = mixedLedgers(1, 6 as ChunkId)[0]!;
    const below = thrownError(() => db.ingestLedger(seq(chunkFirstLedger(chunk7) - 1), previousChunk.lcm), HotIngestError);
    expect(below.message).toContain(`the chunk holds ledgers ${chunkFirstLedger(chunk7)}..${chunkLastLedger(chunk7)}`);
    const above = thrownError(() => db.ingestLedger(seq(chunkLastLedger(chunk7) + 1), previousChunk.lcm), HotIngestError);
    expect(above.message).toContain("routed it to the wrong chunk");
    expect(db.maxCommittedSeq()).toBeUndefined();
  });

  test("ingestLedger() on a read-only handle is an InvariantError", () => {
    const ledgers = mixedLedgers(1);
    create().close();
    const readOnly = reopen({ readOnly: true });
    expect(() => readOnly.ingestLedger(ledgers[0]!.seq, ledgers[0]!.lcm)).toThrow(InvariantError);
  });
});

describe("open and close", () => {
  test("a reopened DB resumes at its last ledger and continues the event ids densely", () => {
    const ledgers = mixedLedgers(12);
    const db = create();
    ingestAll(db, ledgers.slice(0, 7));
    db.close();
    const reopened = reopen({ readOnly: false });
    expect(reopened.maxCommittedSeq()).toBe(ledgers[6]!.seq);
    ingestAll(reopened, ledgers.slice(7));
    expect(eventsAsHex(reopened.eventsInLedgers(FIRST, ledgers[11]!.seq))).toEqual(eventsAsHex(expectedEvents(ledgers)));
  });

  test("an empty DB has no committed ledger and answers every read empty", () => {
    const db = create();
    expect(db.maxCommittedSeq()).toBeUndefined();
    expect(db.ledger(FIRST)).toBeUndefined();
    expect(db.eventsInLedgers(FIRST, chunkLastLedger(chunk0))).toEqual([]);
    expect(db.txLedgerSeq(new Uint8Array(32))).toBeUndefined();
  });

  test("a read-only open sees what was committed when it opened, and not later commits", () => {
    const ledgers = mixedLedgers(6);
    const writer = create();
    ingestAll(writer, ledgers.slice(0, 3));
    const early = reopen({ readOnly: true });
    ingestAll(writer, ledgers.slice(3));
    const late = reopen({ readOnly: true });
    expect(early.maxCommittedSeq()).toBe(ledgers[2]!.seq);
    expect(early.ledger(ledgers[3]!.seq)).toBeUndefined();
    expect(late.maxCommittedSeq()).toBe(ledgers[5]!.seq);
    expect(late.ledger(ledgers[5]!.seq)).toEqual(ledgers[5]!.lcm);
    expect(writer.ledger(ledgers[5]!.seq)).toEqual(ledgers[5]!.lcm);
  });

  test("close() of a read-write handle flushes memtables to SST files", () => {
    const db = create();
    ingestAll(db, mixedLedgers(3));
    expect(readdirSync(dir).filter((name) => name.endsWith(".sst"))).toEqual([]);
    db.close();
    db.close();
    expect(readdirSync(dir).filter((name) => name.endsWith(".sst")).length).toBeGreaterThan(0);
    expect(reopen({ readOnly: true }).maxCommittedSeq()).toBe(seq(FIRST + 2));
  });

  test("openHotChunkDb() with create refuses an existing directory", () => {
    mkdirSync(dir);
    expect(() => openHotChunkDb(dir, { chunkId: chunk0, create: true })).toThrow(InvariantError);
  });

  test("opening a missing DB throws HotDbOpenError naming the chunk and the dir", () => {
    const readWrite = thrownError(() => openHotChunkDb(dir, { chunkId: chunk0, create: false }), HotDbOpenError);
    expect(readWrite.message).toContain(`Cannot open the hot DB of chunk 00000000 at "${dir}"`);
    expect(() => openHotChunkDbReadOnly(dir, { chunkId: chunk0 })).toThrow(HotDbOpenError);
  });

  test("a second read-write open of a live DB fails on RocksDB's lock", () => {
    create();
    const error = thrownError(() => openHotChunkDb(dir, { chunkId: chunk0, create: false }), HotDbOpenError);
    expect(error.message).toContain("LOCK");
  });
});

describe("reads", () => {
  test("ledger() and ledgers() return the committed LedgerCloseMeta bytes in order", () => {
    const ledgers = mixedLedgers(9);
    const db = create();
    ingestAll(db, ledgers);
    expect(db.ledger(ledgers[4]!.seq)).toEqual(ledgers[4]!.lcm);
    expect(db.ledger(seq(FIRST + 9))).toBeUndefined();
    expect(db.ledger(seq(FIRST - 1))).toBeUndefined();
    expect([...db.ledgers(FIRST, ledgers[8]!.seq)]).toEqual(ledgers.map((ledger) => ledger.lcm));
    expect([...db.ledgers(ledgers[3]!.seq, ledgers[5]!.seq)]).toEqual(ledgers.slice(3, 6).map((ledger) => ledger.lcm));
  });

  test("ledgers() outside the committed range is an InvariantError", () => {
    const db = create();
    ingestAll(db, mixedLedgers(3));
    expect(() => db.ledgers(FIRST, seq(FIRST + 3))).toThrow(InvariantError);
    expect(() => db.ledgers(seq(FIRST + 2), seq(FIRST + 1))).toThrow(InvariantError);
  });

  test("txLedgerSeq() finds every outer and fee-bump inner hash, and misses an unknown one", () => {
    const ledgers = mixedLedgers(30);
    const db = create();
    ingestAll(db, ledgers);
    let innerCount = 0;
    for (const ledger of ledgers) {
      for (const hash of ledger.summary!.txHashes) expect(db.txLedgerSeq(hash)).toBe(ledger.seq);
      for (const hash of ledger.summary!.innerHashes) expect(db.txLedgerSeq(hash)).toBe(ledger.seq);
      innerCount += ledger.summary!.innerHashes.length;
    }
    expect(innerCount).toBeGreaterThan(0);
    expect(db.txLedgerSeq(new Uint8Array(32).fill(0xab))).toBeUndefined();
    expect(() => db.txLedgerSeq(new Uint8Array(16))).toThrow(InvariantError);
  });

  test("eventsInLedgers() returns exactly the walker's events of any ledger range, in id order", () => {
    const ledgers = mixedLedgers(20);
    const db = create();
    ingestAll(db, ledgers);
    const all = expectedEvents(ledgers);
    expect(all.length).toBeGreaterThan(100);
    for (const [fromIndex, toIndex] of [[0, 19], [3, 3], [5, 11], [19, 19]] as const) {
      const from = ledgers[fromIndex]!.seq;
      const to = ledgers[toIndex]!.seq;
      const expected = all.filter((event) => event.ledgerSeq >= from && event.ledgerSeq <= to);
      expect(eventsAsHex(db.eventsInLedgers(from, to))).toEqual(eventsAsHex(expected));
    }
    expect(eventsAsHex(db.eventsInLedgers(seq(FIRST - 5), chunkLastLedger(chunk0)))).toEqual(eventsAsHex(all));
    expect(eventsAsHex(db.eventsInLedgers(FIRST, ledgers[19]!.seq, { limit: 7 }))).toEqual(eventsAsHex(all.slice(0, 7)));
  });

  test("eventsInLedgers() with terms returns the events carrying any of them, limited by id", () => {
    const ledgers = mixedLedgers(20);
    const db = create();
    ingestAll(db, ledgers);
    const all = expectedEvents(ledgers);
    const from = ledgers[2]!.seq;
    const to = ledgers[16]!.seq;
    const inRange = all.filter((event) => event.ledgerSeq >= from && event.ledgerSeq <= to);
    const contractTerm = inRange[0]!.termKeys[0]!;
    const topicTerm = inRange[inRange.length - 1]!.termKeys[1]!;
    const carrying = (terms: Uint8Array[]) =>
      inRange.filter((event) => event.termKeys.some((key) => terms.some((term) => hex(term) === hex(key))));
    expect(carrying([contractTerm]).length).toBeLessThan(inRange.length);
    expect(eventsAsHex(db.eventsInLedgers(from, to, { terms: [contractTerm] }))).toEqual(eventsAsHex(carrying([contractTerm])));
    const both = carrying([contractTerm, topicTerm]);
    expect(eventsAsHex(db.eventsInLedgers(from, to, { terms: [topicTerm, contractTerm] }))).toEqual(eventsAsHex(both));
    expect(eventsAsHex(db.eventsInLedgers(from, to, { terms: [topicTerm, contractTerm], limit: 3 }))).toEqual(eventsAsHex(both.slice(0, 3)));
    const absent = termKey(TERM_FIELD_CONTRACT_ID, new Uint8Array(32).fill(7));
    expect(db.eventsInLedgers(from, to, { terms: [absent] })).toEqual([]);
  });

  test("fixture ledgers: contract events and fee-bump inner hashes read back as the walker extracted them", () => {
    const loadTest = fixtureLedgers(expectedFixture("synthetic-v23-standalone"));
    const feeBumps = [...fixtureLedgers(expectedFixture("testnet-848581-v2")), ...fixtureLedgers(expectedFixture("testnet-848582-v2"))];
    const ledgers: TestLedger[] = [...loadTest, ...feeBumps].map((lcm, index) => ({
      seq: seq(FIRST + index),
      lcm: relabelLedger(lcm, seq(FIRST + index)),
      summary: undefined,
    }));
    const db = create();
    ingestAll(db, ledgers);
    const events = expectedEvents(ledgers);
    expect(events.length).toBe(2000 + 3); // v23: 2000 contract events; the v2 pair: 3 tx-level fee events
    expect(eventsAsHex(db.eventsInLedgers(FIRST, ledgers[ledgers.length - 1]!.seq))).toEqual(eventsAsHex(events));
    let innerCount = 0;
    for (const ledger of ledgers) {
      const view = walkLedger(ledger.lcm);
      for (const tx of view.transactions) {
        expect(db.txLedgerSeq(ledger.lcm.subarray(tx.hashOffset, tx.hashOffset + 32))).toBe(ledger.seq);
        if (tx.innerHashOffset === undefined) continue;
        innerCount += 1;
        expect(db.txLedgerSeq(ledger.lcm.subarray(tx.innerHashOffset, tx.innerHashOffset + 32))).toBe(ledger.seq);
      }
    }
    expect(innerCount).toBe(2);
  });
});
