import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { thrownError } from "../../test/support/thrown_error.ts";
import { InvariantError } from "../assert.ts";
import { type ChunkId, chunkFirstLedger, type LedgerSeq } from "../geometry/chunk.ts";
import { XdrError } from "../xdr/xdr_error.ts";
import { U32_MAX } from "./_hot_schema.ts";
import { dumpHotDb, relabelLedger, synthLedgers, type TestLedger } from "./_hot_test_support.ts";
import { type HotChunkDb, openHotChunkDb } from "./hot_chunk_db.ts";
import { HotIngestError } from "./hot_errors.ts";
import { checkPreparedBatch, type PreparedLedgerBatch, prepareLedgerBatch } from "./prepared_ledger_batch.ts";

const chunk0 = 0 as ChunkId;
const FIRST = chunkFirstLedger(chunk0);

let root: string;
const handles: HotChunkDb[] = [];
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "fullhistory-prepared-"));
});
afterEach(() => {
  for (const db of handles.splice(0)) db.close();
  rmSync(root, { recursive: true, force: true });
});

function create(name: string, chunkId: ChunkId = chunk0): HotChunkDb {
  const db = openHotChunkDb(join(root, name), { chunkId, create: true });
  handles.push(db);
  return db;
}

function mixedLedgers(count: number): TestLedger[] {
  return synthLedgers({ chunkId: chunk0, count, profile: "mixed", seed: 5 });
}

/** The first of `ledgers` with at least one event (the mixed profile has many). */
function ledgerWithEvents(ledgers: readonly TestLedger[]): TestLedger {
  const found = ledgers.find((ledger) => prepareLedgerBatch(ledger.seq, ledger.lcm, { firstEventId: 0, columnFamilyIds: [1, 2, 3, 4, 5] }).eventCount > 0);
  if (found === undefined) throw new Error("no mixed ledger with events");
  return found;
}

function prepare(db: HotChunkDb, ledger: TestLedger): PreparedLedgerBatch {
  return prepareLedgerBatch(ledger.seq, ledger.lcm, { firstEventId: db.committedEventCount(), columnFamilyIds: db.columnFamilyIds() });
}

/** Byte offset of the cf id of `prepared`'s last record, the events_offsets put: cf id, key length, 4-byte key, value length, 4-byte value. */
function lastRecordCfIdOffset(prepared: PreparedLedgerBatch): number {
  return prepared.rep.length - (1 + 1 + 4 + 1 + 4);
}

/** `prepared` with its rep bytes changed by `damage` (a copy). */
function damaged(prepared: PreparedLedgerBatch, damage: (rep: Uint8Array, view: DataView) => void): PreparedLedgerBatch {
  const rep = new Uint8Array(prepared.rep);
  damage(rep, new DataView(rep.buffer));
  return { ...prepared, rep };
}

describe("prepareLedgerBatch()", () => {
  test("batches all prepared ahead of their commits (event ids chained) leave the DB ingestLedger() leaves", () => {
    const ledgers = mixedLedgers(12);
    const viaIngest = create("ingest");
    const viaPrepared = create("prepared");
    let firstEventId = 0;
    const prepared = ledgers.map((ledger) => {
      const batch = prepareLedgerBatch(ledger.seq, ledger.lcm, { firstEventId, columnFamilyIds: viaPrepared.columnFamilyIds() });
      firstEventId += batch.eventCount;
      return batch;
    });
    for (const ledger of ledgers) viaIngest.ingestLedger(ledger.seq, ledger.lcm);
    for (const batch of prepared) viaPrepared.commitPreparedBatch(batch);
    viaIngest.close();
    viaPrepared.close();
    const dump = dumpHotDb(join(root, "prepared"));
    expect(dump).toEqual(dumpHotDb(join(root, "ingest")));
    expect(dump.events_data!.length).toBeGreaterThan(0);
  });

  test("prepareLedgerBatch() numbers the ledger's events from firstEventId", () => {
    const ledger = ledgerWithEvents(mixedLedgers(12));
    const fromZero = prepareLedgerBatch(ledger.seq, ledger.lcm, { firstEventId: 0, columnFamilyIds: [1, 2, 3, 4, 5] });
    const fromLater = prepareLedgerBatch(ledger.seq, ledger.lcm, { firstEventId: 300, columnFamilyIds: [1, 2, 3, 4, 5] });
    expect(fromLater.firstEventId).toBe(300);
    expect(fromLater.eventCount).toBe(fromZero.eventCount);
    expect(fromLater.putCount).toBe(fromZero.putCount);
    expect(Buffer.from(fromLater.rep).equals(Buffer.from(fromZero.rep))).toBe(false); // the id bytes differ
  });

  test("prepareLedgerBatch() refuses a ledger whose LedgerCloseMeta names another seq", () => {
    const ledger = mixedLedgers(3)[2]!;
    const error = thrownError(
      () => prepareLedgerBatch(ledger.seq, relabelLedger(ledger.lcm, (FIRST + 9) as LedgerSeq), { firstEventId: 0, columnFamilyIds: [1, 2, 3, 4, 5] }),
      HotIngestError,
    );
    expect(error.message).toBe(`Cannot ingest ledger ${ledger.seq} into the hot DB of chunk 00000000: its LedgerCloseMeta says ledger ${FIRST + 9}`);
  });

  test("prepareLedgerBatch() refuses a ledger that does not decode", () => {
    const ledger = mixedLedgers(1)[0]!;
    expect(() => prepareLedgerBatch(ledger.seq, ledger.lcm.subarray(0, 600), { firstEventId: 0, columnFamilyIds: [1, 2, 3, 4, 5] })).toThrow(XdrError);
  });

  test("prepareLedgerBatch() refuses events whose ids would pass u32", () => {
    const ledger = ledgerWithEvents(mixedLedgers(12));
    const error = thrownError(() => prepareLedgerBatch(ledger.seq, ledger.lcm, { firstEventId: U32_MAX, columnFamilyIds: [1, 2, 3, 4, 5] }), HotIngestError);
    expect(error.message).toContain("past u32-max event ids");
  });
});

describe("checkPreparedBatch()", () => {
  const ledger = mixedLedgers(1)[0]!;
  const good = (): PreparedLedgerBatch => prepareLedgerBatch(ledger.seq, ledger.lcm, { firstEventId: 0, columnFamilyIds: [1, 2, 3, 4, 5] });

  test("checkPreparedBatch() accepts what prepareLedgerBatch() makes", () => {
    expect(() => checkPreparedBatch(good())).not.toThrow();
  });

  const damages: Array<[string, (prepared: PreparedLedgerBatch) => PreparedLedgerBatch, RegExp]> = [
    ["a nonzero sequence", (p) => damaged(p, (_, view) => view.setUint32(0, 7, true)), /sequence field is not 0/],
    ["a header count off by one", (p) => damaged(p, (_, view) => view.setUint32(8, p.putCount + 1, true)), /header count is not/],
    ["a record that is not a column family put", (p) => damaged(p, (rep) => (rep[12] = 0x01)), /record 0 is not a column family put/],
    ["an unknown column family id", (p) => damaged(p, (rep) => (rep[13] = 9)), /names column family id 9/],
    ["a cut-off last record", (p) => ({ ...p, rep: p.rep.slice(0, p.rep.length - 2) }), /runs past the end/],
    ["another ledger's first key", (p) => ({ ...p, ledgerSeq: (p.ledgerSeq + 1) as LedgerSeq }), /first record's key is not the ledger/],
    ["a last record that is not the events_offsets put", (p) => damaged(p, (rep) => (rep[lastRecordCfIdOffset(p)] = 1)), /last record is not its events_offsets put/],
    ["a varint past u32", (p) => damaged(p, (rep) => rep.set([0xff, 0xff, 0xff, 0xff, 0x7f], 13)), /varint32 holds .* past u32/],
    ["a put count the records do not match", (p) => damaged({ ...p, putCount: p.putCount + 1 }, (_, view) => view.setUint32(8, p.putCount + 1, true)), /records, want/],
  ];
  test.each(damages)("checkPreparedBatch() rejects %s", (_, damage, message) => {
    const error = thrownError(() => checkPreparedBatch(damage(good())), InvariantError);
    expect(error.message).toMatch(message);
  });
});

describe("commitPreparedBatch()", () => {
  test("every hot DB names its column families by the same ids, in schema order", () => {
    expect(create("a").columnFamilyIds()).toEqual([1, 2, 3, 4, 5]);
    expect(create("b", 1 as ChunkId).columnFamilyIds()).toEqual([1, 2, 3, 4, 5]);
  });

  test("commitPreparedBatch() refuses a batch numbered from another event id, writing nothing", () => {
    const ledgers = mixedLedgers(3);
    const db = create("db");
    db.commitPreparedBatch(prepare(db, ledgers[0]!));
    const stale = prepareLedgerBatch(ledgers[1]!.seq, ledgers[1]!.lcm, { firstEventId: db.committedEventCount() + 1, columnFamilyIds: db.columnFamilyIds() });
    expect(() => db.commitPreparedBatch(stale)).toThrow(InvariantError);
    expect(db.maxCommittedSeq()).toBe(ledgers[0]!.seq);
  });

  test("commitPreparedBatch() refuses a batch naming other column family ids, writing nothing", () => {
    const ledger = mixedLedgers(1)[0]!;
    const db = create("db");
    const other = prepareLedgerBatch(ledger.seq, ledger.lcm, { firstEventId: 0, columnFamilyIds: [2, 3, 4, 5, 6] });
    const error = thrownError(() => db.commitPreparedBatch(other), InvariantError);
    expect(error.message).toContain("prepared for column family ids 2,3,4,5,6, this DB has 1,2,3,4,5");
    expect(db.maxCommittedSeq()).toBeUndefined();
  });

  test("commitPreparedBatch() refuses a malformed batch before RocksDB sees it, writing nothing", () => {
    const ledgers = mixedLedgers(2);
    const db = create("db");
    db.commitPreparedBatch(prepare(db, ledgers[0]!));
    const good = prepare(db, ledgers[1]!);
    // One record short of its header's count: RocksDB itself would apply the records, then fail.
    const short = damaged(good, (_, view) => view.setUint32(8, good.putCount + 1, true));
    const error = thrownError(() => db.commitPreparedBatch({ ...short, putCount: good.putCount + 1 }), InvariantError);
    expect(error.message).toContain(`${good.putCount} records, want ${good.putCount + 1}`);
    const reference = create("reference");
    reference.ingestLedger(ledgers[0]!.seq, ledgers[0]!.lcm);
    db.close();
    reference.close();
    expect(dumpHotDb(join(root, "db"))).toEqual(dumpHotDb(join(root, "reference")));
  });

  test("commitPreparedBatch() refuses a ledger that is already committed or past the next one", () => {
    const ledgers = mixedLedgers(3);
    const db = create("db");
    const first = prepare(db, ledgers[0]!);
    db.commitPreparedBatch(first);
    expect(thrownError(() => db.commitPreparedBatch(first), HotIngestError).message).toContain("it is already committed");
    const gap = prepareLedgerBatch(ledgers[2]!.seq, ledgers[2]!.lcm, { firstEventId: db.committedEventCount(), columnFamilyIds: db.columnFamilyIds() });
    expect(thrownError(() => db.commitPreparedBatch(gap), HotIngestError).message).toContain(`ledger ${FIRST + 1} must come next`);
    expect(db.maxCommittedSeq()).toBe(FIRST);
  });
});
