import { afterEach, beforeEach, expect, test } from "bun:test";
import * as fs from "node:fs";
import { join } from "node:path";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { TERM_FIELD_CONTRACT_ID, termKey, topicTermField } from "./event_terms.ts";
import type { EventsSegmentPaths } from "./events_segment.ts";
import { openEventsSegment } from "./events_segment_reader.ts";
import { createEventsSegmentWriter, type EventInput, EventsSegmentError } from "./events_segment_writer.ts";
import { FileIoError } from "./file_io_error.ts";
import { compareTermKeys } from "./term_dictionary.ts";
import { makeTempDir } from "./_test_support.ts";

let dir: { path: string; remove: () => void };
beforeEach(() => {
  dir = makeTempDir("events-segment");
});
afterEach(() => dir.remove());

const FIRST = 50_002 as LedgerSeq;
const seq = (n: number) => n as LedgerSeq;

function pathsOf(name: string): EventsSegmentPaths {
  return {
    eventsPack: join(dir.path, `${name}-events.pack`),
    indexPack: join(dir.path, `${name}-index.pack`),
    indexHash: join(dir.path, `${name}-index.hash`),
  };
}

/** A generated event with the raw values its terms come from, for brute-force expectations. */
interface GeneratedEvent {
  ledgerSeq: number;
  input: EventInput;
  contractId: Uint8Array;
  topics: Uint8Array[];
}

const contractIdOf = (n: number) => new Uint8Array(32).fill(n + 1);
const topicOf = (position: number, n: number) => new Uint8Array([0, 0, 0, 15, position, n & 255, n >> 8]);

/** A deterministic chunk: ledgers with 0..12 events, 7 contracts, small and large topic pools. */
function generateChunk(ledgerCount: number): GeneratedEvent[][] {
  const ledgers: GeneratedEvent[][] = [];
  let state = 12345;
  const next = (bound: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return (state >>> 8) % bound; // the low bits of this LCG have short periods
  };
  for (let l = 0; l < ledgerCount; l++) {
    const events: GeneratedEvent[] = [];
    const eventCount = l % 5 === 3 ? 0 : next(13);
    for (let e = 0; e < eventCount; e++) {
      const contractId = contractIdOf(next(7));
      const topics = [topicOf(0, next(3)), topicOf(1, next(50)), topicOf(2, next(100_000))].slice(0, next(4));
      const termKeys = [termKey(TERM_FIELD_CONTRACT_ID, contractId), ...topics.map((t, i) => termKey(topicTermField(i), t))];
      const input: EventInput = {
        txHash: new Uint8Array(32).fill(e + 1),
        txIdx: e + 1,
        opIdx: e % 2 === 0 ? 0 : 0xffffffff,
        eventIdx: e,
        ledgerClosedAt: 1_700_000_000 + 5 * l,
        contractEvent: new Uint8Array([0xce, l & 255, e, ...topics.flatMap((t) => Array.from(t))]),
        termKeys,
      };
      events.push({ ledgerSeq: FIRST + l, input, contractId, topics });
    }
    ledgers.push(events);
  }
  return ledgers;
}

function writeSegment(paths: EventsSegmentPaths, ledgers: GeneratedEvent[][]): void {
  const writer = createEventsSegmentWriter(paths, FIRST);
  ledgers.forEach((events, l) => writer.appendLedger(seq(FIRST + l), events.map((event) => event.input)));
  writer.finish();
}

const LEDGERS = generateChunk(300);

function uniqueTermKeys(ledgers: GeneratedEvent[][]): Uint8Array[] {
  const byHex = new Map<string, Uint8Array>();
  for (const event of ledgers.flat()) for (const key of event.input.termKeys) byHex.set(Buffer.from(key).toString("hex"), key);
  return Array.from(byHex.values());
}
const ALL_EVENTS = LEDGERS.flat();

test("eventsInLedgers() returns every event with its id and payload, zero-event ledgers included", () => {
  const paths = pathsOf("00000005");
  writeSegment(paths, LEDGERS);
  const segment = openEventsSegment(paths, { firstLedgerSeq: FIRST, ledgerCount: 300 });
  try {
    expect(segment.eventCount).toBe(ALL_EVENTS.length);
    const events = segment.eventsInLedgers(FIRST, seq(FIRST + 299));
    expect(events.map((event) => event.eventId)).toEqual(ALL_EVENTS.map((_, id) => id));
    events.forEach(({ payload }, id) => {
      const expected = ALL_EVENTS[id]!;
      expect(payload.ledgerSeq).toBe(seq(expected.ledgerSeq));
      expect(payload.contractEvent).toEqual(expected.input.contractEvent);
      expect(payload.txHash).toEqual(expected.input.txHash);
      expect(payload.opIdx).toBe(expected.input.opIdx);
      expect(payload.ledgerClosedAt).toBe(expected.input.ledgerClosedAt);
    });
    expect(segment.eventsInLedgers(seq(FIRST + 3), seq(FIRST + 3))).toEqual([]); // ledger index 3 has no events
    const ledger10 = segment.eventsInLedgers(seq(FIRST + 10), seq(FIRST + 10));
    expect(ledger10.map((e) => e.payload.eventIdx)).toEqual(LEDGERS[10]!.map((e) => e.input.eventIdx));
    expect(segment.eventsInLedgers(seq(FIRST + 300), seq(FIRST + 400))).toEqual([]); // outside: clipped away
  } finally {
    segment.close();
  }
});

test("termIds() matches a brute-force scan for hits, misses and ledger-range clipping", () => {
  const paths = pathsOf("terms");
  writeSegment(paths, LEDGERS);
  const segment = openEventsSegment(paths, { firstLedgerSeq: FIRST, ledgerCount: 300 });
  try {
    const idsWith = (predicate: (event: GeneratedEvent) => boolean, from = 0, end = ALL_EVENTS.length) =>
      ALL_EVENTS.map((event, id) => (predicate(event) && id >= from && id < end ? id : -1)).filter((id) => id >= 0);
    const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
    for (let contract = 0; contract < 7; contract++) {
      const expected = idsWith((event) => sameBytes(event.contractId, contractIdOf(contract)));
      expect(Array.from(segment.termIds(termKey(TERM_FIELD_CONTRACT_ID, contractIdOf(contract))))).toEqual(expected);
    }
    const transferTopic = topicOf(0, 1);
    const range = segment.eventIdRange(seq(FIRST + 100), seq(FIRST + 199));
    expect(Array.from(segment.termIds(termKey(topicTermField(0), transferTopic), range))).toEqual(
      idsWith((event) => event.topics[0] !== undefined && sameBytes(event.topics[0], transferTopic), range.fromEventId, range.endEventId),
    );
    expect(segment.termIds(termKey(TERM_FIELD_CONTRACT_ID, contractIdOf(99)))).toEqual(new Uint32Array(0));
    // The same bytes in another topic position are another term.
    expect(segment.termIds(termKey(topicTermField(3), transferTopic))).toEqual(new Uint32Array(0));
    expect(segment.termCount).toBeGreaterThan(300); // several index-pack records and dictionary blocks
  } finally {
    segment.close();
  }
});

test("eventsInLedgers() with terms returns the OR of the terms in id order, up to the limit", () => {
  const paths = pathsOf("or");
  writeSegment(paths, LEDGERS);
  const segment = openEventsSegment(paths, { firstLedgerSeq: FIRST, ledgerCount: 300 });
  try {
    const terms = [termKey(TERM_FIELD_CONTRACT_ID, contractIdOf(2)), termKey(topicTermField(1), topicOf(1, 7))];
    const expected = ALL_EVENTS.map((event, id) => ({ event, id }))
      .filter(({ event }) => event.ledgerSeq >= FIRST + 20 && event.ledgerSeq <= FIRST + 250)
      .filter(({ event }) => event.contractId[0] === 3 || (event.topics[1] !== undefined && event.topics[1][5] === 7))
      .map(({ id }) => id);
    expect(expected.length).toBeGreaterThan(10);
    const found = segment.eventsInLedgers(seq(FIRST + 20), seq(FIRST + 250), { terms });
    expect(found.map((event) => event.eventId)).toEqual(expected);
    expect(found[0]!.payload.contractEvent).toEqual(ALL_EVENTS[expected[0]!]!.input.contractEvent);
    const limited = segment.eventsInLedgers(seq(FIRST + 20), seq(FIRST + 250), { terms, limit: 5 });
    expect(limited.map((event) => event.eventId)).toEqual(expected.slice(0, 5));
    expect(segment.eventsInLedgers(FIRST, seq(FIRST + 299), { limit: 3 }).map((e) => e.eventId)).toEqual([0, 1, 2]);
  } finally {
    segment.close();
  }
});

test("a segment of ledgers without events is valid: no events, no terms, every lookup misses", () => {
  const paths = pathsOf("quiet");
  const writer = createEventsSegmentWriter(paths, FIRST);
  for (let l = 0; l < 10; l++) writer.appendLedger(seq(FIRST + l), []);
  writer.finish();
  const segment = openEventsSegment(paths, { firstLedgerSeq: FIRST, ledgerCount: 10 });
  try {
    expect(segment.eventCount).toBe(0);
    expect(segment.termCount).toBe(0);
    expect(segment.eventsInLedgers(FIRST, seq(FIRST + 9))).toEqual([]);
    expect(segment.termIds(termKey(TERM_FIELD_CONTRACT_ID, contractIdOf(1)))).toEqual(new Uint32Array(0));
  } finally {
    segment.close();
  }
});

test("the writer produces identical bytes for identical input", () => {
  const a = pathsOf("a");
  const b = pathsOf("b");
  writeSegment(a, LEDGERS.slice(0, 80));
  writeSegment(b, LEDGERS.slice(0, 80));
  for (const key of ["eventsPack", "indexPack", "indexHash"] as const) {
    expect(fs.readFileSync(a[key]).equals(fs.readFileSync(b[key]))).toBe(true);
  }
});

test("appendLedger() copies the caller's bytes before returning", () => {
  const paths = pathsOf("copy");
  const writer = createEventsSegmentWriter(paths, FIRST);
  const contractEvent = new Uint8Array([1, 2, 3]);
  const key = termKey(TERM_FIELD_CONTRACT_ID, contractIdOf(1));
  const keyCopy = key.slice();
  writer.appendLedger(FIRST, [{ ...LEDGERS[0]![0]!.input, contractEvent, termKeys: [key] }]);
  contractEvent.fill(9); // the walker reuses its buffers
  key.fill(0);
  writer.finish();
  const segment = openEventsSegment(paths, { firstLedgerSeq: FIRST, ledgerCount: 1 });
  try {
    expect(segment.eventsInLedgers(FIRST, FIRST)[0]!.payload.contractEvent).toEqual(new Uint8Array([1, 2, 3]));
    expect(Array.from(segment.termIds(keyCopy))).toEqual([0]);
  } finally {
    segment.close();
  }
});

test("appendLedger() rejects a gap and a repeat; finish() with no ledgers leaves no files", () => {
  const paths = pathsOf("order");
  const writer = createEventsSegmentWriter(paths, FIRST);
  writer.appendLedger(FIRST, []);
  expect(() => writer.appendLedger(seq(FIRST + 2), [])).toThrow(EventsSegmentError);
  expect(() => writer.appendLedger(FIRST, [])).toThrow(/ledger 50003 must come next/);
  writer.close();
  expect(fs.existsSync(paths.eventsPack)).toBe(false);

  const empty = pathsOf("empty");
  const emptyWriter = createEventsSegmentWriter(empty, FIRST);
  expect(() => emptyWriter.finish()).toThrow(/no ledgers were appended/);
  for (const path of Object.values(empty)) expect(fs.existsSync(path)).toBe(false);
});

test("a failure while finishing removes all three files", () => {
  const paths = { ...pathsOf("fail"), indexHash: join(dir.path, "missing-dir", "fail-index.hash") };
  const writer = createEventsSegmentWriter(paths, FIRST);
  writer.appendLedger(FIRST, LEDGERS[0]!.map((event) => event.input));
  expect(() => writer.finish()).toThrow(FileIoError);
  for (const path of Object.values(paths)) expect(fs.existsSync(path)).toBe(false);
});

test("openEventsSegment() rejects a segment of other ledgers", () => {
  const paths = pathsOf("other");
  writeSegment(paths, LEDGERS.slice(0, 20));
  expect(() => openEventsSegment(paths, { firstLedgerSeq: seq(FIRST + 1), ledgerCount: 20 })).toThrow(
    /covers 20 ledgers from 50002, want 20 from 50003/,
  );
  expect(() => openEventsSegment(paths, { firstLedgerSeq: FIRST, ledgerCount: 10_000 })).toThrow(CorruptFileError);
});

test("openEventsSegment() rejects index files from another build of the chunk", () => {
  const a = pathsOf("x");
  const b = pathsOf("y");
  writeSegment(a, LEDGERS.slice(0, 50));
  writeSegment(b, LEDGERS.slice(1, 51)); // same ledger count, other events
  fs.copyFileSync(b.indexHash, a.indexHash);
  fs.copyFileSync(b.indexPack, a.indexPack);
  expect(() => openEventsSegment(a, { firstLedgerSeq: FIRST, ledgerCount: 50 })).toThrow(CorruptFileError);
});

test("a flipped LedgerOffsets byte that keeps the counts plausible is caught by the dictionary's binding CRC", () => {
  const paths = pathsOf("offsets");
  writeSegment(paths, LEDGERS.slice(0, 40));
  const bytes = new Uint8Array(fs.readFileSync(paths.eventsPack));
  const appDataStart = bytes.length - 76 - (9 + 4 * 40);
  const view = new DataView(bytes.buffer);
  // Pick a ledger whose even count can grow by one without passing the next: monotonic, same total.
  let ledger = 0;
  const countAt = (i: number) => view.getUint32(appDataStart + 9 + 4 * i, false);
  while (ledger < 38 && !(countAt(ledger) % 2 === 0 && countAt(ledger) + 1 <= countAt(ledger + 1))) ledger++;
  bytes[appDataStart + 9 + 4 * ledger + 3]! ^= 0x01;
  fs.writeFileSync(paths.eventsPack, bytes);
  expect(() => openEventsSegment(paths, { firstLedgerSeq: FIRST, ledgerCount: 40 })).toThrow(/offsets-index.hash" recorded/);
});

test("a corrupt posting list or payload record is an error naming its file", () => {
  const paths = pathsOf("rot");
  writeSegment(paths, LEDGERS.slice(0, 150));
  const index = new Uint8Array(fs.readFileSync(paths.indexPack));
  index[3]! ^= 0x20; // inside record 0's posting lists (CRC32C codec)
  fs.writeFileSync(paths.indexPack, index);
  const events = new Uint8Array(fs.readFileSync(paths.eventsPack));
  events[30]! ^= 0x20; // inside record 0's zstd frame
  fs.writeFileSync(paths.eventsPack, events);
  const segment = openEventsSegment(paths, { firstLedgerSeq: FIRST, ledgerCount: 150 });
  try {
    expect(() => segment.eventsInLedgers(FIRST, seq(FIRST + 149))).toThrow(/rot-events.pack/);
    // Record 0 of the index pack holds the posting lists of the 128 smallest term keys.
    const termsByKey = uniqueTermKeys(LEDGERS.slice(0, 150)).sort((x, y) => compareTermKeys(x, y));
    expect(termsByKey.length).toBeGreaterThan(128);
    expect(() => segment.termIds(termsByKey[0]!)).toThrow(/rot-index.pack.*record 0/);
    expect(segment.termIds(termsByKey[128]!).length).toBeGreaterThan(0);
  } finally {
    segment.close();
  }
});
