/**
 * Term dictionary `{chunk:08d}-index.hash` (D7: our structure, replacing the reference's
 * streamhash MPHF, reference §8.5b). It maps a 16-byte term key to its RANK: its position among
 * the chunk's unique term keys sorted bytewise, which is also its item number in `-index.pack`.
 * All integers little-endian:
 *
 *   block 0 … block B−1      B × 4096 bytes; block b holds ranks [255·b, 255·b + 255):
 *                              keys (k × 16, ascending) | zero padding to 4092 | CRC32C [0, 4092)
 *   fence table              B × 16 bytes: the first key of each block
 *   footer (40 bytes)        0 magic "FHTD" | 4 version 1 | 5 reserved (3) | 8 termCount
 *                            12 eventCount | 16 blockCount | 20 blockBytes (4096)
 *                            24 CRC32C of the events pack's LedgerOffsets | 28 CRC32C of the fences
 *                            32 reserved (4) | 36 CRC32C of footer bytes [0, 36)
 *
 * A lookup binary-searches the fence table (read at open), reads ONE 4 KiB block and
 * binary-searches it. Zero terms ⇒ a 40-byte file with B = 0: every lookup misses. The footer
 * binds the three segment files: eventCount must equal the events pack's item count,
 * termCount the index pack's item count, and the LedgerOffsets CRC the events pack's appData (whose
 * packfile format carries no checksum of its own).
 * @module
 */

import { assert } from "../assert.ts";
import { crc32c } from "./crc32c.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { TERM_KEY_BYTES } from "./event_terms.ts";
import { hex32 } from "./packfile_trailer.ts";

export const TERM_BLOCK_BYTES = 4096;
const BLOCK_CRC_BYTES = 4;
export const TERM_KEYS_PER_BLOCK = Math.floor((TERM_BLOCK_BYTES - BLOCK_CRC_BYTES) / TERM_KEY_BYTES);
export const TERM_DICTIONARY_FOOTER_BYTES = 40;
/** "FHTD" read as a little-endian u32. */
const MAGIC = 0x44544846;
const VERSION = 1;
const FOOTER_CRC_OFFSET = 36;

assert(TERM_KEYS_PER_BLOCK === 255, "a 4 KiB block holds 255 keys and its CRC");
assert(TERM_KEYS_PER_BLOCK * TERM_KEY_BYTES + BLOCK_CRC_BYTES <= TERM_BLOCK_BYTES, "keys and CRC fit a block");

/** The footer's facts. */
export interface TermDictionaryFooter {
  termCount: number;
  eventCount: number;
  blockCount: number;
  ledgerOffsetsCrc: number;
  fenceCrc: number;
}

/** Blocks needed for `termCount` keys. */
export function termBlockCount(termCount: number): number {
  return Math.ceil(termCount / TERM_KEYS_PER_BLOCK);
}

export function encodeTermDictionaryFooter(footer: TermDictionaryFooter): Uint8Array {
  assert(footer.blockCount === termBlockCount(footer.termCount), "block count must follow from the term count");
  const bytes = new Uint8Array(TERM_DICTIONARY_FOOTER_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  bytes[4] = VERSION;
  view.setUint32(8, footer.termCount, true);
  view.setUint32(12, footer.eventCount, true);
  view.setUint32(16, footer.blockCount, true);
  view.setUint32(20, TERM_BLOCK_BYTES, true);
  view.setUint32(24, footer.ledgerOffsetsCrc, true);
  view.setUint32(28, footer.fenceCrc, true);
  view.setUint32(FOOTER_CRC_OFFSET, crc32c(bytes.subarray(0, FOOTER_CRC_OFFSET)), true);
  return bytes;
}

/** Decodes and validates the last 40 bytes of `path`. */
export function decodeTermDictionaryFooter(bytes: Uint8Array, path: string): TermDictionaryFooter {
  assert(bytes.length === TERM_DICTIONARY_FOOTER_BYTES, `footer slice is ${bytes.length} bytes`);
  const fail = (detail: string): never => {
    throw new CorruptFileError(path, `term dictionary footer (last ${TERM_DICTIONARY_FOOTER_BYTES} bytes): ${detail}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const magic = view.getUint32(0, true);
  if (magic !== MAGIC) fail(`magic ${hex32(magic)}, want ${hex32(MAGIC)} ("FHTD")`);
  const storedCrc = view.getUint32(FOOTER_CRC_OFFSET, true);
  const computedCrc = crc32c(bytes.subarray(0, FOOTER_CRC_OFFSET));
  if (storedCrc !== computedCrc) fail(`CRC32C ${hex32(storedCrc)}, computed ${hex32(computedCrc)}`);
  if (bytes[4] !== VERSION) fail(`version ${bytes[4]}, want ${VERSION}`);
  if (bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0 || view.getUint32(32, true) !== 0) fail("reserved bytes are not zero");
  const blockBytes = view.getUint32(20, true);
  if (blockBytes !== TERM_BLOCK_BYTES) fail(`block size ${blockBytes}, want ${TERM_BLOCK_BYTES}`);
  const footer: TermDictionaryFooter = {
    termCount: view.getUint32(8, true),
    eventCount: view.getUint32(12, true),
    blockCount: view.getUint32(16, true),
    ledgerOffsetsCrc: view.getUint32(24, true),
    fenceCrc: view.getUint32(28, true),
  };
  if (footer.blockCount !== termBlockCount(footer.termCount)) {
    fail(`${footer.blockCount} blocks cannot hold exactly ${footer.termCount} terms`);
  }
  if (footer.termCount > 0 && footer.eventCount === 0) fail(`${footer.termCount} terms but no events`);
  return footer;
}

/** Bytewise comparison of the first 16 bytes of `a` and `b` (term keys). */
export function compareTermKeys(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < TERM_KEY_BYTES; i++) {
    const difference = a[i]! - b[i]!;
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The `index`-th 16-byte key of a packed key array (a view, no copy). */
export function termKeyAt(keys: Uint8Array, index: number): Uint8Array {
  return keys.subarray(index * TERM_KEY_BYTES, (index + 1) * TERM_KEY_BYTES);
}
