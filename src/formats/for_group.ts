/**
 * intpack FOR (frame-of-reference) group (reference §8.1), the integer codec under both packfile
 * indexes (§8.2): the item-size index of a record and the record-offset index of a file.
 *
 *   [packed residuals: ceil(W·n/8) bytes][W: 1 byte][min: u32 LE]
 *
 * Residual j = value_j − min, W bits at bit offset j·W, LSB-first. W = bit length of (max − min),
 * at least 1. Width and min are the LAST 5 bytes, so a group is decoded from the tail of a window
 * whose start is unknown; the caller supplies n. Keeps: the encoder writes W in 1..32 and zero
 * padding bits; the decoder rejects W outside 1..32, short windows, non-zero padding bits and
 * values above u32 (a valid file never has them).
 * @module
 */

import { assert } from "../assert.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";

/** Width byte + u32 min: the fixed tail of every group. */
export const FOR_GROUP_TAIL_BYTES = 5;
const U32_MAX = 0xffff_ffff;
const WIDTH_MAX = 32;

/** The encoded size of a group of `valueCount` values at `widthBits` (txindex.md Appendix B). */
export function forGroupBytes(valueCount: number, widthBits: number): number {
  return Math.ceil((valueCount * widthBits) / 8) + FOR_GROUP_TAIL_BYTES;
}

/** FOR-encodes `values` (n ≥ 1, each a u32) into one group. */
export function encodeForGroup(values: ArrayLike<number>): Uint8Array {
  const valueCount = values.length;
  assert(valueCount >= 1, "FOR group needs at least one value");
  let min = U32_MAX;
  let max = 0;
  for (let j = 0; j < valueCount; j++) {
    const value = values[j]!;
    // Per-value hot path: constant messages (a template would be built on every call).
    assert(Number.isInteger(value), "FOR value must be an integer");
    assert(value >= 0, "FOR value must not be negative");
    assert(value <= U32_MAX, "FOR value must fit a u32");
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const widthBits = Math.max(1, bitLength(max - min));
  const packedBytes = forGroupBytes(valueCount, widthBits) - FOR_GROUP_TAIL_BYTES;
  const group = new Uint8Array(packedBytes + FOR_GROUP_TAIL_BYTES);
  // The accumulator holds < 8 pending bits plus one residual (≤ 32 bits): < 2^40, exact in a double.
  let accumulator = 0;
  let pendingBits = 0;
  let byteOffset = 0;
  for (let j = 0; j < valueCount; j++) {
    accumulator += (values[j]! - min) * 2 ** pendingBits;
    pendingBits += widthBits;
    while (pendingBits >= 8) {
      group[byteOffset++] = accumulator % 256;
      accumulator = Math.floor(accumulator / 256);
      pendingBits -= 8;
    }
  }
  if (pendingBits > 0) group[byteOffset++] = accumulator;
  assert(byteOffset === packedBytes, `FOR group packed ${byteOffset} bytes, want ${packedBytes}`);
  group[packedBytes] = widthBits;
  new DataView(group.buffer).setUint32(packedBytes + 1, min, true);
  return group;
}

/** Where decoded values go, and where the group sits for messages ("offset index group 3"). */
export interface ForGroupTarget {
  into: Uint32Array;
  path: string;
  where: string;
}

/**
 * Decodes the group of `target.into.length` values that ENDS at `window`'s end into
 * `target.into`, and returns the group's byte size. Bytes are input: any violation is a
 * `CorruptFileError`.
 */
export function decodeForGroup(window: Uint8Array, target: ForGroupTarget): number {
  const { into, ...source } = target;
  const valueCount = into.length;
  assert(valueCount >= 1, "FOR group decode needs at least one value");
  const fail = (detail: string): never => {
    throw new CorruptFileError(source.path, `${source.where}: ${detail}`);
  };
  if (window.length < FOR_GROUP_TAIL_BYTES) {
    fail(`FOR group needs at least ${FOR_GROUP_TAIL_BYTES} bytes, ${window.length} left`);
  }
  const tailOffset = window.length - FOR_GROUP_TAIL_BYTES;
  const widthBits = window[tailOffset]!;
  if (widthBits < 1 || widthBits > WIDTH_MAX) fail(`FOR group width ${widthBits}, want 1..${WIDTH_MAX}`);
  const min = new DataView(window.buffer, window.byteOffset, window.length).getUint32(tailOffset + 1, true);
  const groupBytes = forGroupBytes(valueCount, widthBits);
  if (window.length < groupBytes) {
    fail(`FOR group of ${valueCount} values at width ${widthBits} needs ${groupBytes} bytes, ${window.length} left`);
  }
  const packedStart = window.length - groupBytes;
  const widthScale = 2 ** widthBits;
  let accumulator = 0;
  let pendingBits = 0;
  let byteOffset = packedStart;
  for (let j = 0; j < valueCount; j++) {
    while (pendingBits < widthBits) {
      accumulator += window[byteOffset++]! * 2 ** pendingBits;
      pendingBits += 8;
    }
    const residual = accumulator % widthScale;
    accumulator = Math.floor(accumulator / widthScale);
    pendingBits -= widthBits;
    const value = min + residual;
    if (value > U32_MAX) fail(`FOR value ${j} = ${min} + ${residual} exceeds u32`);
    into[j] = value;
  }
  assert(byteOffset === tailOffset, `FOR decode consumed ${byteOffset - packedStart} packed bytes, want ${tailOffset - packedStart}`);
  if (accumulator !== 0) fail("FOR group padding bits are not zero");
  return groupBytes;
}

function bitLength(value: number): number {
  return value === 0 ? 0 : 32 - Math.clz32(value);
}
