/**
 * The `.idx` byte layout shared by the builder and the reader (txindex.md §3.3, D6, D9; the
 * normative description is docs/formats.md "Tx-hash index"). All integers are little-endian.
 *
 *   Header   64 B   magic "TXQ1", version, K (block bits), U (upper bits), low bits 8, payload 3,
 *                   min/max ledger, key count u64, block data bytes u64, CRC of bytes 0..59
 *   Blocks          block 0 … block 2^K − 1; an empty block (m = 0) takes no bytes; otherwise
 *                   [m × entry u32 = low | payload << 8][upper: ceil((m + 2^U)/32) u32][CRC u32]
 *   Counts          2^K × u32: m of each block (the RAM index is derived from these at open)
 *   Footer   32 B   key count u64, block data bytes u64, CRC of counts, 0, CRC of bytes 0..23,
 *                   magic "TXQE"
 *
 * Keys: p = big-endian u64 of hash bytes 0..7; block b = top K bits of p; quotient q = the next
 * U + 8 bits; h = q >> 8 is Elias-Fano coded in `upper` (element i sets bit h_i + i, LSB-first per
 * u32), the low 8 bits are the fingerprint. Only the top K + U + 8 (≤ 48) bits of a hash are used:
 * candidates are verified by the caller against the full hash (reference §8.7).
 *
 * Every region is a whole number of u32 words, so blocks are 4-aligned and decode through a
 * Uint32Array view.
 *
 * The CRC is CRC-32 (IEEE, zlib's), not the packfile's CRC32C: `.idx` is our own format (D6), and
 * every lookup checks one ~3 KB block, where Bun's native `Bun.hash.crc32` takes ~0.35 µs and our
 * JavaScript CRC32C ~2.3 µs, the whole CPU budget of a probe (issue: ≤ 2 µs beyond the read).
 * Version 2 (version 1 used CRC32C).
 * @module
 */

import { assert } from "../assert.ts";
import { IDX_PAYLOAD_BYTES } from "../geometry/windows.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";

export const IDX_HEADER_BYTES = 64;
export const IDX_FOOTER_BYTES = 32;
export const IDX_VERSION = 2;
export const IDX_LOW_BITS = 8;
/** Bytes of one block entry: the low (fingerprint) byte and the 3-byte payload. */
export const IDX_ENTRY_BYTES = 4;
/** Bytes of a block's trailing CRC, and of one count. */
export const IDX_WORD_BYTES = 4;
/** Blocks hold at most this many keys on average: K = ceil(log2(N / 1024)) (txindex.md §3.2). */
export const IDX_BLOCK_KEYS_TARGET = 1024;
/** 2^30 blocks = 1.1·10^12 keys; a dense window is about 3·10^9 (reference §12.1). */
export const IDX_BLOCK_BITS_MAX = 30;
/** U = round(log2(mean m)) and mean m ≤ 1024. */
export const IDX_UPPER_BITS_MAX = 10;
/** The quotient math reads the top 48 bits of the hash, exact in a float64. */
export const IDX_PREFIX_BITS = 48;
/** The largest payload: seq − minLedger must fit 3 bytes. */
export const IDX_PAYLOAD_MAX = 2 ** (8 * IDX_PAYLOAD_BYTES) - 1;
/** Keys in one index: assumed ≤ 2^40 (K ≤ 30); any count is an exact float64 integer. */
export const IDX_KEY_COUNT_MAX = IDX_BLOCK_KEYS_TARGET * 2 ** IDX_BLOCK_BITS_MAX;

const HEADER_MAGIC = 0x31515854; // "TXQ1" read as u32 LE
const FOOTER_MAGIC = 0x45515854; // "TXQE" read as u32 LE
const HEADER_RESERVED_OFFSET = 36;
const HEADER_CRC_OFFSET = 60;
const FOOTER_RESERVED_OFFSET = 20;
const FOOTER_CRC_OFFSET = 24;
const FOOTER_MAGIC_OFFSET = 28;

assert(IDX_PAYLOAD_BYTES === 3, "the .idx entry is one low byte and a 3-byte payload");
assert(IDX_LOW_BITS + 8 * IDX_PAYLOAD_BYTES === 8 * IDX_ENTRY_BYTES, "low bits and payload fill one u32 entry");
assert(IDX_BLOCK_BITS_MAX + IDX_UPPER_BITS_MAX + IDX_LOW_BITS <= IDX_PREFIX_BITS, "quotient bits exceed the 48-bit prefix");
assert(Number.isSafeInteger(IDX_KEY_COUNT_MAX), "key counts must be exact float64 integers");
assert(new TextDecoder().decode(new Uint32Array([HEADER_MAGIC])) === "TXQ1", "header magic spells TXQ1");
assert(new TextDecoder().decode(new Uint32Array([FOOTER_MAGIC])) === "TXQE", "footer magic spells TXQE");

/** Block bits K and upper bits U; the quotient is U + 8 bits. */
export interface TxhashIndexParams {
  blockBits: number;
  upperBits: number;
}

/**
 * K and U for `keyCount` keys (txindex.md §3.2): K = ceil(log2(N / 1024)) so the mean block holds
 * 512–1024 keys (a 2–4.4 KB read); U = round(log2(N / 2^K)) so ρ = m / 2^U lies in [0.71, 1.41]
 * (FP per probe ρ/256 ≤ 1/181, 4.21–4.32 B/key). Integer arithmetic only: the parameters, hence
 * the bytes, must not depend on a platform's log2.
 */
export function txhashIndexParams(keyCount: number): TxhashIndexParams {
  assert(Number.isSafeInteger(keyCount), `key count ${keyCount} is not an integer`);
  assert(keyCount >= 0, `key count ${keyCount} is negative`);
  assert(keyCount <= IDX_KEY_COUNT_MAX, `key count ${keyCount} exceeds ${IDX_KEY_COUNT_MAX}`);
  let blockBits = 0;
  while (keyCount > IDX_BLOCK_KEYS_TARGET * 2 ** blockBits) blockBits++;
  // round(log2(N / 2^K)) = the largest U with 2^(U - 1/2) ≤ N / 2^K, i.e. 2^(2U - 1 + 2K) ≤ N².
  const keyCountSquared = BigInt(keyCount) * BigInt(keyCount);
  let upperBits = 0;
  while (upperBits < IDX_UPPER_BITS_MAX && 2n ** BigInt(2 * (upperBits + 1) - 1 + 2 * blockBits) <= keyCountSquared) {
    upperBits++;
  }
  return { blockBits, upperBits };
}

/** u32 words of a block's upper bitvector: m ones and 2^U zeros. */
export function upperWordCount(keyCount: number, upperBits: number): number {
  return Math.ceil((keyCount + 2 ** upperBits) / 32);
}

/** Bytes of a block holding `keyCount` keys; an empty block takes none. */
export function blockByteCount(keyCount: number, upperBits: number): number {
  if (keyCount === 0) return 0;
  return IDX_ENTRY_BYTES * keyCount + IDX_WORD_BYTES * upperWordCount(keyCount, upperBits) + IDX_WORD_BYTES;
}

/**
 * Continues the `.idx` CRC (CRC-32 IEEE, module doc) over `bytes`: `idxCrc(b, idxCrc(a))` equals
 * `idxCrc(a ++ b)`.
 */
export function idxCrc(bytes: Uint8Array, crcSoFar = 0): number {
  return Bun.hash.crc32(bytes, crcSoFar);
}

/** `finishBlockCrc`'s scratch (one per thread; the CRC reads it before returning): no allocation per block. */
const BLOCK_IDENTITY_WORDS = new Uint32Array(2);
const BLOCK_IDENTITY_BYTES = new Uint8Array(BLOCK_IDENTITY_WORDS.buffer);

/**
 * A block's CRC, finished: `crcOfBytes` is the `idxCrc` of the block's bytes before its CRC word;
 * the block index and key count follow as u32 LE, so a read of the wrong block, or with a wrong
 * count, fails the check.
 */
export function finishBlockCrc(crcOfBytes: number, block: { blockIndex: number; keyCount: number }): number {
  BLOCK_IDENTITY_WORDS[0] = block.blockIndex;
  BLOCK_IDENTITY_WORDS[1] = block.keyCount;
  return idxCrc(BLOCK_IDENTITY_BYTES, crcOfBytes);
}

/** The decoded header. Region offsets follow from it (`txhashIndexGeometry`). */
export interface TxhashIndexHeader extends TxhashIndexParams {
  minLedger: number;
  maxLedger: number;
  keyCount: number;
  blockDataBytes: number;
}

/** Offsets and sizes of the regions, derived from the header. */
export interface TxhashIndexGeometry {
  blockCount: number;
  blockDataOffset: number;
  countsOffset: number;
  footerOffset: number;
  fileBytes: number;
}

export function txhashIndexGeometry(header: TxhashIndexHeader): TxhashIndexGeometry {
  const blockCount = 2 ** header.blockBits;
  const blockDataOffset = IDX_HEADER_BYTES;
  const countsOffset = blockDataOffset + header.blockDataBytes;
  const footerOffset = countsOffset + IDX_WORD_BYTES * blockCount;
  return { blockCount, blockDataOffset, countsOffset, footerOffset, fileBytes: footerOffset + IDX_FOOTER_BYTES };
}

/** Encodes the header; asserts what the reader will check (style R4). */
export function encodeTxhashIndexHeader(header: TxhashIndexHeader): Uint8Array {
  assertHeader(header);
  const bytes = new Uint8Array(IDX_HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, HEADER_MAGIC, true);
  view.setUint16(4, IDX_VERSION, true);
  view.setUint16(6, 0, true); // flags: none defined
  view.setUint8(8, header.blockBits);
  view.setUint8(9, header.upperBits);
  view.setUint8(10, IDX_LOW_BITS);
  view.setUint8(11, IDX_PAYLOAD_BYTES);
  view.setUint32(12, header.minLedger, true);
  view.setUint32(16, header.maxLedger, true);
  setUint64(view, { byteOffset: 20, value: header.keyCount });
  setUint64(view, { byteOffset: 28, value: header.blockDataBytes });
  view.setUint32(HEADER_CRC_OFFSET, idxCrc(bytes.subarray(0, HEADER_CRC_OFFSET)), true);
  return bytes;
}

/** Decodes and validates a header read from `path`; throws `CorruptFileError` saying what is wrong. */
export function decodeTxhashIndexHeader(bytes: Uint8Array, path: string): TxhashIndexHeader {
  assert(bytes.length === IDX_HEADER_BYTES, `header buffer of ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (detail: string) => new CorruptFileError(path, `header at byte 0: ${detail}`);
  const magic = view.getUint32(0, true);
  if (magic !== HEADER_MAGIC) throw corrupt(`magic 0x${hex32(magic)}, want "TXQ1"`);
  const storedCrc = view.getUint32(HEADER_CRC_OFFSET, true);
  const actualCrc = idxCrc(bytes.subarray(0, HEADER_CRC_OFFSET));
  if (storedCrc !== actualCrc) throw corrupt(`CRC 0x${hex32(actualCrc)}, stored 0x${hex32(storedCrc)}`);
  const fixed: [string, number, number][] = [
    ["version", view.getUint16(4, true), IDX_VERSION],
    ["flags", view.getUint16(6, true), 0],
    ["low bits", view.getUint8(10), IDX_LOW_BITS],
    ["payload bytes", view.getUint8(11), IDX_PAYLOAD_BYTES],
  ];
  for (let byteOffset = HEADER_RESERVED_OFFSET; byteOffset < HEADER_CRC_OFFSET; byteOffset += 4) {
    fixed.push([`reserved word at byte ${byteOffset}`, view.getUint32(byteOffset, true), 0]);
  }
  for (const [name, actual, want] of fixed) if (actual !== want) throw corrupt(`${name} ${actual}, want ${want}`);
  const header: TxhashIndexHeader = {
    blockBits: view.getUint8(8),
    upperBits: view.getUint8(9),
    minLedger: view.getUint32(12, true),
    maxLedger: view.getUint32(16, true),
    keyCount: getUint64(view, 20),
    blockDataBytes: getUint64(view, 28),
  };
  const problem = headerProblem(header);
  if (problem !== undefined) throw corrupt(problem);
  return header;
}

/** The footer: a second copy of the sizes, and the counts' CRC. */
export interface TxhashIndexFooter {
  keyCount: number;
  blockDataBytes: number;
  countsCrc: number;
}

export function encodeTxhashIndexFooter(footer: TxhashIndexFooter): Uint8Array {
  const bytes = new Uint8Array(IDX_FOOTER_BYTES);
  const view = new DataView(bytes.buffer);
  setUint64(view, { byteOffset: 0, value: footer.keyCount });
  setUint64(view, { byteOffset: 8, value: footer.blockDataBytes });
  view.setUint32(16, footer.countsCrc, true);
  view.setUint32(FOOTER_RESERVED_OFFSET, 0, true);
  view.setUint32(FOOTER_CRC_OFFSET, idxCrc(bytes.subarray(0, FOOTER_CRC_OFFSET)), true);
  view.setUint32(FOOTER_MAGIC_OFFSET, FOOTER_MAGIC, true);
  return bytes;
}

/** Decodes a footer found at `byteOffset` of `path`; throws `CorruptFileError` for a bad magic, CRC or reserved word. */
export function decodeTxhashIndexFooter(bytes: Uint8Array, at: { path: string; byteOffset: number }): TxhashIndexFooter {
  assert(bytes.length === IDX_FOOTER_BYTES, `footer buffer of ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (detail: string) => new CorruptFileError(at.path, `footer at byte ${at.byteOffset}: ${detail}`);
  const magic = view.getUint32(FOOTER_MAGIC_OFFSET, true);
  if (magic !== FOOTER_MAGIC) throw corrupt(`magic 0x${hex32(magic)}, want "TXQE"`);
  const storedCrc = view.getUint32(FOOTER_CRC_OFFSET, true);
  const actualCrc = idxCrc(bytes.subarray(0, FOOTER_CRC_OFFSET));
  if (storedCrc !== actualCrc) throw corrupt(`CRC 0x${hex32(actualCrc)}, stored 0x${hex32(storedCrc)}`);
  const reserved = view.getUint32(FOOTER_RESERVED_OFFSET, true);
  if (reserved !== 0) throw corrupt(`reserved word ${reserved}, want 0`);
  return { keyCount: getUint64(view, 0), blockDataBytes: getUint64(view, 8), countsCrc: view.getUint32(16, true) };
}

/** `%08x`, for CRCs and magics in messages. */
export function hex32(value: number): string {
  return value.toString(16).padStart(8, "0");
}

function assertHeader(header: TxhashIndexHeader): void {
  const problem = headerProblem(header);
  assert(problem === undefined, `encoding an invalid .idx header: ${problem}`);
}

/** What is wrong with a header's values, or undefined. One check per fact. */
function headerProblem(header: TxhashIndexHeader): string | undefined {
  if (header.blockBits > IDX_BLOCK_BITS_MAX) return `block bits ${header.blockBits} exceed ${IDX_BLOCK_BITS_MAX}`;
  if (header.upperBits > IDX_UPPER_BITS_MAX) return `upper bits ${header.upperBits} exceed ${IDX_UPPER_BITS_MAX}`;
  if (header.minLedger > header.maxLedger) return `ledger range [${header.minLedger}, ${header.maxLedger}] is reversed`;
  if (header.maxLedger - header.minLedger > IDX_PAYLOAD_MAX) {
    return `ledger range [${header.minLedger}, ${header.maxLedger}] exceeds the 3-byte payload`;
  }
  if (header.keyCount > IDX_KEY_COUNT_MAX) return `key count ${header.keyCount} exceeds ${IDX_KEY_COUNT_MAX}`;
  if (!Number.isSafeInteger(header.blockDataBytes)) return `block data bytes ${header.blockDataBytes} exceed 2^53`;
  return undefined;
}

function setUint64(view: DataView, at: { byteOffset: number; value: number }): void {
  assert(Number.isSafeInteger(at.value), `u64 field ${at.value} is not a safe integer`);
  assert(at.value >= 0, `u64 field ${at.value} is negative`);
  view.setUint32(at.byteOffset, at.value % 2 ** 32, true);
  view.setUint32(at.byteOffset + 4, Math.floor(at.value / 2 ** 32), true);
}

/** A u64 LE as a number; values ≥ 2^53 come back as Infinity so every bound check rejects them. */
function getUint64(view: DataView, byteOffset: number): number {
  const high = view.getUint32(byteOffset + 4, true);
  if (high >= 2 ** 21) return Number.POSITIVE_INFINITY;
  return high * 2 ** 32 + view.getUint32(byteOffset, true);
}
