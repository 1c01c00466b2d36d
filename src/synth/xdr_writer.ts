/**
 * A minimal XDR encoder (RFC 4506) for exactly what the synthetic ledger generator emits: 32-bit
 * and 64-bit integers, booleans, fixed and variable opaque, ASCII strings, and counts patched in
 * after the fact. It writes big-endian bytes straight into one growable buffer, so a 1 MB ledger
 * costs a few buffer doublings and no per-field allocation.
 *
 * Keeps: every write is padded to 4 bytes; 64-bit values are safe integers (callers never need
 * more: amounts, fees, sequence numbers and times here stay below 2^53). The checks build their
 * message only when they fail: they sit on the hottest path of `synth-lake`.
 * @module
 */

import { assert } from "../assert.ts";

const TWO_POW_32 = 2 ** 32;
/** Growth never makes one buffer larger than this; a generated ledger is far smaller. */
const WRITER_BYTES_MAX = 256 * 1024 * 1024;

/** Appends XDR to one buffer; `finish()` copies out the bytes written so far. */
export class XdrWriter {
  #bytes: Uint8Array;
  #length = 0;

  constructor(initialBytes = 64 * 1024) {
    if (!(initialBytes >= 4)) assert(false, `initial size ${initialBytes} too small`);
    this.#bytes = new Uint8Array(initialBytes);
  }

  /** Bytes written so far. */
  get byteLength(): number {
    return this.#length;
  }

  /** Forgets everything written; keeps the buffer for reuse. */
  reset(): void {
    this.#length = 0;
  }

  /** A view of bytes [start, end) written so far; valid until the next write. */
  view(start: number, end: number = this.#length): Uint8Array {
    if (!(start >= 0)) assert(false, `view start ${start} is negative`);
    if (!(start <= end)) assert(false, `view [${start}, ${end}) is reversed`);
    if (!(end <= this.#length)) assert(false, `view end ${end} past ${this.#length} written bytes`);
    return this.#bytes.subarray(start, end);
  }

  /** A copy of everything written. */
  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }

  u32(value: number): void {
    if (!(Number.isInteger(value) && value >= 0 && value < TWO_POW_32)) assert(false, `u32 ${value} out of range`);
    this.#reserve(4);
    this.#word(value);
  }

  i32(value: number): void {
    if (!(Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31)) assert(false, `i32 ${value} out of range`);
    this.#reserve(4);
    this.#word(value >>> 0);
  }

  /** An XDR hyper (signed) from a safe integer: high word arithmetic shift, low word unsigned. */
  i64(value: number): void {
    if (!(Number.isSafeInteger(value))) assert(false, `i64 ${value} is not a safe integer`);
    const high = Math.floor(value / TWO_POW_32);
    this.#reserve(8);
    this.#word(high >>> 0);
    this.#word(value - high * TWO_POW_32);
  }

  /** An XDR unsigned hyper from a non-negative safe integer. */
  u64(value: number): void {
    if (!(Number.isSafeInteger(value) && value >= 0)) assert(false, `u64 ${value} out of range`);
    this.#reserve(8);
    this.#word(Math.floor(value / TWO_POW_32));
    this.#word(value % TWO_POW_32);
  }

  bool(value: boolean): void {
    this.u32(value ? 1 : 0);
  }

  /** Fixed-length opaque (`opaque x[n]`): the bytes, then zero padding to 4. */
  fixed(bytes: Uint8Array): void {
    this.#reserve(bytes.length + 3);
    this.#bytes.set(bytes, this.#length);
    this.#length += bytes.length;
    this.#pad();
  }

  /** Variable-length opaque (`opaque x<>`): u32 length, bytes, padding. */
  opaque(bytes: Uint8Array): void {
    this.u32(bytes.length);
    this.fixed(bytes);
  }

  /** `string x<max>` of ASCII text (the generator never emits anything else). */
  string(text: string): void {
    this.u32(text.length);
    this.#reserve(text.length + 3);
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (!(code < 0x80)) assert(false, `string "${text}" is not ASCII`);
      this.#bytes[this.#length + index] = code;
    }
    this.#length += text.length;
    this.#pad();
  }

  /** `n` new bytes, returned as a view for the caller to fill (valid until the next write), padded. */
  claim(byteCount: number): Uint8Array {
    this.#reserve(byteCount + 3);
    const start = this.#length;
    this.#bytes.fill(0, start, start + byteCount);
    this.#length += byteCount;
    this.#pad();
    return this.#bytes.subarray(start, start + byteCount);
  }

  /** A u32 placeholder whose value `patchU32` fills in later (array counts known only afterwards). */
  placeholderU32(): number {
    const byteOffset = this.#length;
    this.u32(0);
    return byteOffset;
  }

  patchU32(byteOffset: number, value: number): void {
    if (!(byteOffset + 4 <= this.#length)) assert(false, `patch at ${byteOffset} past ${this.#length} written bytes`);
    if (!(Number.isInteger(value) && value >= 0 && value < TWO_POW_32)) assert(false, `u32 ${value} out of range`);
    const end = this.#length;
    this.#length = byteOffset;
    this.#word(value);
    this.#length = end;
  }

  /** Overwrites already-written bytes at `byteOffset` (a hash computed after its container). */
  patch(byteOffset: number, bytes: Uint8Array): void {
    if (!(byteOffset + bytes.length <= this.#length)) assert(false, `patch of ${bytes.length} at ${byteOffset} past the end`);
    this.#bytes.set(bytes, byteOffset);
  }

  /** One big-endian word (0 ≤ word < 2^32) at the end; the caller reserved 4 bytes. */
  #word(word: number): void {
    const bytes = this.#bytes;
    const at = this.#length;
    bytes[at] = word >>> 24;
    bytes[at + 1] = word >>> 16;
    bytes[at + 2] = word >>> 8;
    bytes[at + 3] = word;
    this.#length = at + 4;
  }

  #pad(): void {
    while ((this.#length & 3) !== 0) this.#bytes[this.#length++] = 0;
  }

  #reserve(byteCount: number): void {
    const need = this.#length + byteCount;
    if (need <= this.#bytes.length) return;
    let size = this.#bytes.length * 2;
    while (size < need) size *= 2;
    if (!(size <= WRITER_BYTES_MAX)) assert(false, `XDR writer would grow to ${size} bytes`);
    const grown = new Uint8Array(size);
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }
}
