import { afterEach, beforeEach, expect, test } from "bun:test";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvariantError } from "../assert.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { TxhashIndexEncoder, writeCountsAndFooter } from "./_txhash_index_encoder.ts";
import { txhashIndexParams } from "./_txhash_index_layout.ts";
import { TxhashIndexBatch } from "./_txhash_index_batch.ts";
import { TXHASH_RUN_ENTRY_WORDS } from "./txhash_entries.ts";

let dir: string;
let fd: number;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "txhash-encoder-"));
  fd = openSync(join(dir, "x.idx"), "w");
});
afterEach(async () => {
  closeSync(fd);
  await rm(dir, { recursive: true, force: true });
});

/** A batch of the index entries of (hash, seq) pairs, in the given order (as the merge's heap fallback fills it). */
function batchOfHashes(pairs: readonly { hash: Uint8Array; ledgerSeq: number }[]): TxhashIndexBatch {
  const batch = new TxhashIndexBatch(pairs.length);
  const runEntry = new Uint32Array(TXHASH_RUN_ENTRY_WORDS);
  for (const { hash, ledgerSeq } of pairs) {
    runEntry.set(new Uint32Array(hash.slice(0, 16).buffer)); // run layout: key bytes loaded as u32 LE
    runEntry[4] = ledgerSeq;
    batch.appendRunEntry(runEntry, 0);
  }
  return batch;
}

function entriesOf(pairs: [number, number][]): TxhashIndexBatch {
  return batchOfHashes(pairs.map(([firstByte, ledgerSeq]) => ({ hash: new Uint8Array(32).fill(firstByte), ledgerSeq })));
}

function encoderFor(keyCount: number): TxhashIndexEncoder {
  return new TxhashIndexEncoder(fd, { params: txhashIndexParams(keyCount), minLedger: 100, keyCount, byteOffset: 64 });
}

test("addBatch() rejects keys that go backwards (the merge's order is an invariant)", () => {
  expect(() => encoderFor(2).addBatch(entriesOf([[0x80, 100], [0x10, 100]]))).toThrow(InvariantError);
});

test("addBatch() rejects a seq below the first ledger", () => {
  expect(() => encoderFor(1).addBatch(entriesOf([[0x80, 99]]))).toThrow(InvariantError);
});

test("finishBlocks() rejects fewer keys than announced", () => {
  const encoder = encoderFor(3);
  encoder.addBatch(entriesOf([[0x10, 100], [0x20, 101]]));
  expect(() => encoder.finishBlocks()).toThrow(/encoded 2 keys, want 3/);
});

test("finishBlocks() reports the block data size and count of one block; the footer ends the file", () => {
  const encoder = encoderFor(2);
  encoder.addBatch(entriesOf([[0x10, 100], [0x20, 101]]));
  // K = 0, U = 1: entries 2 words, upper ceil((2 + 2) / 32) = 1 word, CRC 1 word.
  const encoded = encoder.finishBlocks();
  expect(encoded).toEqual({ blockDataBytes: 16, counts: new Uint32Array([2]) });
  expect(writeCountsAndFooter(fd, { ...encoded, keyCount: 2 })).toBe(64 + 16 + 4 + 32);
});

test("writeCountsAndFooter() rejects counts that do not sum to the key count", () => {
  expect(() => writeCountsAndFooter(fd, { counts: new Uint32Array([1, 1]), keyCount: 3, blockDataBytes: 0 })).toThrow(/sum to 2, want 3/);
});

/** `keyCount` keys in total order over the whole prefix space; every 5th prefix carries 3 keys whose seqs descend. */
function sortedPairsWithSharedQuotients(keyCount: number): { hash: Uint8Array; ledgerSeq: LedgerSeq }[] {
  const pairs: { hash: Uint8Array; ledgerSeq: LedgerSeq }[] = [];
  for (let prefixIndex = 0; pairs.length < keyCount; prefixIndex++) {
    const prefix48 = Math.floor((prefixIndex * 2 ** 48) / keyCount);
    const sharing = prefixIndex % 5 === 0 ? 3 : 1;
    for (let copy = 0; copy < sharing && pairs.length < keyCount; copy++) {
      const hash = new Uint8Array(32);
      for (let byteIndex = 0; byteIndex < 6; byteIndex++) hash[byteIndex] = Math.floor(prefix48 / 2 ** (40 - 8 * byteIndex)) % 256;
      hash[6] = copy; // later keys of one prefix sort after the first ...
      pairs.push({ hash, ledgerSeq: (100 + 1000 - copy - (prefixIndex % 7)) as LedgerSeq }); // ... with lower seqs
    }
  }
  return pairs;
}

function encodedBytes(batches: TxhashIndexBatch[], keyCount: number): Buffer {
  const path = join(dir, `batches-${batches.length}.idx`);
  const batchFd = openSync(path, "w");
  try {
    const encoder = new TxhashIndexEncoder(batchFd, { params: txhashIndexParams(keyCount), minLedger: 100, keyCount, byteOffset: 64 });
    for (const batch of batches) encoder.addBatch(batch);
    writeCountsAndFooter(batchFd, { ...encoder.finishBlocks(), keyCount });
  } finally {
    closeSync(batchFd);
  }
  return readFileSync(path);
}

test("the encoded bytes do not depend on where batches cut runs and blocks", () => {
  const keyCount = 5000;
  const pairs = sortedPairsWithSharedQuotients(keyCount);
  expect(pairs.length).toBe(keyCount);
  const whole = encodedBytes([batchOfHashes(pairs)], keyCount);
  for (const batchEntries of [1, 2, 7, 1024]) {
    const batches: TxhashIndexBatch[] = [];
    for (let from = 0; from < keyCount; from += batchEntries) batches.push(batchOfHashes(pairs.slice(from, from + batchEntries)));
    expect(encodedBytes(batches, keyCount).equals(whole)).toBe(true);
  }
});

test("the encoded bytes do not depend on the order of keys that share their top 48 bits (prefix order suffices)", () => {
  const keyCount = 5000;
  const pairs = sortedPairsWithSharedQuotients(keyCount);
  const whole = encodedBytes([batchOfHashes(pairs)], keyCount);
  // Reverse each group of keys with one 48-bit prefix: the key order breaks, the prefix order holds.
  const reordered: typeof pairs = [];
  for (let from = 0; from < keyCount; ) {
    let end = from + 1;
    while (end < keyCount && pairs[end]!.hash.subarray(0, 6).every((byte, index) => byte === pairs[from]!.hash[index])) end++;
    reordered.push(...pairs.slice(from, end).reverse());
    from = end;
  }
  expect(reordered[0]!.hash[6]).toBe(2); // the first prefix's three keys now come last-first
  expect(encodedBytes([batchOfHashes(reordered)], keyCount).equals(whole)).toBe(true);
});
