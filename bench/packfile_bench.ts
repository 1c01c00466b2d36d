/**
 * Packfile formats (src/formats) against their floors, measured on the same data in the same run:
 *   ledger_pack_write   — ledger pack writer, raw MB/s in; floor = zstdEncode of the same ledgers
 *                         plus one sequential write + fsync of the compressed bytes
 *   ledger_pack_scan    — ledgers(first, last), raw MB/s out; floor = one read of the record bytes
 *                         plus Bun.zstdDecompressSync of each record
 *   ledger_pack_get     — ledger(seq) at random seqs, ops/s; floor = pread of that record + decompress
 *   event_term_key      — termKey() on topic-sized values, keys/s; floor = the bare
 *                         MurmurHash3_x86_128 of the same values into one reused output
 *   events_segment_write — appendLedger … finish() of a synthetic chunk, events/s; floor = zstd of
 *                         the same payloads in records of 128 plus writing them
 *   events_term_lookup  — termIds() of random present contract-id terms, lookups/s; floor = the two
 *                         preads a lookup needs (one 4 KiB dictionary block, one average-size
 *                         index-pack record), without any checking or decoding
 * Synthetic XDR-like data (random hashes among repeated account ids and small integers). Each
 * figure is the best of 3 runs. Prints `bench <name>: <value> <unit> | floor <value> <unit> | ratio <value/floor>`.
 */

import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LedgerSeq } from "../src/geometry/chunk.ts";
import { encodeEventPayload } from "../src/formats/event_payload.ts";
import { TERM_FIELD_CONTRACT_ID, termKey, topicTermField } from "../src/formats/event_terms.ts";
import { murmur3X86_128 } from "../src/formats/_murmur3_x86_128.ts";
import { openEventsSegment } from "../src/formats/events_segment_reader.ts";
import { createEventsSegmentWriter, type EventInput } from "../src/formats/events_segment_writer.ts";
import { openLedgerPack } from "../src/formats/ledger_pack_reader.ts";
import { createLedgerPackWriter } from "../src/formats/ledger_pack_writer.ts";
import { zstdEncode } from "../src/formats/zstd_codec.ts";

const LEDGER_COUNT = 600;
const LEDGER_BYTES = 60_000;
const RANDOM_GETS = 3000;
const EVENT_LEDGERS = 1000;
const EVENTS_PER_LEDGER = 300;
const TERM_KEYS = 500_000;
const LOOKUPS = 3000;
const RUNS = 3;
const FIRST = 50_002 as LedgerSeq;

let seed = 0x2545f491;
function random(bound: number): number {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed % bound;
}
function randomBytes(count: number): Uint8Array {
  const bytes = new Uint8Array(count);
  for (let i = 0; i < count; i++) bytes[i] = random(256);
  return bytes;
}

const ACCOUNTS = Array.from({ length: 200 }, () => randomBytes(32));

/** XDR-like bytes: entries of [tag][random hash][a frequent account id][small amount][zero pad]. */
function syntheticLedger(byteCount: number): Uint8Array {
  const bytes = new Uint8Array(byteCount);
  const view = new DataView(bytes.buffer);
  for (let offset = 0; offset + 96 <= byteCount; offset += 96) {
    view.setUint32(offset, random(12), false);
    bytes.set(randomBytes(32), offset + 4);
    bytes.set(ACCOUNTS[random(ACCOUNTS.length)]!, offset + 36);
    view.setUint32(offset + 72, random(100_000), false);
  }
  return bytes;
}

function bestSeconds(run: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < RUNS; attempt++) {
    const started = performance.now();
    run();
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  return best;
}

function report(name: string, figure: { value: number; floor: number; unit: string }): void {
  const { value, floor, unit } = figure;
  console.log(`bench ${name}: ${value.toFixed(1)} ${unit} | floor ${floor.toFixed(1)} ${unit} | ratio ${(value / floor).toFixed(2)}`);
}

function writeAndSync(path: string, parts: Uint8Array[]): void {
  const fd = fs.openSync(path, "w");
  for (const part of parts) fs.writeSync(fd, part);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
}

function benchLedgerPack(dir: string): void {
  const ledgers = Array.from({ length: LEDGER_COUNT }, () => syntheticLedger(LEDGER_BYTES));
  const rawMegabytes = (LEDGER_COUNT * LEDGER_BYTES) / 1e6;
  const packPath = join(dir, "00000005.pack");
  const writeSeconds = bestSeconds(() => {
    const writer = createLedgerPackWriter(packPath, FIRST);
    ledgers.forEach((lcm, i) => writer.append((FIRST + i) as LedgerSeq, lcm));
    writer.finish();
  });
  let frames: Uint8Array[] = [];
  const floorWriteSeconds = bestSeconds(() => {
    frames = ledgers.map(zstdEncode);
    writeAndSync(join(dir, "floor.bin"), frames);
  });
  report("ledger_pack_write", { value: rawMegabytes / writeSeconds, floor: rawMegabytes / floorWriteSeconds, unit: "MB/s" });

  const last = (FIRST + LEDGER_COUNT - 1) as LedgerSeq;
  const pack = openLedgerPack(packPath, { firstLedgerSeq: FIRST, ledgerCount: LEDGER_COUNT });
  const scanSeconds = bestSeconds(() => {
    for (const lcm of pack.ledgers(FIRST, last)) if (lcm.length !== LEDGER_BYTES) throw new Error("short ledger");
  });
  const frameOffsets = [0];
  for (const frame of frames) frameOffsets.push(frameOffsets[frameOffsets.length - 1]! + frame.length);
  const floorFd = fs.openSync(join(dir, "floor.bin"), "r");
  const floorScanSeconds = bestSeconds(() => {
    const all = new Uint8Array(frameOffsets[LEDGER_COUNT]!);
    fs.readSync(floorFd, all, 0, all.length, 0);
    for (let i = 0; i < LEDGER_COUNT; i++) Bun.zstdDecompressSync(all.subarray(frameOffsets[i]!, frameOffsets[i + 1]!));
  });
  report("ledger_pack_scan", { value: rawMegabytes / scanSeconds, floor: rawMegabytes / floorScanSeconds, unit: "MB/s" });

  const picks = Array.from({ length: RANDOM_GETS }, () => random(LEDGER_COUNT));
  const getSeconds = bestSeconds(() => {
    for (const pick of picks) pack.ledger((FIRST + pick) as LedgerSeq);
  });
  const floorGetSeconds = bestSeconds(() => {
    for (const pick of picks) {
      const record = new Uint8Array(frameOffsets[pick + 1]! - frameOffsets[pick]!);
      fs.readSync(floorFd, record, 0, record.length, frameOffsets[pick]!);
      Bun.zstdDecompressSync(record);
    }
  });
  report("ledger_pack_get", { value: RANDOM_GETS / getSeconds, floor: RANDOM_GETS / floorGetSeconds, unit: "ops/s" });
  fs.closeSync(floorFd);
  pack.close();
}

function benchTermKeys(): void {
  const values = Array.from({ length: 1000 }, (_, i) => randomBytes(20 + (i % 40)));
  const out = new Uint8Array(16);
  const keySeconds = bestSeconds(() => {
    for (let i = 0; i < TERM_KEYS; i++) termKey(topicTermField(1), values[i % 1000]!);
  });
  const floorSeconds = bestSeconds(() => {
    for (let i = 0; i < TERM_KEYS; i++) {
      const value = values[i % 1000]!;
      murmur3X86_128(value, { byteOffset: 0, byteLength: value.length, seed: 2, out });
    }
  });
  report("event_term_key", { value: TERM_KEYS / keySeconds, floor: TERM_KEYS / floorSeconds, unit: "keys/s" });
}

/** A synthetic chunk: 7 topic0 symbols, 5000 contracts, 50k addresses, a unique amount topic. */
function syntheticEvents(): EventInput[][] {
  const contracts = Array.from({ length: 5000 }, () => randomBytes(32));
  const ledgers: EventInput[][] = [];
  for (let l = 0; l < EVENT_LEDGERS; l++) {
    const events: EventInput[] = [];
    for (let e = 0; e < EVENTS_PER_LEDGER; e++) {
      const contractId = contracts[random(contracts.length)]!;
      const topics = [new Uint8Array([0, 0, 0, 15, random(7)]), randomBytes(40).fill(random(256), 0, 30), randomBytes(12)];
      events.push({
        txHash: randomBytes(32),
        txIdx: 1 + (e >> 2),
        opIdx: e & 3,
        eventIdx: 0,
        ledgerClosedAt: 1_700_000_000 + 5 * l,
        contractEvent: new Uint8Array([...contractId, ...topics.flatMap((topic) => Array.from(topic)), ...randomBytes(60)]),
        termKeys: [termKey(TERM_FIELD_CONTRACT_ID, contractId), ...topics.map((topic, i) => termKey(topicTermField(i), topic))],
      });
    }
    ledgers.push(events);
  }
  return ledgers;
}

function benchEventsSegment(dir: string): void {
  const ledgers = syntheticEvents();
  const eventCount = EVENT_LEDGERS * EVENTS_PER_LEDGER;
  const paths = {
    eventsPack: join(dir, "00000005-events.pack"),
    indexPack: join(dir, "00000005-index.pack"),
    indexHash: join(dir, "00000005-index.hash"),
  };
  const writeSeconds = bestSeconds(() => {
    const writer = createEventsSegmentWriter(paths, FIRST);
    ledgers.forEach((events, l) => writer.appendLedger((FIRST + l) as LedgerSeq, events));
    writer.finish();
  });
  const payloads = ledgers.flatMap((events, l) => events.map((event) => encodeEventPayload({ ...event, ledgerSeq: (FIRST + l) as LedgerSeq })));
  const floorSeconds = bestSeconds(() => {
    const records: Uint8Array[] = [];
    for (let start = 0; start < payloads.length; start += 128) {
      const group = payloads.slice(start, start + 128);
      const raw = new Uint8Array(group.reduce((sum, payload) => sum + payload.length, 0));
      let offset = 0;
      for (const payload of group) {
        raw.set(payload, offset);
        offset += payload.length;
      }
      records.push(zstdEncode(raw));
    }
    writeAndSync(join(dir, "floor-events.bin"), records);
  });
  report("events_segment_write", { value: eventCount / writeSeconds, floor: eventCount / floorSeconds, unit: "events/s" });

  const segment = openEventsSegment(paths, { firstLedgerSeq: FIRST, ledgerCount: EVENT_LEDGERS });
  // Probe contract-id terms: the common selective filter (~60 events each here).
  const probes = Array.from({ length: LOOKUPS }, () => ledgers[random(EVENT_LEDGERS)]![random(EVENTS_PER_LEDGER)]!.termKeys[0]!);
  const lookupSeconds = bestSeconds(() => {
    for (const probe of probes) if (segment.termIds(probe).length === 0) throw new Error("present term missed");
  });
  const hashFd = fs.openSync(paths.indexHash, "r");
  const packFd = fs.openSync(paths.indexPack, "r");
  const hashBlocks = Math.floor(fs.fstatSync(hashFd).size / 4096);
  const recordCount = Math.ceil(segment.termCount / 128);
  const recordBytes = Math.floor(fs.fstatSync(packFd).size / recordCount); // the average record
  const block = new Uint8Array(4096);
  const record = new Uint8Array(recordBytes);
  const floorLookupSeconds = bestSeconds(() => {
    for (let i = 0; i < LOOKUPS; i++) {
      fs.readSync(hashFd, block, 0, 4096, 4096 * random(hashBlocks));
      fs.readSync(packFd, record, 0, recordBytes, recordBytes * random(recordCount - 1));
    }
  });
  report("events_term_lookup", { value: LOOKUPS / lookupSeconds, floor: LOOKUPS / floorLookupSeconds, unit: "lookups/s" });
  fs.closeSync(hashFd);
  fs.closeSync(packFd);
  console.log(
    `# events segment: ${eventCount} events, ${segment.termCount} terms; ` +
      `bytes: events.pack ${fs.statSync(paths.eventsPack).size}, index.pack ${fs.statSync(paths.indexPack).size}, ` +
      `index.hash ${fs.statSync(paths.indexHash).size}`,
  );
  segment.close();
}

const dir = fs.mkdtempSync(join(tmpdir(), "fullhistory-packfile-bench-"));
try {
  benchLedgerPack(dir);
  benchTermKeys();
  benchEventsSegment(dir);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
