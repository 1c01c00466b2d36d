import { expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import {
  IDX_BLOCK_BITS_MAX,
  IDX_KEY_COUNT_MAX,
  blockByteCount,
  decodeTxhashIndexFooter,
  decodeTxhashIndexHeader,
  encodeTxhashIndexFooter,
  encodeTxhashIndexHeader,
  txhashIndexGeometry,
  txhashIndexParams,
} from "./_txhash_index_layout.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";

test("txhashIndexParams() picks K=22, U=9 for a dense 3e9-key window (txindex.md §3.2)", () => {
  expect(txhashIndexParams(3e9)).toEqual({ blockBits: 22, upperBits: 9 });
});

test("txhashIndexParams() of tiny inputs: one block", () => {
  expect(txhashIndexParams(0)).toEqual({ blockBits: 0, upperBits: 0 });
  expect(txhashIndexParams(1)).toEqual({ blockBits: 0, upperBits: 0 });
  expect(txhashIndexParams(2)).toEqual({ blockBits: 0, upperBits: 1 });
  expect(txhashIndexParams(1024)).toEqual({ blockBits: 0, upperBits: 10 });
  expect(txhashIndexParams(1025)).toEqual({ blockBits: 1, upperBits: 9 });
});

test("txhashIndexParams() keeps the mean block in (512, 1024] keys and ρ within [2^-1/2, 2^1/2]", () => {
  for (let keyCount = 1025; keyCount < 1e13; keyCount = Math.floor(keyCount * 1.37) + 1) {
    if (keyCount > IDX_KEY_COUNT_MAX) break;
    const { blockBits, upperBits } = txhashIndexParams(keyCount);
    const meanBlockKeys = keyCount / 2 ** blockBits;
    expect(meanBlockKeys).toBeGreaterThan(512);
    expect(meanBlockKeys).toBeLessThanOrEqual(1024);
    const rho = meanBlockKeys / 2 ** upperBits;
    expect(rho).toBeGreaterThanOrEqual(Math.SQRT1_2);
    expect(rho).toBeLessThanOrEqual(Math.SQRT2);
  }
});

test("txhashIndexParams() reaches K = 30 at its key bound and rejects more", () => {
  expect(txhashIndexParams(IDX_KEY_COUNT_MAX).blockBits).toBe(IDX_BLOCK_BITS_MAX);
  expect(() => txhashIndexParams(IDX_KEY_COUNT_MAX + 1)).toThrow(InvariantError);
});

test("blockByteCount() is zero for an empty block and 4m + upper words + CRC otherwise", () => {
  expect(blockByteCount(0, 9)).toBe(0);
  expect(blockByteCount(1, 0)).toBe(4 + 4 + 4);
  expect(blockByteCount(700, 9)).toBe(2800 + 4 * Math.ceil((700 + 512) / 32) + 4);
});

test("a header round-trips, including a key count above 2^32", () => {
  const header = { blockBits: 22, upperBits: 9, minLedger: 2, maxLedger: 10_000_001, keyCount: 2 ** 33 + 5, blockDataBytes: 2 ** 35 + 12 };
  expect(decodeTxhashIndexHeader(encodeTxhashIndexHeader(header), "x.idx")).toEqual(header);
  expect(txhashIndexGeometry(header).fileBytes).toBe(64 + header.blockDataBytes + 4 * 2 ** 22 + 32);
});

test("encodeTxhashIndexHeader() refuses a ledger span beyond the 3-byte payload", () => {
  const header = { blockBits: 0, upperBits: 0, minLedger: 2, maxLedger: 2 + 2 ** 24, keyCount: 0, blockDataBytes: 0 };
  expect(() => encodeTxhashIndexHeader(header)).toThrow(InvariantError);
});

test("decodeTxhashIndexHeader() rejects a flipped bit in every byte", () => {
  const bytes = encodeTxhashIndexHeader({ blockBits: 3, upperBits: 9, minLedger: 2, maxLedger: 20001, keyCount: 5000, blockDataBytes: 21_000 });
  for (let byteOffset = 0; byteOffset < bytes.length; byteOffset++) {
    const flipped = bytes.slice();
    flipped[byteOffset]! ^= 0x04;
    expect(() => decodeTxhashIndexHeader(flipped, "x.idx")).toThrow(CorruptFileError);
  }
});

test("a footer round-trips and rejects a flipped bit in every byte", () => {
  const footer = { keyCount: 5000, blockDataBytes: 21_000, countsCrc: 0xdeadbeef };
  const bytes = encodeTxhashIndexFooter(footer);
  expect(decodeTxhashIndexFooter(bytes, { path: "x.idx", byteOffset: 9 })).toEqual(footer);
  for (let byteOffset = 0; byteOffset < bytes.length; byteOffset++) {
    const flipped = bytes.slice();
    flipped[byteOffset]! ^= 0x80;
    expect(() => decodeTxhashIndexFooter(flipped, { path: "x.idx", byteOffset: 9 })).toThrow(/footer at byte 9/);
  }
});
