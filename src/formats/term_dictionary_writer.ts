/**
 * Writes a term dictionary `-index.hash` (layout in `term_dictionary.ts`) from the chunk's unique
 * term keys in ascending order, asserting that order before any byte is written (R4). Streams one
 * 4 KiB block at a time through the bounded file buffer; fsyncs and closes; removes the partial
 * file on failure.
 * @module
 */

import { assert } from "../assert.ts";
import { abandonAndRethrow, createBufferedFile } from "./_buffered_file.ts";
import { crc32c } from "./crc32c.ts";
import { TERM_KEY_BYTES } from "./event_terms.ts";
import {
  compareTermKeys,
  encodeTermDictionaryFooter,
  TERM_BLOCK_BYTES,
  TERM_KEYS_PER_BLOCK,
  termBlockCount,
  termKeyAt,
} from "./term_dictionary.ts";

/** Facts from the other segment files that the footer binds (see `term_dictionary.ts`). */
export interface TermDictionaryBinding {
  eventCount: number;
  ledgerOffsetsCrc: number;
}

/** Writes `sortedKeys` (termCount × 16 bytes, strictly ascending) to `path`. */
export function writeTermDictionary(path: string, sortedKeys: Uint8Array, binding: TermDictionaryBinding): void {
  assert(sortedKeys.length % TERM_KEY_BYTES === 0, `key bytes ${sortedKeys.length} are not a multiple of 16`);
  const termCount = sortedKeys.length / TERM_KEY_BYTES;
  for (let rank = 1; rank < termCount; rank++) {
    const order = compareTermKeys(termKeyAt(sortedKeys, rank - 1), termKeyAt(sortedKeys, rank));
    assert(order < 0, `term keys not strictly ascending at rank ${rank}`);
  }
  assert(termCount === 0 || binding.eventCount > 0, "terms without events");
  const blockCount = termBlockCount(termCount);
  const fences = new Uint8Array(blockCount * TERM_KEY_BYTES);
  const file = createBufferedFile(path);
  try {
    const block = new Uint8Array(TERM_BLOCK_BYTES);
    const blockView = new DataView(block.buffer);
    for (let blockIndex = 0; blockIndex < blockCount; blockIndex++) {
      const keysStart = blockIndex * TERM_KEYS_PER_BLOCK * TERM_KEY_BYTES;
      const keys = sortedKeys.subarray(keysStart, keysStart + TERM_KEYS_PER_BLOCK * TERM_KEY_BYTES);
      block.fill(0);
      block.set(keys);
      blockView.setUint32(TERM_BLOCK_BYTES - 4, crc32c(block.subarray(0, TERM_BLOCK_BYTES - 4)), true);
      fences.set(keys.subarray(0, TERM_KEY_BYTES), blockIndex * TERM_KEY_BYTES);
      file.write(block);
    }
    file.write(fences);
    file.write(
      encodeTermDictionaryFooter({
        termCount,
        eventCount: binding.eventCount,
        blockCount,
        ledgerOffsetsCrc: binding.ledgerOffsetsCrc,
        fenceCrc: crc32c(fences),
      }),
    );
    file.finish();
  } catch (err) {
    abandonAndRethrow([file], err);
  }
}
