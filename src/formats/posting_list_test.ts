import { expect, test } from "bun:test";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { decodePostingList, encodePostingList, varintBytes, writeVarint } from "./posting_list.ts";
import { bytesOf, hexOf } from "./_test_support.ts";

const ALL = { path: "i.pack", termRank: 3, eventCount: 1_000_000, fromEventId: 0, endEventId: 1_000_000 };

test("encodePostingList() stores the first id and then gaps as LEB128 varints", () => {
  // 5, 6 (gap 1), 300 (gap 294 = 0xa6 0x02), 100000 (gap 99700 = 0xf4 0x8a 0x06)
  expect(hexOf(encodePostingList([5, 6, 300, 100_000]))).toBe("05 01 a6 02 f4 8a 06");
});

test("writeVarint() and varintBytes() agree at every length boundary", () => {
  const cursor = { bytes: new Uint8Array(5), byteOffset: 0 };
  for (const value of [0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455, 268_435_456, 0xffffffff]) {
    cursor.byteOffset = 0;
    writeVarint(value, cursor);
    expect(cursor.byteOffset).toBe(varintBytes(value));
  }
  expect(hexOf(cursor.bytes)).toBe("ff ff ff ff 0f");
});

test("decodePostingList() inverts encodePostingList()", () => {
  const ids = [0, 1, 2, 127, 128, 70_000, 999_999];
  expect(Array.from(decodePostingList(encodePostingList(ids), ALL))).toEqual(ids);
});

test("decodePostingList() clips to [fromEventId, endEventId)", () => {
  const bytes = encodePostingList([1, 5, 9, 13, 17]);
  expect(Array.from(decodePostingList(bytes, { ...ALL, fromEventId: 5, endEventId: 14 }))).toEqual([5, 9, 13]);
  expect(Array.from(decodePostingList(bytes, { ...ALL, fromEventId: 18, endEventId: 20 }))).toEqual([]);
});

test("decodePostingList() rejects empty, truncated and over-long varints", () => {
  expect(() => decodePostingList(new Uint8Array(0), ALL)).toThrow(/empty/);
  expect(() => decodePostingList(bytesOf("05 a6"), ALL)).toThrow(/truncated/);
  expect(() => decodePostingList(bytesOf("80 80 80 80 80 01"), ALL)).toThrow(/longer than 5/);
  expect(() => decodePostingList(bytesOf("ff ff ff ff 1f"), ALL)).toThrow(/exceeds u32/);
});

test("decodePostingList() rejects a zero gap and an id past the event count", () => {
  expect(() => decodePostingList(bytesOf("05 00"), ALL)).toThrow(/zero delta/);
  expect(() => decodePostingList(bytesOf("05 05"), { ...ALL, eventCount: 10, endEventId: 10 })).toThrow(
    /event id 10 is not below the event count 10/,
  );
  expect(() => decodePostingList(bytesOf("05 00"), ALL)).toThrow(CorruptFileError);
});
