import { expect, test } from "bun:test";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { decodeForGroup, encodeForGroup, forGroupBytes } from "./for_group.ts";
import { bytesOf, hexOf } from "./_test_support.ts";

const SOURCE = { path: "/x/test.pack", where: "test group" };

function decode(group: Uint8Array, valueCount: number): number[] {
  const values = new Uint32Array(valueCount);
  const consumed = decodeForGroup(group, { into: values, ...SOURCE });
  expect(consumed).toBe(group.length);
  return Array.from(values);
}

test("encodeForGroup() packs 3-bit residuals LSB-first (reference §8.1 vector)", () => {
  // residuals [0, 7, 2, 5] at W=3: bits 000 111 010 101 → 0xB8 0x0A; then W=3, min=5 LE.
  expect(hexOf(encodeForGroup([5, 12, 7, 10]))).toBe("b8 0a 03 05 00 00 00");
});

test("encodeForGroup() clamps the width of equal values to 1 bit", () => {
  expect(hexOf(encodeForGroup([3]))).toBe("00 01 03 00 00 00");
  expect(hexOf(encodeForGroup([13, 13]))).toBe("00 01 0d 00 00 00");
});

test("encodeForGroup() handles the full u32 range at width 32", () => {
  expect(hexOf(encodeForGroup([0, 0xffffffff]))).toBe("00 00 00 00 ff ff ff ff 20 00 00 00 00");
});

test("decodeForGroup() inverts encodeForGroup() for 128 values of every width", () => {
  for (let width = 1; width <= 32; width++) {
    const base = width === 32 ? 0 : 1000;
    const values = Array.from({ length: 128 }, (_, j) => base + ((j * 2654435761) % 2 ** width));
    const group = encodeForGroup(values);
    expect(group.length).toBe(forGroupBytes(128, Math.max(1, 32 - Math.clz32(Math.max(...values) - Math.min(...values)))));
    expect(decode(group, 128)).toEqual(values);
  }
});

test("decodeForGroup() reads the group that ends its window, ignoring bytes before it", () => {
  const window = new Uint8Array([0xaa, 0xbb, ...encodeForGroup([5, 12, 7, 10])]);
  const values = new Uint32Array(4);
  expect(decodeForGroup(window, { into: values, ...SOURCE })).toBe(7);
  expect(Array.from(values)).toEqual([5, 12, 7, 10]);
});

test("decodeForGroup() rejects width 0 and width 33", () => {
  expect(() => decode(bytesOf("00 00 03 00 00 00"), 1)).toThrow(/width 0/);
  expect(() => decode(bytesOf("00 00 00 00 00 21 03 00 00 00"), 1)).toThrow(/width 33/);
});

test("decodeForGroup() rejects a window too short for its values", () => {
  expect(() => decode(bytesOf("01 03 00 00"), 1)).toThrow(CorruptFileError);
  expect(() => decode(bytesOf("b8 03 05 00 00 00"), 4)).toThrow(/needs 7 bytes/);
});

test("decodeForGroup() rejects non-zero padding bits", () => {
  expect(() => decode(bytesOf("b8 8a 03 05 00 00 00"), 4)).toThrow(/padding/);
});

test("decodeForGroup() rejects a value that overflows u32", () => {
  expect(() => decode(bytesOf("01 01 ff ff ff ff"), 1)).toThrow(/exceeds u32/);
});

test("decodeForGroup() errors name the file and the group", () => {
  try {
    decode(bytesOf("00 00 03 00 00 00"), 1);
    throw new Error("unreachable");
  } catch (err) {
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as CorruptFileError).message).toContain('"/x/test.pack"');
    expect((err as CorruptFileError).message).toContain("test group");
  }
});
