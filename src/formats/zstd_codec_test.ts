import { expect, test } from "bun:test";
import { constants, zstdCompressSync } from "node:zlib";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { LedgerSynth } from "../synth/ledger_synth.ts";
import { RecordDecodeError } from "./record_codec.ts";
import { pseudoRandomBytes } from "./_test_support.ts";
import { ZSTD_RECORD_BYTES_MAX, zstdDecode, zstdEncode } from "./zstd_codec.ts";

const FRAME_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const text = new TextEncoder().encode("LedgerCloseMeta ".repeat(500));

test("zstdEncode() maps empty input to empty output and zstdDecode() back", () => {
  expect(zstdEncode(new Uint8Array(0)).length).toBe(0);
  expect(zstdDecode(new Uint8Array(0)).length).toBe(0);
});

test("zstdEncode() writes one frame with the checksum and content-size flags set (§8.3)", () => {
  const frame = zstdEncode(text);
  expect(Array.from(frame.subarray(0, 4))).toEqual(FRAME_MAGIC);
  const descriptor = frame[4]!;
  expect(descriptor & 0x04).toBe(0x04); // Content_Checksum_flag
  expect(descriptor >> 6).not.toBe(0); // Frame_Content_Size present (2+ bytes for 8000 bytes)
  expect(frame.length).toBeLessThan(text.length / 10);
});

test("zstdEncode() matches level 3 output of the reference parameters", () => {
  const reference = zstdCompressSync(text, {
    params: { [constants.ZSTD_c_compressionLevel]: 3, [constants.ZSTD_c_checksumFlag]: 1 },
  });
  expect(zstdEncode(text)).toEqual(new Uint8Array(reference));
});

test("zstdDecode() inverts zstdEncode() for compressible, random and 1-byte inputs", () => {
  for (const input of [text, pseudoRandomBytes(200_000, 5), new Uint8Array([42])]) {
    expect(zstdDecode(zstdEncode(input))).toEqual(input);
  }
});

test("zstdDecode() decodes a frame without a content size", () => {
  const frame = zstdCompressSync(text, {
    params: { [constants.ZSTD_c_checksumFlag]: 1, [constants.ZSTD_c_contentSizeFlag]: 0 },
  });
  expect(frame[4]! >> 6).toBe(0);
  expect(zstdDecode(new Uint8Array(frame))).toEqual(text);
});

test("zstdDecode() rejects a frame without a checksum", () => {
  const frame = zstdCompressSync(text, { params: { [constants.ZSTD_c_checksumFlag]: 0 } });
  expect(() => zstdDecode(new Uint8Array(frame))).toThrow(/no content checksum/);
});

test("zstdDecode() rejects a flipped content byte through the frame checksum", () => {
  const frame = zstdEncode(pseudoRandomBytes(5000, 8)); // incompressible: stored as a raw block
  frame[frame.length - 100]! ^= 0x01;
  expect(() => zstdDecode(frame)).toThrow(RecordDecodeError);
});

test("zstdDecode() rejects every truncation and trailing bytes", () => {
  const frame = zstdEncode(text);
  for (let length = 1; length < frame.length; length++) {
    expect(() => zstdDecode(frame.subarray(0, length))).toThrow(RecordDecodeError);
  }
  const trailing = new Uint8Array(frame.length + 1);
  trailing.set(frame);
  expect(() => zstdDecode(trailing)).toThrow(/1 bytes follow the zstd frame/);
});

test("zstdDecode() rejects garbage, a dictionary frame and an oversized content size", () => {
  expect(() => zstdDecode(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/zstd magic/);
  const frame = zstdEncode(text);
  const withDictionary = frame.slice();
  withDictionary[4]! |= 0x01;
  expect(() => zstdDecode(withDictionary)).toThrow(/dictionary/);
  // A single-segment frame claiming 2^32-1 bytes of content (FCS flag 2 = 4 bytes).
  const huge = new Uint8Array([...FRAME_MAGIC, 0xa4, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0, 0, 0, 0]);
  expect(() => zstdDecode(huge)).toThrow(new RegExp(`exceeds ${ZSTD_RECORD_BYTES_MAX}`));
});

test("zstdEncode() writes one frame when the compressed size is exactly 16 KiB (node:zlib's default chunk)", () => {
  // Ledger 32546 of synth seed 1, mixed profile, compresses to exactly 16384 bytes at level 3.
  const synth = new LedgerSynth({ seed: 1, profile: "mixed", networkPassphrase: "Standalone Network ; February 2017" });
  const raw = synth.generate(32_546 as LedgerSeq).lcm;
  const frame = zstdEncode(raw);
  expect(frame.length).toBe(16_384);
  expect(zstdDecode(frame)).toEqual(raw);
});
