/**
 * The 76-byte packfile v1 trailer (reference §8.2, D5), byte-exact, all little-endian:
 *
 *   off size field                      off size field
 *    0   4   magic "SLCH" (0x48434C53)   24   2   indexForGroupSize = 128
 *    4   1   version = 1                 26   2   reserved (0)
 *    5   1   flags (bit0 content hash)   28   4   indexSize (FOR groups + 4-byte CRC)
 *    6   2   reserved (0)                32   4   appDataSize
 *    8   4   format (caller's id)        36  32   contentHash (zero unless flag bit0)
 *   12   4   recordCount                 68   4   reserved (0)
 *   16   4   totalItems                  72   4   CRC32C of bytes [0, 72)
 *   20   4   itemsPerRecord
 *
 * Content hash: full-history files never carry one (§8.2), so we never write flag bit0 and the
 * decoder rejects it as unsupported rather than half-implementing it. Every other flag bit is
 * corrupt. Reserved bytes and the hash bytes must be zero, both when encoding and decoding (R4).
 * @module
 */

import { assert } from "../assert.ts";
import { crc32c } from "./crc32c.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";

export const PACK_TRAILER_BYTES = 76;
/** "SLCH" read as a little-endian u32. */
export const PACK_MAGIC = 0x48434c53;
export const PACK_VERSION = 1;
/** Values per FOR group in the offset index (§8.2); the trailer must say exactly this. */
export const PACK_INDEX_FOR_GROUP_SIZE = 128;
const FLAG_CONTENT_HASH = 0x01;
const U32_MAX = 0xffff_ffff;

const OFF_MAGIC = 0;
const OFF_VERSION = 4;
const OFF_FLAGS = 5;
const OFF_RESERVED_A = 6; // 2 bytes, up to OFF_FORMAT
const OFF_FORMAT = 8;
const OFF_RECORD_COUNT = 12;
const OFF_TOTAL_ITEMS = 16;
const OFF_ITEMS_PER_RECORD = 20;
const OFF_GROUP_SIZE = 24;
const OFF_RESERVED_B = 26; // 2 bytes, up to OFF_INDEX_SIZE
const OFF_INDEX_SIZE = 28;
const OFF_APP_DATA_SIZE = 32;
const OFF_CONTENT_HASH = 36; // 32 bytes
const OFF_RESERVED_C = 68; // 4 bytes, up to OFF_CRC
const OFF_CRC = 72;

assert(OFF_CRC + 4 === PACK_TRAILER_BYTES, "trailer CRC must be its last 4 bytes");
assert(OFF_RESERVED_C - OFF_CONTENT_HASH === 32, "content hash is a 32-byte SHA-256");

/** The trailer fields a v1 file without content hash carries. All are u32 unless said. */
export interface PackTrailer {
  /** Caller-assigned file format id (ledger pack 1, events 0xFE1E000C, ...). */
  format: number;
  recordCount: number;
  totalItems: number;
  /** ≥ 1: the writer's value even when the file is empty. */
  itemsPerRecord: number;
  /** Offset index bytes: FOR groups + 4-byte CRC32C, so ≥ 4. */
  indexBytes: number;
  appDataBytes: number;
}

/** Encodes `trailer` into its 76 bytes, asserting every field is representable. */
export function encodePackTrailer(trailer: PackTrailer): Uint8Array {
  assertU32(trailer.format, "format");
  assertU32(trailer.recordCount, "recordCount");
  assertU32(trailer.totalItems, "totalItems");
  assertU32(trailer.itemsPerRecord, "itemsPerRecord");
  assertU32(trailer.indexBytes, "indexBytes");
  assertU32(trailer.appDataBytes, "appDataBytes");
  assert(trailer.itemsPerRecord >= 1, "itemsPerRecord must be at least 1");
  assert(trailer.indexBytes >= 4, "index must hold at least its CRC");
  assert(
    trailer.recordCount === Math.ceil(trailer.totalItems / trailer.itemsPerRecord),
    `recordCount ${trailer.recordCount} must be ceil(${trailer.totalItems} / ${trailer.itemsPerRecord})`,
  );
  const bytes = new Uint8Array(PACK_TRAILER_BYTES); // reserved, flags and content hash stay zero
  const view = new DataView(bytes.buffer);
  view.setUint32(OFF_MAGIC, PACK_MAGIC, true);
  bytes[OFF_VERSION] = PACK_VERSION;
  view.setUint32(OFF_FORMAT, trailer.format, true);
  view.setUint32(OFF_RECORD_COUNT, trailer.recordCount, true);
  view.setUint32(OFF_TOTAL_ITEMS, trailer.totalItems, true);
  view.setUint32(OFF_ITEMS_PER_RECORD, trailer.itemsPerRecord, true);
  view.setUint16(OFF_GROUP_SIZE, PACK_INDEX_FOR_GROUP_SIZE, true);
  view.setUint32(OFF_INDEX_SIZE, trailer.indexBytes, true);
  view.setUint32(OFF_APP_DATA_SIZE, trailer.appDataBytes, true);
  view.setUint32(OFF_CRC, crc32c(bytes.subarray(0, OFF_CRC)), true);
  return bytes;
}

/**
 * Decodes and validates the last 76 bytes of `path`. Checks magic, CRC, version, flags, reserved
 * and hash bytes, group size, itemsPerRecord ≥ 1 and recordCount = ceil(totalItems / ipr). Sizes
 * against the file length are the reader's (it knows the length).
 */
export function decodePackTrailer(bytes: Uint8Array, path: string): PackTrailer {
  assert(bytes.length === PACK_TRAILER_BYTES, `trailer slice is ${bytes.length} bytes, want ${PACK_TRAILER_BYTES}`);
  const fail = (detail: string): never => {
    throw new CorruptFileError(path, `trailer (last ${PACK_TRAILER_BYTES} bytes): ${detail}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const magic = view.getUint32(OFF_MAGIC, true);
  if (magic !== PACK_MAGIC) fail(`magic ${hex32(magic)}, want ${hex32(PACK_MAGIC)} ("SLCH"); not a packfile`);
  const storedCrc = view.getUint32(OFF_CRC, true);
  const computedCrc = crc32c(bytes.subarray(0, OFF_CRC));
  if (storedCrc !== computedCrc) fail(`CRC32C ${hex32(storedCrc)}, computed ${hex32(computedCrc)}`);
  const version = bytes[OFF_VERSION]!;
  if (version !== PACK_VERSION) fail(`version ${version}, want ${PACK_VERSION}`);
  const flags = bytes[OFF_FLAGS]!;
  if ((flags & ~FLAG_CONTENT_HASH) !== 0) fail(`unknown flag bits 0x${flags.toString(16).padStart(2, "0")}`);
  if (flags === FLAG_CONTENT_HASH) fail("content hash flag is set; this reader does not support content hashes");
  if (!allZero(bytes.subarray(OFF_RESERVED_A, OFF_FORMAT))) fail("reserved bytes 6..7 are not zero");
  if (!allZero(bytes.subarray(OFF_RESERVED_B, OFF_INDEX_SIZE))) fail("reserved bytes 26..27 are not zero");
  if (!allZero(bytes.subarray(OFF_CONTENT_HASH, OFF_RESERVED_C))) fail("content hash bytes are not zero but the flag is clear");
  if (!allZero(bytes.subarray(OFF_RESERVED_C, OFF_CRC))) fail("reserved bytes 68..71 are not zero");
  const groupSize = view.getUint16(OFF_GROUP_SIZE, true);
  if (groupSize !== PACK_INDEX_FOR_GROUP_SIZE) fail(`index FOR group size ${groupSize}, want ${PACK_INDEX_FOR_GROUP_SIZE}`);
  const trailer: PackTrailer = {
    format: view.getUint32(OFF_FORMAT, true),
    recordCount: view.getUint32(OFF_RECORD_COUNT, true),
    totalItems: view.getUint32(OFF_TOTAL_ITEMS, true),
    itemsPerRecord: view.getUint32(OFF_ITEMS_PER_RECORD, true),
    indexBytes: view.getUint32(OFF_INDEX_SIZE, true),
    appDataBytes: view.getUint32(OFF_APP_DATA_SIZE, true),
  };
  if (trailer.itemsPerRecord === 0) fail("itemsPerRecord is 0");
  const impliedRecords = Math.ceil(trailer.totalItems / trailer.itemsPerRecord);
  if (impliedRecords !== trailer.recordCount) {
    fail(
      `${trailer.totalItems} items at ${trailer.itemsPerRecord} per record need ${impliedRecords} records, ` +
        `trailer says ${trailer.recordCount}`,
    );
  }
  if (trailer.indexBytes < 4) fail(`index size ${trailer.indexBytes} is smaller than its 4-byte CRC`);
  return trailer;
}

/** `0x0000abcd`: how checksums and magics appear in messages. */
export function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}

function allZero(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte === 0);
}

function assertU32(value: number, name: string): void {
  assert(Number.isInteger(value), `trailer ${name} ${value} is not an integer`);
  assert(value >= 0, `trailer ${name} ${value} is negative`);
  assert(value <= U32_MAX, `trailer ${name} ${value} exceeds u32`);
}
