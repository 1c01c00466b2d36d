/**
 * Reads a term dictionary `-index.hash` (layout in `term_dictionary.ts`). Open = one tail read of
 * min(256 KiB, size) holding the footer and, for up to ~4M terms, the fence table; it validates the
 * footer, the exact file size, the fence CRC and that fences strictly ascend. A lookup is a binary
 * search of the fences, ONE positioned 4 KiB block read (CRC-checked, first key = its fence)
 * and a binary search in the block.
 * @module
 */

import * as fs from "node:fs";
import { assert } from "../assert.ts";
import { crc32c } from "./crc32c.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { TERM_KEY_BYTES } from "./event_terms.ts";
import { fileSystemCall } from "./file_io_error.ts";
import { hex32 } from "./packfile_trailer.ts";
import { type FileTail, openWithTail, readExactly } from "./_file_reads.ts";
import {
  compareTermKeys,
  decodeTermDictionaryFooter,
  termKeyAt,
  TERM_BLOCK_BYTES,
  TERM_DICTIONARY_FOOTER_BYTES,
  TERM_KEYS_PER_BLOCK,
  type TermDictionaryFooter,
} from "./term_dictionary.ts";


/** Opens and validates `path`. */
export function openTermDictionary(path: string): TermDictionaryReader {
  return openWithTail(path, {
    minBytes: TERM_DICTIONARY_FOOTER_BYTES,
    what: "footer",
    parse: parseTail,
  });
}

function parseTail(opened: FileTail): TermDictionaryReader {
  const { path, fd, fileBytes, tail } = opened;
  const tailBytes = tail.length;
  const footer = decodeTermDictionaryFooter(tail.subarray(tailBytes - TERM_DICTIONARY_FOOTER_BYTES), path);
  const fenceBytes = footer.blockCount * TERM_KEY_BYTES;
  const expectedBytes = footer.blockCount * TERM_BLOCK_BYTES + fenceBytes + TERM_DICTIONARY_FOOTER_BYTES;
  if (fileBytes !== expectedBytes) {
    throw new CorruptFileError(path, `file is ${fileBytes} bytes, but ${footer.blockCount} blocks need ${expectedBytes}`);
  }
  const fencesStart = fileBytes - TERM_DICTIONARY_FOOTER_BYTES - fenceBytes;
  const fences =
    fenceBytes + TERM_DICTIONARY_FOOTER_BYTES <= tailBytes
      ? tail.slice(tailBytes - TERM_DICTIONARY_FOOTER_BYTES - fenceBytes, tailBytes - TERM_DICTIONARY_FOOTER_BYTES)
      : readExactly(opened, { byteOffset: fencesStart, byteCount: fenceBytes, what: "fence table" });
  const fenceCrc = crc32c(fences);
  if (fenceCrc !== footer.fenceCrc) {
    throw new CorruptFileError(path, `fence table at byte ${fencesStart}: CRC32C ${hex32(fenceCrc)}, footer says ${hex32(footer.fenceCrc)}`);
  }
  for (let block = 1; block < footer.blockCount; block++) {
    if (compareTermKeys(termKeyAt(fences, block - 1), termKeyAt(fences, block)) >= 0) {
      throw new CorruptFileError(path, `fence table: block ${block}'s first key does not follow block ${block - 1}'s`);
    }
  }
  return new TermDictionaryReader({ path, fd, footer, fences });
}

/** An open, validated term dictionary. */
export class TermDictionaryReader {
  readonly path: string;
  readonly footer: TermDictionaryFooter;
  readonly #fd: number;
  readonly #fences: Uint8Array;
  #open = true;

  /** Use `openTermDictionary`. */
  constructor(parts: { path: string; fd: number; footer: TermDictionaryFooter; fences: Uint8Array }) {
    this.path = parts.path;
    this.#fd = parts.fd;
    this.footer = parts.footer;
    this.#fences = parts.fences;
  }

  get termCount(): number {
    return this.footer.termCount;
  }

  /** The rank of `term` (its `-index.pack` item number), or undefined when the chunk lacks it. */
  rankOf(term: Uint8Array): number | undefined {
    assert(this.#open, `lookup in closed term dictionary "${this.path}"`);
    assert(term.length === TERM_KEY_BYTES, `term key is ${term.length} bytes, want ${TERM_KEY_BYTES}`);
    const blockIndex = this.#lastBlockStartingAtOrBefore(term);
    if (blockIndex < 0) return undefined;
    const keys = this.#readBlockKeys(blockIndex);
    let low = 0;
    let high = keys.length / TERM_KEY_BYTES - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = compareTermKeys(termKeyAt(keys, middle), term);
      if (order === 0) return blockIndex * TERM_KEYS_PER_BLOCK + middle;
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  /** Reads every block once and checks its CRC32C and fence (audit, D15); throws `CorruptFileError`. */
  checkAllBlocks(): void {
    assert(this.#open, `check of closed term dictionary "${this.path}"`);
    for (let blockIndex = 0; blockIndex < this.footer.blockCount; blockIndex++) this.#readBlockKeys(blockIndex);
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    fileSystemCall(this.path, { step: "close", call: () => fs.closeSync(this.#fd) });
  }

  /** The last block whose fence ≤ term, or −1 when term sorts before every key. */
  #lastBlockStartingAtOrBefore(term: Uint8Array): number {
    let low = 0;
    let high = this.footer.blockCount - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (compareTermKeys(termKeyAt(this.#fences, middle), term) <= 0) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /** Block `blockIndex`'s keys, validated against its CRC and its fence. */
  #readBlockKeys(blockIndex: number): Uint8Array {
    const byteOffset = blockIndex * TERM_BLOCK_BYTES;
    const file = { path: this.path, fd: this.#fd };
    const block = readExactly(file, { byteOffset, byteCount: TERM_BLOCK_BYTES, what: `term block ${blockIndex}` });
    const fail = (detail: string): never => {
      throw new CorruptFileError(this.path, `term block ${blockIndex} at byte ${byteOffset}: ${detail}`);
    };
    const storedCrc = new DataView(block.buffer).getUint32(TERM_BLOCK_BYTES - 4, true);
    const computedCrc = crc32c(block.subarray(0, TERM_BLOCK_BYTES - 4));
    if (storedCrc !== computedCrc) fail(`CRC32C ${hex32(storedCrc)}, computed ${hex32(computedCrc)}`);
    const keyCount = Math.min(TERM_KEYS_PER_BLOCK, this.footer.termCount - blockIndex * TERM_KEYS_PER_BLOCK);
    const keys = block.subarray(0, keyCount * TERM_KEY_BYTES);
    // Key order inside the block was asserted by the writer and is sealed by the CRC; the fence
    // check catches a block written for another position.
    if (compareTermKeys(keys, termKeyAt(this.#fences, blockIndex)) !== 0) fail("first key differs from its fence");
    return keys;
  }
}
