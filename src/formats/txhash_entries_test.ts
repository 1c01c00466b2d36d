import { expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { randomTxHash, seededRandom } from "./_txhash_test_runs.ts";
import { TxhashEntries, swapBytes32 } from "./txhash_entries.ts";

/** Entries as comparable strings "key-hex:seq", in the order held. */
function listEntries(entries: TxhashEntries): string[] {
  const listed: string[] = [];
  for (let entryIndex = 0; entryIndex < entries.entryCount; entryIndex++) {
    const words = Array.from(entries.keyWords.subarray(4 * entryIndex, 4 * entryIndex + 4));
    listed.push(`${words.map((word) => word.toString(16).padStart(8, "0")).join("")}:${entries.ledgerSeqs[entryIndex]}`);
  }
  return listed;
}

/** The naive oracle: the hex key is fixed-width, so string order is bytewise key order; ties by seq. */
function naiveSort(listed: string[]): string[] {
  return [...listed].sort((a, b) => {
    const [keyA, seqA] = a.split(":") as [string, string];
    const [keyB, seqB] = b.split(":") as [string, string];
    if (keyA !== keyB) return keyA < keyB ? -1 : 1;
    return Number(seqA) - Number(seqB);
  });
}

function sorted(entries: TxhashEntries): TxhashEntries {
  const target = new TxhashEntries();
  entries.sortInto(target);
  return target;
}

test("add() stores the first 16 hash bytes as big-endian words", () => {
  const entries = new TxhashEntries();
  const hash = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
  entries.add(hash, 77 as LedgerSeq);
  expect(Array.from(entries.keyWords.subarray(0, 4))).toEqual([0x01020304, 0x05060708, 0x090a0b0c, 0x0d0e0f10]);
  expect(entries.ledgerSeqs[0]).toBe(77);
});

test("add() rejects a hash shorter than 16 bytes", () => {
  expect(() => new TxhashEntries().add(new Uint8Array(15), 2 as LedgerSeq)).toThrow(InvariantError);
});

test("add() past entryCountMax is an invariant violation", () => {
  const entries = new TxhashEntries({ entryCountMax: 2 });
  entries.add(new Uint8Array(32), 2 as LedgerSeq);
  entries.add(new Uint8Array(32), 3 as LedgerSeq);
  expect(() => entries.add(new Uint8Array(32), 4 as LedgerSeq)).toThrow(InvariantError);
});

test("sortInto() matches a naive sort on 50,000 random keys with duplicates", () => {
  const random = seededRandom(1);
  const entries = new TxhashEntries();
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < 50_000; i++) {
    const hash = i % 10 === 0 && hashes.length > 0 ? hashes[random() % hashes.length]! : randomTxHash(random);
    hashes.push(hash);
    entries.add(hash, (random() % 1000) as LedgerSeq);
  }
  expect(listEntries(sorted(entries))).toEqual(naiveSort(listEntries(entries)));
});

test("sortInto() orders equal keys by ledger seq", () => {
  const entries = new TxhashEntries();
  const hash = new Uint8Array(32).fill(0xab);
  for (const ledgerSeq of [9, 3, 7, 3, 1]) entries.add(hash, ledgerSeq as LedgerSeq);
  expect(Array.from(sorted(entries).ledgerSeqs.subarray(0, 5))).toEqual([1, 3, 3, 7, 9]);
});

test("sortInto() handles skew: 20,000 keys sharing their top 48 bits", () => {
  const random = seededRandom(2);
  const entries = new TxhashEntries();
  for (let i = 0; i < 20_000; i++) {
    const hash = randomTxHash(random);
    hash.fill(0x42, 0, 6); // one counting bucket: the comparison-sort fallback runs
    entries.add(hash, (random() % 50) as LedgerSeq);
  }
  expect(listEntries(sorted(entries))).toEqual(naiveSort(listEntries(entries)));
});

test("sortInto() sorts keys that all share their top 8 bits (8 of its 12 digit bits)", () => {
  const random = seededRandom(3);
  const entries = new TxhashEntries();
  for (let i = 0; i < 5_000; i++) {
    const hash = randomTxHash(random);
    hash[0] = 0x5c; // 2^12 digits, all keys in 16 of them: buckets of ~300, the comparison-sort path
    entries.add(hash, i as LedgerSeq);
  }
  expect(listEntries(sorted(entries))).toEqual(naiveSort(listEntries(entries)));
});

test("sortInto() of no entries and of one entry", () => {
  expect(sorted(new TxhashEntries()).entryCount).toBe(0);
  const one = new TxhashEntries();
  one.add(new Uint8Array(32).fill(1), 5 as LedgerSeq);
  expect(listEntries(sorted(one))).toEqual(listEntries(one));
});

test("swapBytes32() reverses byte order", () => {
  expect(swapBytes32(0x01020304)).toBe(0x04030201);
  expect(swapBytes32(0xff000080)).toBe(0x800000ff);
});
