import { afterEach, beforeEach, expect, test } from "bun:test";
import * as fs from "node:fs";
import { join } from "node:path";
import { InvariantError } from "../assert.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { decodeLedgerPackAppData, encodeLedgerPackAppData } from "./ledger_pack.ts";
import { openLedgerPack } from "./ledger_pack_reader.ts";
import { createLedgerPackWriter, LedgerPackError } from "./ledger_pack_writer.ts";
import { createPackfileWriter } from "./packfile_writer.ts";
import { stracedCommand } from "../../test/support/strace.ts";
import { hexOf, makeTempDir, pseudoRandomBytes } from "./_test_support.ts";
import { ZSTD_CODEC } from "./zstd_codec.ts";

let dir: { path: string; remove: () => void };
beforeEach(() => {
  dir = makeTempDir("ledger-pack");
});
afterEach(() => dir.remove());

const FIRST = 50_002 as LedgerSeq;
const seq = (n: number) => n as LedgerSeq;

/** Stand-in LedgerCloseMeta bytes: compressible, distinct per ledger. */
function lcmOf(ledgerSeq: number): Uint8Array {
  const bytes = new Uint8Array(500 + (ledgerSeq % 300));
  new DataView(bytes.buffer).setUint32(0, ledgerSeq, false);
  bytes.set(pseudoRandomBytes(40, ledgerSeq), 4);
  return bytes;
}

function writeLedgers(path: string, ledgers: { first: number; count: number }): void {
  const { first, count } = ledgers;
  const writer = createLedgerPackWriter(path, seq(first));
  for (let n = first; n < first + count; n++) writer.append(seq(n), lcmOf(n));
  writer.finish();
}

test("encodeLedgerPackAppData() writes the first ledger big-endian (§8.4)", () => {
  expect(hexOf(encodeLedgerPackAppData(seq(50_002)))).toBe("00 00 c3 52");
  expect(decodeLedgerPackAppData(encodeLedgerPackAppData(seq(50_002)), "p")).toBe(seq(50_002));
});

test("a ledger pack round-trips every ledger by sequence and by range", () => {
  const path = join(dir.path, "00000005.pack");
  writeLedgers(path, { first: FIRST, count: 25 });
  const pack = openLedgerPack(path, { firstLedgerSeq: FIRST, ledgerCount: 25 });
  try {
    expect(pack.lastLedgerSeq).toBe(seq(FIRST + 24));
    for (let n = FIRST; n < FIRST + 25; n++) expect(pack.ledger(seq(n))).toEqual(lcmOf(n));
    expect(Array.from(pack.ledgers(seq(FIRST + 3), seq(FIRST + 7)))).toEqual([3, 4, 5, 6, 7].map((i) => lcmOf(FIRST + i)));
    expect(Array.from(pack.ledgers(FIRST, FIRST))).toEqual([lcmOf(FIRST)]);
    expect(() => pack.ledger(seq(FIRST + 25))).toThrow(InvariantError);
    expect(() => pack.ledger(seq(FIRST - 1))).toThrow(InvariantError);
  } finally {
    pack.close();
  }
});

test("the pack's appData is the first ledger, just before the trailer", () => {
  const path = join(dir.path, "appdata.pack");
  writeLedgers(path, { first: FIRST, count: 2 });
  const bytes = new Uint8Array(fs.readFileSync(path));
  expect(hexOf(bytes.subarray(bytes.length - 80, bytes.length - 76))).toBe("00 00 c3 52");
});

test("append() rejects a gap, a repeat and an out-of-order ledger, then still accepts the right one", () => {
  const writer = createLedgerPackWriter(join(dir.path, "order.pack"), FIRST);
  try {
    writer.append(FIRST, lcmOf(FIRST));
    expect(() => writer.append(seq(FIRST + 2), lcmOf(FIRST + 2))).toThrow(LedgerPackError);
    expect(() => writer.append(FIRST, lcmOf(FIRST))).toThrow(/ledger 50003 must come next/);
    expect(() => writer.append(seq(FIRST - 1), lcmOf(FIRST - 1))).toThrow(LedgerPackError);
    writer.append(seq(FIRST + 1), lcmOf(FIRST + 1));
    expect(writer.ledgerCount).toBe(2);
  } finally {
    writer.close();
  }
});

test("finish() with zero ledgers is rejected and leaves no file", () => {
  const path = join(dir.path, "zero.pack");
  const writer = createLedgerPackWriter(path, FIRST);
  expect(() => writer.finish()).toThrow(/no ledgers were appended/);
  expect(fs.existsSync(path)).toBe(false);
});

test("openLedgerPack() rejects a pack of other ledgers, naming what it holds and what was wanted", () => {
  const path = join(dir.path, "other.pack");
  writeLedgers(path, { first: FIRST, count: 3 });
  expect(() => openLedgerPack(path, { firstLedgerSeq: seq(60_002), ledgerCount: 3 })).toThrow(
    /holds 3 ledgers from 50002, want 3 ledgers from 60002/,
  );
  expect(() => openLedgerPack(path, { firstLedgerSeq: FIRST, ledgerCount: 10_000 })).toThrow(CorruptFileError);
});

test("openLedgerPack() rejects a flipped appData byte", () => {
  const path = join(dir.path, "flip.pack");
  writeLedgers(path, { first: FIRST, count: 3 });
  const bytes = new Uint8Array(fs.readFileSync(path));
  bytes[bytes.length - 77]! ^= 0x01;
  fs.writeFileSync(path, bytes);
  expect(() => openLedgerPack(path, { firstLedgerSeq: FIRST, ledgerCount: 3 })).toThrow(/holds 3 ledgers from 50003/);
});

test("openLedgerPack() rejects another packfile format and a malformed appData", () => {
  const events = join(dir.path, "events.pack");
  const writer = createPackfileWriter(events, { format: 0xfe1e000c, itemsPerRecord: 1, codec: ZSTD_CODEC });
  writer.append(lcmOf(1));
  writer.finish(encodeLedgerPackAppData(FIRST));
  expect(() => openLedgerPack(events, { firstLedgerSeq: FIRST, ledgerCount: 1 })).toThrow(/holds format 0xfe1e000c/);

  const wide = join(dir.path, "wide.pack");
  const wideWriter = createPackfileWriter(wide, { format: 1, itemsPerRecord: 1, codec: ZSTD_CODEC });
  wideWriter.append(lcmOf(1));
  wideWriter.finish(new Uint8Array(8));
  expect(() => openLedgerPack(wide, { firstLedgerSeq: FIRST, ledgerCount: 1 })).toThrow(/appData is 8 bytes/);
});

test("ledger() reports a corrupt record as CorruptFileError naming the file", () => {
  const path = join(dir.path, "00000005.pack");
  writeLedgers(path, { first: FIRST, count: 3 });
  const bytes = new Uint8Array(fs.readFileSync(path));
  bytes[20]! ^= 0x40; // inside record 0's zstd frame
  fs.writeFileSync(path, bytes);
  const pack = openLedgerPack(path, { firstLedgerSeq: FIRST, ledgerCount: 3 });
  try {
    expect(() => pack.ledger(FIRST)).toThrow(/00000005.pack.*record 0/);
    expect(pack.ledger(seq(FIRST + 1))).toEqual(lcmOf(FIRST + 1));
  } finally {
    pack.close();
  }
});

const LEDGER_PACK_READER_MODULE = join(import.meta.dir, "ledger_pack_reader.ts");

test("ledger() reads a ledger from a 10,000-record pack with ONE read after open (strace)", () => {
  const path = join(dir.path, "00000007.pack");
  writeLedgers(path, { first: FIRST, count: 10_000 });
  const wanted = seq(FIRST + 6_789);
  // The child opens the pack, touches a marker path, reads one ledger, touches another marker:
  // every read syscall strace sees on the pack's fd between the markers is the ledger's.
  const script =
    `import { existsSync } from "node:fs"; import { openLedgerPack } from ${JSON.stringify(LEDGER_PACK_READER_MODULE)};` +
    `const [path, first, wanted] = JSON.parse(process.argv.at(-1));` +
    `const pack = openLedgerPack(path, { firstLedgerSeq: first, ledgerCount: 10000 });` +
    `existsSync(path + ".opened"); const bytes = pack.ledger(wanted); existsSync(path + ".read");` +
    `process.stdout.write(Buffer.from(bytes).toString("hex"));`;
  const tracePath = join(dir.path, "reads.trace");
  const command = stracedCommand([process.execPath, "-e", script, JSON.stringify([path, FIRST, wanted])], {
    syscalls: "%file,read,pread64,readv,preadv,preadv2",
    tracePath,
  });
  const child = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe" });
  expect(child.stderr.toString()).toBe("");
  expect(child.exitCode).toBe(0);
  expect(child.stdout.toString()).toBe(Buffer.from(lcmOf(wanted)).toString("hex"));
  const lines = fs.readFileSync(tracePath, "utf8").split("\n");
  const opened = lines.findIndex((line) => line.includes(`${path}.opened`));
  const read = lines.findIndex((line) => line.includes(`${path}.read`));
  expect(opened).toBeGreaterThan(-1);
  expect(read).toBeGreaterThan(opened);
  const packReads = lines.slice(opened + 1, read).filter((line) => line.includes(`<${path}>`));
  expect(packReads).toHaveLength(1);
  expect(packReads[0]).toMatch(/^\d+\s+pread64\(/);
});
