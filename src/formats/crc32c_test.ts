import { expect, test } from "bun:test";
import { crc32c } from "./crc32c.ts";

test("crc32c() matches the RFC 3720 check value for '123456789'", () => {
  expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
});

test("crc32c() of 32 zero bytes matches RFC 3720 B.4", () => {
  expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
});

test("crc32c() of nothing is 0", () => {
  expect(crc32c(new Uint8Array(0))).toBe(0);
});

test("crc32c() continues across pieces exactly like one pass", () => {
  const bytes = new Uint8Array(1000).map((_, i) => (i * 131 + 7) & 0xff);
  for (const cut of [0, 1, 7, 8, 9, 500, 999, 1000]) {
    expect(crc32c(bytes.subarray(cut), crc32c(bytes.subarray(0, cut)))).toBe(crc32c(bytes));
  }
});

test("crc32c() changes when one bit flips", () => {
  const bytes = new Uint8Array(64).fill(0x5a);
  const before = crc32c(bytes);
  bytes[40]! ^= 0x10;
  expect(crc32c(bytes)).not.toBe(before);
});

/** The definition, one bit at a time: the oracle for the table-driven code. */
function crc32cBitwise(bytes: Uint8Array, crcSoFar: number): number {
  let crc = ~crcSoFar >>> 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

test("crc32c() equals the bitwise definition over random lengths, offsets and starting CRCs", () => {
  // xorshift32 with a fixed seed: reproducible, and every run covers the same cases.
  let state = 0x9e3779b9;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const buffer = new Uint8Array(4096 + 64).map(() => next() & 0xff);
  const lengths = [...Array.from({ length: 70 }, (_, length) => length), 255, 256, 257, 1023, 4096];
  for (const length of lengths) {
    for (const byteOffset of [0, 1, 2, 3, 5, 8, 13, 63]) {
      const bytes = buffer.subarray(byteOffset, byteOffset + length);
      const crcSoFar = next();
      expect(crc32c(bytes, crcSoFar)).toBe(crc32cBitwise(bytes, crcSoFar));
    }
  }
  for (let round = 0; round < 200; round++) {
    const byteOffset = next() % 64;
    const bytes = buffer.subarray(byteOffset, byteOffset + (next() % 4096));
    expect(crc32c(bytes)).toBe(crc32cBitwise(bytes, 0));
  }
});

test("crc32c() continues from a starting CRC with the top bit set", () => {
  const bytes = new TextEncoder().encode("123456789abcdefghijklmnopqrstuvwxyz");
  expect(crc32c(bytes, 0xffff_ffff)).toBe(crc32cBitwise(bytes, 0xffff_ffff));
  expect(crc32c(bytes, 0x8000_0000)).toBe(crc32cBitwise(bytes, 0x8000_0000));
});
