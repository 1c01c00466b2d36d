/**
 * MurmurHash3_x86_128 (Austin Appleby, SMHasher `MurmurHash3.cpp`, public domain), private to
 * src/formats: the term-key hash of `event_terms.ts` (D7). The x86 variant is the one written in
 * 32-bit arithmetic, so JavaScript computes it with `Math.imul` and no BigInt, over a byte range
 * of a larger buffer (no view, no copy). The 16 output bytes are h1..h4 little-endian, as the C
 * code stores them on a little-endian machine (and as Python's `mmh3.hash_bytes(key, seed,
 * x64arch=False)` returns them); SMHasher's verification value 0xB3ECE62A is checked in the test.
 * @module
 */

import { assert } from "../assert.ts";

export const MURMUR3_X86_128_BYTES = 16;
const BLOCK_BYTES = 16;
const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

/** What to hash: `bytes[byteOffset, byteOffset + byteLength)` under `seed` (u32), into `out[0, 16)`. */
export interface Murmur3Input {
  byteOffset: number;
  byteLength: number;
  seed: number;
  out: Uint8Array;
}

/** Writes MurmurHash3_x86_128 of the range into `input.out`. */
export function murmur3X86_128(bytes: Uint8Array, input: Murmur3Input): void {
  // Per-term hot path: constant messages (a template would be built on every call).
  const { byteOffset, byteLength, out } = input;
  assert(byteOffset >= 0, "hash range starts before the buffer");
  assert(byteOffset + byteLength <= bytes.length, "hash range ends after the buffer");
  assert(out.length >= MURMUR3_X86_128_BYTES, "hash output is shorter than 16 bytes");
  let h1 = input.seed | 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  const tailOffset = byteOffset + byteLength - (byteLength % BLOCK_BYTES);
  for (let at = byteOffset; at < tailOffset; at += BLOCK_BYTES) {
    h1 ^= mixK1(u32le(bytes, at));
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    h2 ^= mixK2(u32le(bytes, at + 4));
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    h3 ^= mixK3(u32le(bytes, at + 8));
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    h4 ^= mixK4(u32le(bytes, at + 12));
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  // Tail: the last byteLength % 16 bytes, zero-padded into k1..k4 (the C code's fall-through switch).
  const tailBytes = byteLength % BLOCK_BYTES;
  if (tailBytes > 12) h4 ^= mixK4(tailWord(bytes, tailOffset + 12, tailBytes - 12));
  if (tailBytes > 8) h3 ^= mixK3(tailWord(bytes, tailOffset + 8, Math.min(tailBytes - 8, 4)));
  if (tailBytes > 4) h2 ^= mixK2(tailWord(bytes, tailOffset + 4, Math.min(tailBytes - 4, 4)));
  if (tailBytes > 0) h1 ^= mixK1(tailWord(bytes, tailOffset, Math.min(tailBytes, 4)));

  h1 ^= byteLength;
  h2 ^= byteLength;
  h3 ^= byteLength;
  h4 ^= byteLength;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h3 = fmix32(h3);
  h4 = fmix32(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  putU32le(out, 0, h1);
  putU32le(out, 4, h2);
  putU32le(out, 8, h3);
  putU32le(out, 12, h4);
}

function mixK1(k: number): number {
  return Math.imul(rotl(Math.imul(k, C1), 15), C2);
}

function mixK2(k: number): number {
  return Math.imul(rotl(Math.imul(k, C2), 16), C3);
}

function mixK3(k: number): number {
  return Math.imul(rotl(Math.imul(k, C3), 17), C4);
}

function mixK4(k: number): number {
  return Math.imul(rotl(Math.imul(k, C4), 18), C1);
}

function rotl(x: number, bits: number): number {
  return (x << bits) | (x >>> (32 - bits));
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function u32le(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
}

/** The first `byteCount` (1..4) bytes at `at` as a little-endian word, zero above them. */
function tailWord(bytes: Uint8Array, at: number, byteCount: number): number {
  let word = 0;
  for (let index = byteCount - 1; index >= 0; index--) word = (word << 8) | bytes[at + index]!;
  return word;
}

function putU32le(out: Uint8Array, at: number, word: number): void {
  out[at] = word;
  out[at + 1] = word >>> 8;
  out[at + 2] = word >>> 16;
  out[at + 3] = word >>> 24;
}
