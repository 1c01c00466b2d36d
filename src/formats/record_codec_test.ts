import { expect, test } from "bun:test";
import { CRC32C_CODEC, IDENTITY_CODEC, RecordDecodeError } from "./record_codec.ts";
import { hexOf } from "./_test_support.ts";

test("IDENTITY_CODEC passes records through unchanged", () => {
  const raw = new Uint8Array([1, 2, 3]);
  expect(IDENTITY_CODEC.decode(IDENTITY_CODEC.encode(raw))).toEqual(raw);
});

test("CRC32C_CODEC appends the record's CRC32C little-endian", () => {
  // CRC32C("123456789") = 0xe3069283, the standard check value.
  const raw = new TextEncoder().encode("123456789");
  expect(hexOf(CRC32C_CODEC.encode(raw).subarray(9))).toBe("83 92 06 e3");
  expect(CRC32C_CODEC.decode(CRC32C_CODEC.encode(raw))).toEqual(raw);
  expect(CRC32C_CODEC.decode(CRC32C_CODEC.encode(new Uint8Array(0)))).toEqual(new Uint8Array(0));
});

test("CRC32C_CODEC rejects a flipped bit and a record shorter than a CRC", () => {
  const stored = CRC32C_CODEC.encode(new Uint8Array([5, 6, 7]));
  for (let bit = 0; bit < stored.length * 8; bit++) {
    const mutant = stored.slice();
    mutant[bit >> 3]! ^= 1 << (bit & 7);
    expect(() => CRC32C_CODEC.decode(mutant)).toThrow(RecordDecodeError);
  }
  expect(() => CRC32C_CODEC.decode(new Uint8Array(3))).toThrow(/too short/);
});
