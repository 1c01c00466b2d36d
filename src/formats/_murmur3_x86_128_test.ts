import { expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { MURMUR3_X86_128_BYTES, murmur3X86_128 } from "./_murmur3_x86_128.ts";

function hashOf(bytes: Uint8Array, seed: number): Uint8Array {
  const out = new Uint8Array(MURMUR3_X86_128_BYTES);
  murmur3X86_128(bytes, { byteOffset: 0, byteLength: bytes.length, seed, out });
  return out;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

test("murmur3X86_128() passes SMHasher's verification test (0xB3ECE62A)", () => {
  // SMHasher VerificationTest: hash keys {0}, {0,1}, … of lengths 0..255 with seed 256 − length,
  // then hash the 256 concatenated results with seed 0; the first 4 bytes LE are the value.
  const key = new Uint8Array(256).map((_, index) => index);
  const hashes = new Uint8Array(256 * MURMUR3_X86_128_BYTES);
  for (let length = 0; length < 256; length++) {
    murmur3X86_128(key, { byteOffset: 0, byteLength: length, seed: 256 - length, out: hashes.subarray(length * 16) });
  }
  const final = hashOf(hashes, 0);
  expect(new DataView(final.buffer).getUint32(0, true)).toBe(0xb3ece62a);
});

test("murmur3X86_128() matches the reference C code's output bytes", () => {
  // Values printed by SMHasher's MurmurHash3_x86_128 compiled with gcc on x86-64.
  const fox = new TextEncoder().encode("The quick brown fox jumps over the lazy dog");
  const id = new Uint8Array(32).map((_, index) => index * 7 + 1);
  expect(hex(hashOf(new Uint8Array(0), 0))).toBe("00000000000000000000000000000000");
  expect(hex(hashOf(new Uint8Array(0), 1))).toBe("ecadc488b901d254b901d254b901d254");
  expect(hex(hashOf(fox, 0))).toBe("c383152f672ceeec6cf67b5d2c1de9e5");
  expect(hex(hashOf(fox, 4))).toBe("3a2ccc5584ed9960f8e155530c2da43f");
  expect(hex(hashOf(id, 0))).toBe("4bde8494db08f264d8b2f71aad8b692a");
});

test("murmur3X86_128() of a range equals the hash of that range copied out", () => {
  const buffer = new Uint8Array(200).map((_, index) => (index * 31 + 7) & 0xff);
  for (const [byteOffset, byteLength] of [[0, 0], [3, 1], [17, 15], [40, 16], [5, 33], [100, 100]] as const) {
    const out = new Uint8Array(MURMUR3_X86_128_BYTES);
    murmur3X86_128(buffer, { byteOffset, byteLength, seed: 3, out });
    expect<Uint8Array>(out).toEqual(hashOf(buffer.slice(byteOffset, byteOffset + byteLength), 3));
  }
});

test("murmur3X86_128() refuses a range outside the buffer and a short output", () => {
  const out = new Uint8Array(MURMUR3_X86_128_BYTES);
  expect(() => murmur3X86_128(new Uint8Array(8), { byteOffset: 4, byteLength: 5, seed: 0, out })).toThrow(InvariantError);
  expect(() => murmur3X86_128(new Uint8Array(8), { byteOffset: -1, byteLength: 2, seed: 0, out })).toThrow(InvariantError);
  expect(() => murmur3X86_128(new Uint8Array(8), { byteOffset: 0, byteLength: 8, seed: 0, out: new Uint8Array(15) })).toThrow(InvariantError);
});
