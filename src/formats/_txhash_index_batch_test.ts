import { expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { randomTxHash, seededRandom } from "./_txhash_test_runs.ts";
import { TXHASH_INDEX_ENTRY_WORDS, TxhashIndexBatch } from "./_txhash_index_batch.ts";
import { TXHASH_RUN_ENTRY_WORDS } from "./txhash_entries.ts";

/** One run-layout buffer of (hash, seq) pairs: key bytes 0..15 loaded as u32 LE, then the seq. */
function runLayout(pairs: readonly [Uint8Array, number][]): Uint32Array {
  const raw = new Uint32Array(pairs.length * TXHASH_RUN_ENTRY_WORDS);
  pairs.forEach(([hash, ledgerSeq], slot) => {
    raw.set(new Uint32Array(hash.slice(0, 16).buffer), slot * TXHASH_RUN_ENTRY_WORDS);
    raw[slot * TXHASH_RUN_ENTRY_WORDS + 4] = ledgerSeq;
  });
  return raw;
}

/** "key words 0–1 hex:seq" of a pair: what the index keeps of it. */
function indexEntryOfPair([hash, ledgerSeq]: [Uint8Array, number]): string {
  return `${Buffer.from(hash.subarray(0, 8)).toString("hex")}:${ledgerSeq}`;
}

/** The batch's entries as "key words 0–1 hex:seq", in the order held. */
function listBatch(batch: TxhashIndexBatch): string[] {
  const listed: string[] = [];
  for (let entryIndex = 0; entryIndex < batch.entryCount; entryIndex++) {
    const at = entryIndex * TXHASH_INDEX_ENTRY_WORDS;
    const prefix = [batch.entryWords[at]!, batch.entryWords[at + 1]!].map((word) => word.toString(16).padStart(8, "0")).join("");
    listed.push(`${prefix}:${batch.entryWords[at + 2]}`);
  }
  return listed;
}

/** Prefix order holds (the 16 hex digits are fixed-width) and the batch holds exactly `expected`'s entries. */
function expectPrefixOrderOf(batch: TxhashIndexBatch, expected: string[]): void {
  const listed = listBatch(batch);
  const prefixes = listed.map((entry) => entry.slice(0, 16));
  expect(prefixes).toEqual([...prefixes].sort());
  expect([...listed].sort()).toEqual([...expected].sort());
}

test("gatherSorted() of run-layout slices yields their entries in prefix order, with duplicates and a digit past key word 0", () => {
  const random = seededRandom(41);
  for (const sharedPrefixBits of [0, 30]) {
    const parts: [Uint8Array, number][][] = [[], [], []];
    for (let i = 0; i < 30_000; i++) {
      const hash = randomTxHash(random);
      if (sharedPrefixBits > 0) hash.fill(0x5a, 0, 3); // 30 shared bits: the digit reaches into key word 1
      if (sharedPrefixBits > 0) hash[3] = (hash[3]! & 0x03) | 0x58;
      const part = parts[i % 3]!;
      part.push([hash, i % 7]);
      if (i % 10 === 0) part.push([hash, i % 5]); // a duplicate key
    }
    const batch = new TxhashIndexBatch(30_000 * 2);
    // Slices cut out of the middle of each buffer: the slots outside them must not be taken.
    const from = [5, 0, 100];
    const to = [parts[0]!.length, 9_000, parts[2]!.length - 1];
    batch.gatherSorted({ rawWords: parts.map(runLayout), from: new Uint32Array(from), to: new Uint32Array(to) }, sharedPrefixBits);
    const expected = parts.flatMap((part, slice) => part.slice(from[slice], to[slice]).map(indexEntryOfPair));
    expect(batch.entryCount).toBe(expected.length);
    expectPrefixOrderOf(batch, expected);
  }
});

test("gatherSorted() orders a bucket that skewed keys made large (2,000 keys sharing 40 bits)", () => {
  const random = seededRandom(42);
  const pairs: [Uint8Array, number][] = [];
  for (let i = 0; i < 4_000; i++) {
    const hash = randomTxHash(random);
    if (i % 2 === 0) hash.fill(0x77, 0, 5); // 2,000 keys share 40 bits: one digit bucket holds them all
    pairs.push([hash, i]);
  }
  const batch = new TxhashIndexBatch(pairs.length);
  batch.gatherSorted({ rawWords: [runLayout(pairs)], from: new Uint32Array([0]), to: new Uint32Array([pairs.length]) }, 0);
  expectPrefixOrderOf(batch, pairs.map(indexEntryOfPair));
});

test("gatherSorted() of empty slices holds nothing", () => {
  const batch = new TxhashIndexBatch(10);
  batch.gatherSorted({ rawWords: [new Uint32Array(10)], from: new Uint32Array([2]), to: new Uint32Array([2]) }, 0);
  expect(batch.entryCount).toBe(0);
});

test("appendRunEntry() keeps key words 0–1 and the seq of a run entry", () => {
  const hash = Uint8Array.from({ length: 32 }, (_, index) => index + 1);
  const batch = new TxhashIndexBatch(1);
  batch.appendRunEntry(runLayout([[hash, 123]]), 0);
  expect(listBatch(batch)).toEqual(["0102030405060708:123"]);
});

test("a batch rejects more entries than its bound", () => {
  const raw = runLayout([[new Uint8Array(32), 1], [new Uint8Array(32), 2]]);
  const batch = new TxhashIndexBatch(1);
  batch.appendRunEntry(raw, 0);
  expect(() => batch.appendRunEntry(raw, 1)).toThrow(InvariantError);
  expect(() => batch.gatherSorted({ rawWords: [raw], from: new Uint32Array([0]), to: new Uint32Array([2]) }, 0)).toThrow(InvariantError);
});
