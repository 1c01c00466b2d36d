import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { randomTxHash, seededRandom, writeRunOf } from "./_txhash_test_runs.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { TxhashEntries } from "./txhash_entries.ts";
import { type TxhashRunReader, openTxhashRun, txhashRunByteCount, writeTxhashRun } from "./txhash_run.ts";
import { TxhashWriteError } from "./txhash_write_error.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "txhash-run-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Reads every entry through the streaming reader as [key hex, seq]. */
function readAll(reader: TxhashRunReader): [string, number][] {
  const read: [string, number][] = [];
  while (reader.refill() > 0) {
    for (let slot = 0; slot < reader.bufferedCount; slot++) {
      const words = Array.from(reader.keyWords.subarray(4 * slot, 4 * slot + 4));
      read.push([words.map((word) => word.toString(16).padStart(8, "0")).join(""), reader.ledgerSeqs[slot]!]);
    }
    reader.cursor = reader.bufferedCount;
  }
  return read;
}

function hashOf(firstByte: number, fill: number): Uint8Array {
  const hash = new Uint8Array(32).fill(fill);
  hash[0] = firstByte;
  return hash;
}

test("writeTxhashRun() writes u64 LE count then sorted 20-byte [key][seq LE] entries (TestStreamingBin_MatchesSpecFormat)", async () => {
  const entries = new TxhashEntries();
  entries.add(hashOf(0x20, 0xbb), 0x01020304 as LedgerSeq);
  entries.add(hashOf(0x10, 0xaa), 7 as LedgerSeq);
  const path = join(dir, "00000000.bin");
  expect(await writeTxhashRun(path, entries)).toEqual({ entryCount: 2, byteCount: 48 });
  const expected = new Uint8Array(48);
  expected.set([2, 0, 0, 0, 0, 0, 0, 0], 0);
  expected.set(hashOf(0x10, 0xaa).subarray(0, 16), 8);
  expected.set([7, 0, 0, 0], 24);
  expected.set(hashOf(0x20, 0xbb).subarray(0, 16), 28);
  expected.set([4, 3, 2, 1], 44);
  expect(new Uint8Array(readFileSync(path))).toEqual(expected);
});

test("writeTxhashRun() keeps duplicate keys, ordered by seq", async () => {
  const path = await writeRunOf(join(dir, "dup.bin"), [30, 10, 20, 10].map((ledgerSeq) => [hashOf(0x33, 0x33), ledgerSeq]));
  const reader = openTxhashRun(path);
  expect(readAll(reader).map(([, ledgerSeq]) => ledgerSeq)).toEqual([10, 10, 20, 30]);
  reader.close();
});

test("writeTxhashRun() of no entries writes the 8-byte header alone", async () => {
  const path = join(dir, "empty.bin");
  expect(await writeTxhashRun(path, new TxhashEntries())).toEqual({ entryCount: 0, byteCount: 8 });
  const reader = openTxhashRun(path);
  expect(reader.entryCount).toBe(0);
  expect(reader.refill()).toBe(0);
  reader.close();
});

test("a run round-trips 20,000 random entries through a small read buffer", async () => {
  const random = seededRandom(11);
  const entries = new TxhashEntries();
  const expected: [string, number][] = [];
  for (let i = 0; i < 20_000; i++) {
    const hash = randomTxHash(random);
    const ledgerSeq = random() % 10_000;
    entries.add(hash, ledgerSeq as LedgerSeq);
    expected.push([Buffer.from(hash.subarray(0, 16)).toString("hex"), ledgerSeq]);
  }
  expected.sort((a, b) => (a[0] !== b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] - b[1]));
  const path = join(dir, "big.bin");
  await writeTxhashRun(path, entries);
  expect(readFileSync(path).length).toBe(txhashRunByteCount(20_000));
  const reader = openTxhashRun(path, { bufferBytes: 1000 });
  expect(readAll(reader)).toEqual(expected);
  reader.close();
});

test("openTxhashRun() rejects a file one byte short, naming file, size and count", async () => {
  const path = await writeRunOf(join(dir, "short.bin"), [[hashOf(1, 1), 5]]);
  truncateSync(path, 27);
  expect(() => openTxhashRun(path)).toThrow(CorruptFileError);
  expect(() => openTxhashRun(path)).toThrow(/short\.bin.*size 27 bytes, want 8 \+ 20 × 1/);
});

test("openTxhashRun() rejects a header that undercounts the entries", async () => {
  const path = await writeRunOf(join(dir, "undercount.bin"), [[hashOf(1, 1), 5], [hashOf(2, 2), 5]]);
  const bytes = readFileSync(path);
  bytes[0] = 1;
  writeFileSync(path, bytes);
  expect(() => openTxhashRun(path)).toThrow(CorruptFileError);
});

test("openTxhashRun() rejects a file shorter than the header and a missing file", () => {
  const path = join(dir, "tiny.bin");
  writeFileSync(path, new Uint8Array(5));
  expect(() => openTxhashRun(path)).toThrow(/shorter than the 8-byte header/);
  expect(() => openTxhashRun(join(dir, "absent.bin"))).toThrow(CorruptFileError);
});

test("the reader rejects an unsorted run at the offending entry", () => {
  const path = join(dir, "unsorted.bin");
  const bytes = new Uint8Array(8 + 40);
  bytes[0] = 2;
  bytes.set(hashOf(0x20, 0).subarray(0, 16), 8);
  bytes.set(hashOf(0x10, 0).subarray(0, 16), 28);
  writeFileSync(path, bytes);
  const reader = openTxhashRun(path);
  expect(() => reader.refill()).toThrow(/entry 1 at byte 28 is below its predecessor/);
  reader.close();
});

test("the reader rejects an entry below the last entry of its previous read", async () => {
  const path = join(dir, "unsorted-later.bin");
  const bytes = new Uint8Array(8 + 60);
  bytes[0] = 3;
  bytes.set(hashOf(0x10, 0).subarray(0, 16), 8);
  bytes.set(hashOf(0x30, 0).subarray(0, 16), 28);
  bytes.set(hashOf(0x20, 0).subarray(0, 16), 48);
  writeFileSync(path, bytes);
  const reader = openTxhashRun(path, { bufferBytes: 40 });
  expect(reader.refill()).toBe(2);
  reader.cursor = 1; // one entry unread: the refill keeps it, so entry 2's predecessor is in the buffer
  expect(() => reader.refill()).toThrow(/unsorted-later\.bin.*entry 2 at byte 48 is below its predecessor/);
  reader.close();
  const fresh = openTxhashRun(path, { bufferBytes: 40 });
  expect(fresh.refill()).toBe(2);
  fresh.cursor = 2; // all read: entry 2's predecessor is the kept last entry of the earlier read
  expect(() => fresh.refill()).toThrow(/entry 2 at byte 48 is below its predecessor/);
  fresh.close();
});

test("refill() keeps unread entries at slot 0 and returns them alone when the buffer is full of them", async () => {
  const path = await writeRunOf(join(dir, "keep.bin"), [[hashOf(1, 1), 5], [hashOf(2, 2), 6], [hashOf(3, 3), 7]]);
  const reader = openTxhashRun(path, { bufferBytes: 40, columns: false });
  expect(reader.refill()).toBe(2);
  expect(reader.refill()).toBe(2); // nothing read: no room
  reader.cursor = 1;
  expect(reader.refill()).toBe(2);
  expect(reader.bufferEntryIndex).toBe(1);
  expect(Array.from(reader.rawWords.subarray(0, 10)).filter((_, word) => word % 5 === 4)).toEqual([6, 7]);
  expect(reader.keyWords.length).toBe(0);
  reader.close();
});

test("the reader rejects a seq outside the ledger range, naming file and seq", async () => {
  const path = await writeRunOf(join(dir, "range.bin"), [[hashOf(1, 1), 100], [hashOf(2, 2), 201]]);
  const reader = openTxhashRun(path, { ledgerSeqMin: 100, ledgerSeqMax: 200 });
  expect(() => reader.refill()).toThrow(/range\.bin.*entry 1 at byte 28 has ledger seq 201 outside index coverage \[100, 200\]/);
  reader.close();
});

test("writeTxhashRun() into a missing directory throws TxhashWriteError and leaves no file", async () => {
  const path = join(dir, "no-such-dir", "00000001.bin");
  const entries = new TxhashEntries();
  entries.add(hashOf(1, 1), 5 as LedgerSeq);
  await expect(writeTxhashRun(path, entries)).rejects.toThrow(TxhashWriteError);
  expect(existsSync(path)).toBe(false);
});

test("writeTxhashRun() that hits the file-size limit removes the partial file (child process)", async () => {
  const path = join(dir, "limited.bin");
  const script = join(dir, "write_run.ts");
  writeFileSync(
    script,
    `import { TxhashEntries } from ${JSON.stringify(join(import.meta.dir, "txhash_entries.ts"))};
     import { writeTxhashRun } from ${JSON.stringify(join(import.meta.dir, "txhash_run.ts"))};
     const entries = new TxhashEntries();
     for (let i = 0; i < 100_000; i++) entries.add(new Uint8Array(32).fill(i & 0xff), i);
     try { await writeTxhashRun(${JSON.stringify(path)}, entries); console.log("written"); }
     catch (err) { console.log(err.name + ": " + err.message); }`,
  );
  // ulimit -f caps files at 64 KiB; SIGXFSZ ignored so write() fails with EFBIG instead of killing.
  const child = Bun.spawn(["bash", "-c", `trap '' XFSZ; ulimit -f 64; exec "${process.execPath}" "${script}"`], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const output = await new Response(child.stdout).text();
  expect(await child.exited).toBe(0);
  expect(output).toContain(`TxhashWriteError: Cannot write "${path}": EFBIG`);
  expect(existsSync(path)).toBe(false);
});
