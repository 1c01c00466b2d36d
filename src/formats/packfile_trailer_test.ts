import { expect, test } from "bun:test";
import { crc32c } from "./crc32c.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { decodePackTrailer, encodePackTrailer, type PackTrailer } from "./packfile_trailer.ts";
import { bytesOf, hexOf } from "./_test_support.ts";

const TRAILER: PackTrailer = {
  format: 0xfe1e000b,
  recordCount: 2,
  totalItems: 3,
  itemsPerRecord: 2,
  indexBytes: 10,
  appDataBytes: 1,
};

// Derived by hand from reference §8.2; the CRC was computed by an independent bitwise CRC32C.
const TRAILER_BYTES = bytesOf(
  "53 4c 43 48 01 00 00 00  0b 00 1e fe 02 00 00 00  03 00 00 00 02 00 00 00  80 00 00 00 0a 00 00 00" +
    " 01 00 00 00" + " 00".repeat(32) + " 00 00 00 00  1a 39 a4 58",
);

/** Re-seals `bytes` with a correct CRC after a test edits a field. */
function resealed(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(72, crc32c(copy.subarray(0, 72)), true);
  return copy;
}

function withByte(offset: number, value: number): Uint8Array {
  const copy = TRAILER_BYTES.slice();
  copy[offset] = value;
  return resealed(copy);
}

test("encodePackTrailer() writes the reference §8.2 bytes", () => {
  expect(hexOf(encodePackTrailer(TRAILER))).toBe(hexOf(TRAILER_BYTES));
});

test("decodePackTrailer() inverts encodePackTrailer()", () => {
  expect(decodePackTrailer(TRAILER_BYTES, "t.pack")).toEqual(TRAILER);
  expect(encodePackTrailer(decodePackTrailer(TRAILER_BYTES, "t.pack"))).toEqual(TRAILER_BYTES);
});

test("decodePackTrailer() rejects a flipped bit anywhere in the trailer", () => {
  for (let bit = 0; bit < 76 * 8; bit++) {
    const copy = TRAILER_BYTES.slice();
    copy[bit >> 3]! ^= 1 << (bit & 7);
    expect(() => decodePackTrailer(copy, "t.pack")).toThrow(CorruptFileError);
  }
});

test("decodePackTrailer() rejects a bad magic before anything else", () => {
  expect(() => decodePackTrailer(withByte(0, 0x54), "t.pack")).toThrow(/magic 0x48434c54/);
});

test("decodePackTrailer() rejects version 2", () => {
  expect(() => decodePackTrailer(withByte(4, 2), "t.pack")).toThrow(/version 2/);
});

test("decodePackTrailer() rejects the content-hash flag as unsupported", () => {
  expect(() => decodePackTrailer(withByte(5, 1), "t.pack")).toThrow(/content hash/);
});

test("decodePackTrailer() rejects unknown flag bits", () => {
  expect(() => decodePackTrailer(withByte(5, 0x80), "t.pack")).toThrow(/unknown flag bits 0x80/);
});

test("decodePackTrailer() rejects non-zero reserved and hash bytes", () => {
  for (const offset of [6, 7, 26, 27, 36, 67, 68, 71]) {
    expect(() => decodePackTrailer(withByte(offset, 1), "t.pack")).toThrow(CorruptFileError);
  }
});

test("decodePackTrailer() rejects an index FOR group size other than 128", () => {
  expect(() => decodePackTrailer(withByte(24, 64), "t.pack")).toThrow(/group size 64/);
});

test("decodePackTrailer() rejects a record count that does not match the items", () => {
  expect(() => decodePackTrailer(withByte(12, 3), "t.pack")).toThrow(/need 2 records, trailer says 3/);
});

test("decodePackTrailer() rejects itemsPerRecord 0 and an index smaller than its CRC", () => {
  expect(() => decodePackTrailer(withByte(20, 0), "t.pack")).toThrow(/itemsPerRecord is 0/);
  expect(() => decodePackTrailer(withByte(28, 3), "t.pack")).toThrow(/smaller than its 4-byte CRC/);
});

test("decodePackTrailer() names the file in its error", () => {
  expect(() => decodePackTrailer(withByte(4, 9), "/data/00000001.pack")).toThrow('"/data/00000001.pack"');
});
