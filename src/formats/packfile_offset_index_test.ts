import { expect, test } from "bun:test";
import { crc32c } from "./crc32c.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { encodeForGroup } from "./for_group.ts";
import { decodeOffsetIndex, encodeOffsetIndex } from "./packfile_offset_index.ts";
import { hexOf } from "./_test_support.ts";

function withCrc(groups: Uint8Array): Uint8Array {
  const index = new Uint8Array(groups.length + 4);
  index.set(groups);
  new DataView(index.buffer).setUint32(groups.length, crc32c(groups), true);
  return index;
}

test("encodeOffsetIndex() of no records is the CRC of nothing", () => {
  expect(hexOf(encodeOffsetIndex(new Uint32Array(0)))).toBe("00 00 00 00");
});

test("encodeOffsetIndex() splits sizes into groups of 128, the last holding the remainder", () => {
  const sizes = Uint32Array.from({ length: 200 }, (_, i) => 100 + i);
  const expectedGroups = [encodeForGroup(sizes.subarray(0, 128)), encodeForGroup(sizes.subarray(128))];
  const concatenated = new Uint8Array(expectedGroups[0]!.length + expectedGroups[1]!.length);
  concatenated.set(expectedGroups[0]!);
  concatenated.set(expectedGroups[1]!, expectedGroups[0]!.length);
  expect(encodeOffsetIndex(sizes)).toEqual(withCrc(concatenated));
});

test("decodeOffsetIndex() returns prefix sums ending at indexBase", () => {
  const sizes = Uint32Array.from({ length: 300 }, (_, i) => (i * 37) % 1000);
  const indexBase = sizes.reduce((sum, size) => sum + size, 0);
  const offsets = decodeOffsetIndex(encodeOffsetIndex(sizes), { recordCount: 300, indexBase, path: "p" });
  expect(offsets.length).toBe(301);
  expect(offsets[0]).toBe(0);
  expect(offsets[1]).toBe(sizes[0]!);
  expect(offsets[300]).toBe(indexBase);
});

test("decodeOffsetIndex() rejects sizes that do not sum to indexBase", () => {
  const index = encodeOffsetIndex(Uint32Array.of(10, 20));
  expect(() => decodeOffsetIndex(index, { recordCount: 2, indexBase: 31, path: "p" })).toThrow(/sum to 30/);
});

test("decodeOffsetIndex() rejects leftover group bytes", () => {
  const index = withCrc(new Uint8Array([0xee, ...encodeForGroup([10, 20])]));
  expect(() => decodeOffsetIndex(index, { recordCount: 2, indexBase: 30, path: "p" })).toThrow(/1 bytes left over/);
});

test("decodeOffsetIndex() rejects a record count the index cannot hold before allocating", () => {
  const index = encodeOffsetIndex(Uint32Array.of(10));
  expect(() => decodeOffsetIndex(index, { recordCount: 2 ** 31, indexBase: 10, path: "p" })).toThrow(/cannot fit/);
});

test("decodeOffsetIndex() rejects a CRC mismatch", () => {
  const index = encodeOffsetIndex(Uint32Array.of(10));
  index[0]! ^= 1;
  expect(() => decodeOffsetIndex(index, { recordCount: 1, indexBase: 10, path: "p" })).toThrow(CorruptFileError);
});
