import { afterAll, beforeAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import { join } from "node:path";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { type CorruptionProbe, everyBit, everyShorterLength, oneBitPerByte, sweepCorruptions } from "./_corruption_sweep.ts";
import { TERM_FIELD_CONTRACT_ID, termKey, topicTermField } from "./event_terms.ts";
import type { EventsSegmentPaths } from "./events_segment.ts";
import { type EventsSegmentReader, openEventsSegment, type SegmentEvent } from "./events_segment_reader.ts";
import { createEventsSegmentWriter, type EventInput } from "./events_segment_writer.ts";
import { makeTempDir } from "./_test_support.ts";

const FIRST = 50_002 as LedgerSeq;
const LEDGER_COUNT = 12;
const seq = (n: number) => n as LedgerSeq;

let dir: { path: string; remove: () => void };
let paths: EventsSegmentPaths;
beforeAll(() => {
  dir = makeTempDir("events-segment-corruption");
  paths = {
    eventsPack: join(dir.path, "00000005-events.pack"),
    indexPack: join(dir.path, "00000005-index.pack"),
    indexHash: join(dir.path, "00000005-index.hash"),
  };
  const writer = createEventsSegmentWriter(paths, FIRST);
  for (let l = 0; l < LEDGER_COUNT; l++) writer.appendLedger(seq(FIRST + l), eventsOf(l));
  writer.finish();
});
afterAll(() => dir.remove());

const contractIdOf = (n: number) => new Uint8Array(32).fill(n + 1);
const topicOf = (n: number) => new Uint8Array([0, 0, 0, 15, n]);

/** Ledger l holds l % 4 events (ledger 0 none); three contracts, two topics. */
function eventsOf(l: number): EventInput[] {
  return Array.from({ length: l % 4 }, (_, e) => ({
    txHash: new Uint8Array(32).fill(e + 1),
    txIdx: e + 1,
    opIdx: e,
    eventIdx: e,
    ledgerClosedAt: 1_700_000_000 + 5 * l,
    contractEvent: new Uint8Array([0xce, l, e]),
    termKeys: [termKey(TERM_FIELD_CONTRACT_ID, contractIdOf((l + e) % 3)), termKey(topicTermField(0), topicOf(e % 2))],
  }));
}

const render = (events: SegmentEvent[]) =>
  events.map(({ eventId, payload }) => `${eventId}:${payload.ledgerSeq}:${Buffer.from(payload.contractEvent).toString("hex")}:${payload.txIdx}`).join(",");
const contractTerm = (n: number) => termKey(TERM_FIELD_CONTRACT_ID, contractIdOf(n));
const missingTerm = termKey(TERM_FIELD_CONTRACT_ID, contractIdOf(9));

const probe: CorruptionProbe<EventsSegmentReader> = {
  open: () => openEventsSegment(paths, { firstLedgerSeq: FIRST, ledgerCount: LEDGER_COUNT }),
  close: (reader) => reader.close(),
  reads: {
    counts: (reader) => `${reader.eventCount} ${reader.termCount} ${reader.firstLedgerSeq} ${reader.lastLedgerSeq}`,
    eventIdRange: (reader) => JSON.stringify(reader.eventIdRange(seq(FIRST + 3), seq(FIRST + 8))),
    allEvents: (reader) => render(reader.eventsInLedgers(FIRST, seq(FIRST + LEDGER_COUNT - 1))),
    someLedgers: (reader) => render(reader.eventsInLedgers(seq(FIRST + 5), seq(FIRST + 7), { limit: 4 })),
    ...Object.fromEntries(
      [0, 1, 2].map((n) => [`termIds(contract ${n})`, (reader: EventsSegmentReader) => Array.from(reader.termIds(contractTerm(n))).join(",")]),
    ),
    termIdsMiss: (reader) => Array.from(reader.termIds(missingTerm)).join(","),
    termIdsTopic: (reader) => Array.from(reader.termIds(termKey(topicTermField(0), topicOf(1)))).join(","),
    byTerms: (reader) => render(reader.eventsInLedgers(seq(FIRST + 2), seq(FIRST + 10), { terms: [contractTerm(1), contractTerm(2)] })),
    checkAllRecords: (reader) => {
      reader.checkAllRecords();
      return "ok";
    },
  },
};

test.each(["eventsPack", "indexPack"] as const)(
  "every bit flip and truncation of the %s is a CorruptFileError naming it or the original answer",
  (file) => {
    const path = paths[file];
    const clean = new Uint8Array(fs.readFileSync(path));
    const findings = sweepCorruptions(clean, { path, probe, plan: { bitOffsets: everyBit(clean.length), truncatedLengths: everyShorterLength(clean.length) } });
    expect(findings).toEqual([]);
  },
);

test("every fence and footer bit flip, one seeded bit per block byte and sampled truncations of the term dictionary are a CorruptFileError naming it or the original answer", () => {
  const path = paths.indexHash;
  const clean = new Uint8Array(fs.readFileSync(path));
  const blockBytes = clean.length - 40 - 16;
  const bits = [...oneBitPerByte({ fromByte: 0, endByte: blockBytes, seed: 7 }), ...everyBit(clean.length).filter((bit) => bit >> 3 >= blockBytes)];
  const truncations = [...everyShorterLength(clean.length)].filter((length) => length >= blockBytes - 64 || length % 97 === 0);
  const findings = sweepCorruptions(clean, { path, probe, plan: { bitOffsets: bits, truncatedLengths: truncations } });
  expect(findings).toEqual([]);
});
