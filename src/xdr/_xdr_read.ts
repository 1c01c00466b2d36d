/**
 * Bounds-checked XDR primitives shared by the generated skippers (`_skip_generated.ts`) and the
 * hand-written walkers in this folder (lake-and-xdr §5). Folder-private.
 *
 * Contract: no reader here ever indexes past `bytes.length`; every count read from the input is
 * checked against the bytes that remain before anything loops over it, so no input can make a
 * walker run longer than linear in its size (style R5). A violation throws `XdrFault`, which
 * the public entry points turn into an `XdrError` naming the ledger.
 * @module
 */

import { XdrError } from "./xdr_error.ts";

/** Where and why XDR decoding stopped. Caught only by this folder's public entry points. */
export class XdrFault extends Error {
  override name = "XdrFault";
  readonly byteOffset: number;

  constructor(byteOffset: number, detail: string) {
    super(detail);
    this.byteOffset = byteOffset;
  }
}

/**
 * Recursion bound for self-referencing types (SCVal, ClaimPredicate, SorobanAuthorizedInvocation…),
 * counted per generated call inside one recursive group. Matches the soroban host's
 * DEFAULT_XDR_RW_DEPTH_LIMIT (500): anything core accepted fits, and a crafted input cannot
 * overflow the stack.
 */
export const XDR_DEPTH_MAX = 500;

/** What bounds one variable-length array type: its declared maximum and its smallest element. */
export interface ArrayLimits {
  countMax: number;
  elementBytesMin: number;
  where: string;
}

/** What bounds one variable-length opaque or string type. */
export interface OpaqueLimits {
  byteLengthMax: number;
  where: string;
}

/** Big-endian uint32 at `byteOffset`; the caller has checked 4 bytes are there. */
export function u32(bytes: Uint8Array, byteOffset: number): number {
  return (
    ((bytes[byteOffset]! << 24) |
      (bytes[byteOffset + 1]! << 16) |
      (bytes[byteOffset + 2]! << 8) |
      bytes[byteOffset + 3]!) >>>
    0
  );
}

/** Big-endian int32 at `byteOffset`; the caller has checked 4 bytes are there. */
export function i32(bytes: Uint8Array, byteOffset: number): number {
  return (
    (bytes[byteOffset]! << 24) |
    (bytes[byteOffset + 1]! << 16) |
    (bytes[byteOffset + 2]! << 8) |
    bytes[byteOffset + 3]!
  );
}

/** A fault for `byteCount` bytes wanted at `byteOffset` where the buffer ends sooner. */
export function truncated(bytes: Uint8Array, byteOffset: number, byteCount: number, where: string): XdrFault {
  const remaining = Math.max(0, bytes.length - byteOffset);
  return new XdrFault(byteOffset, `${where} is truncated: need ${byteCount} bytes, ${remaining} remain`);
}

/** A fault for a union discriminant, enum value or bool outside its type. */
export function badValue(byteOffset: number, where: string, value: number): XdrFault {
  return new XdrFault(byteOffset, `${where} has invalid value ${value}`);
}

/** A fault for recursion deeper than XDR_DEPTH_MAX. */
export function tooDeep(byteOffset: number, where: string): XdrFault {
  return new XdrFault(byteOffset, `${where} nests deeper than ${XDR_DEPTH_MAX} levels`);
}

/**
 * Reads the u32 element count of a variable-length array at `byteOffset` and checks it against
 * the declared maximum and against the bytes left (each element takes at least
 * `elementBytesMin` ≥ 1 bytes), so a loop over the elements is bounded by the input size.
 * `limits` is a per-type constant (no allocation per call).
 */
export function arrayCount(bytes: Uint8Array, byteOffset: number, limits: ArrayLimits): number {
  if (byteOffset + 4 > bytes.length) throw truncated(bytes, byteOffset, 4, limits.where);
  const count = u32(bytes, byteOffset);
  if (count > limits.countMax) {
    throw new XdrFault(byteOffset, `${limits.where} has ${count} elements, more than its limit ${limits.countMax}`);
  }
  const remaining = bytes.length - byteOffset - 4;
  if (count * limits.elementBytesMin > remaining) {
    throw new XdrFault(
      byteOffset,
      `${limits.where} claims ${count} elements but only ${remaining} bytes remain`,
    );
  }
  return count;
}

/**
 * Skips variable-length opaque or string data: u32 length (≤ `byteLengthMax`), the bytes, zero
 * padding to a multiple of 4 (RFC 4506 §4.10; js-xdr rejects non-zero padding, so do we).
 * Returns the offset after the padding. `limits` is a per-type constant (no allocation per call).
 */
export function skipVarOpaque(bytes: Uint8Array, byteOffset: number, limits: OpaqueLimits): number {
  if (byteOffset + 4 > bytes.length) throw truncated(bytes, byteOffset, 4, limits.where);
  const byteLength = u32(bytes, byteOffset);
  if (byteLength > limits.byteLengthMax) {
    throw new XdrFault(byteOffset, `${limits.where} is ${byteLength} bytes, more than its limit ${limits.byteLengthMax}`);
  }
  const dataOffset = byteOffset + 4;
  const end = dataOffset + byteLength + ((4 - (byteLength % 4)) % 4);
  if (end > bytes.length) throw truncated(bytes, dataOffset, end - dataOffset, limits.where);
  for (let padOffset = dataOffset + byteLength; padOffset < end; padOffset++) {
    if (bytes[padOffset] !== 0) throw new XdrFault(padOffset, `${limits.where} has non-zero padding`);
  }
  return end;
}

/**
 * Big-endian uint64 at `byteOffset` as a number; the caller has checked 8 bytes are there.
 * A value above 2^53 − 1 cannot be a close time or a size we act on: it is a fault.
 */
export function u64Number(bytes: Uint8Array, byteOffset: number, where: string): number {
  const high = u32(bytes, byteOffset);
  if (high > 0x1f_ffff) throw new XdrFault(byteOffset, `${where} exceeds 2^53 - 1`);
  return high * 0x1_0000_0000 + u32(bytes, byteOffset + 4);
}

/**
 * At a public entry point: turns an `XdrFault` into the `XdrError` operators see, naming `what`
 * and the ledger when known; anything else is not ours to translate and is rethrown as is.
 */
export function rethrowAsXdrError(err: unknown, context: { what: string; ledgerSeq: number | undefined }): never {
  if (!(err instanceof XdrFault)) throw err;
  throw new XdrError(
    context.what,
    { ledgerSeq: context.ledgerSeq, byteOffset: err.byteOffset, detail: err.message },
    { cause: err },
  );
}
