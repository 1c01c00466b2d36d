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
