/**
 * The streaming `.idx` block encoder (txindex.md §3.4; layout in `_txhash_index_layout.ts`).
 * Entries arrive in total key order from the run merge; the encoder emits blocks strictly
 * sequentially through one 1 MiB buffer, so memory is the buffer, the counts (4 B per block) and
 * the current block's upper bitvector (m/8 bytes) — a skewed block is streamed, not held.
 *
 * Determinism: entries with the same quotient (same block and U + 8 bits) are the only ones whose
 * order the key order does not fix in the output; they are ordered by payload (their entry words
 * differ only in the payload), the full key being irrelevant to the bytes. Same key set ⇒ same bytes.
 * @module
 */

import { writeSync } from "node:fs";
import { InvariantError, assert } from "../assert.ts";
import { crc32c } from "./crc32c.ts";
import {
  IDX_HEADER_BYTES,
  IDX_LOW_BITS,
  IDX_PAYLOAD_MAX,
  IDX_PREFIX_BITS,
  IDX_UPPER_BITS_MAX,
  type TxhashIndexParams,
  blockByteCount,
  encodeTxhashIndexFooter,
  finishBlockCrc,
  upperWordCount,
} from "./_txhash_index_layout.ts";
import { TXHASH_KEY_WORDS, type TxhashEntries } from "./txhash_entries.ts";

const OUTPUT_BUFFER_BYTES = 1 << 20;
/** A block's keys plus 2^U must index its upper bitvector with u32 arithmetic. */
const BLOCK_KEYS_MAX = 2 ** 32 - 2 ** 11;

assert(2 ** IDX_UPPER_BITS_MAX <= 2 ** 11, "a block's 2^U zeros must fit beside BLOCK_KEYS_MAX ones below 2^32");

/** What the encoder wrote after the header. */
export interface EncodedBlocks {
  blockDataBytes: number;
  /** Offset of the end of the footer: the file size. */
  fileBytes: number;
}

/** Writes all of `bytes` at `byteOffset` of `fd` (positioned writes: a short write continues). */
export function writeAllSync(fd: number, at: { bytes: Uint8Array; byteOffset: number }): void {
  let written = 0;
  while (written < at.bytes.length) {
    const bytesWritten = writeSync(fd, at.bytes, written, at.bytes.length - written, at.byteOffset + written);
    assert(bytesWritten > 0, `write of ${at.bytes.length - written} bytes made no progress`);
    written += bytesWritten;
  }
}

/** Encodes blocks, counts and footer into `fd` from byte 64 on; the caller writes the header last. */
export class TxhashIndexEncoder {
  readonly #fd: number;
  readonly #params: TxhashIndexParams;
  readonly #minLedger: number;
  readonly #keyCount: number;
  /** floor(prefix48 / divisor) = the top K + U + 8 bits: block and quotient in one number. */
  readonly #quotientDivisor: number;
  /** 2^(U + 8): quotients per block. */
  readonly #quotientRange: number;
  readonly #counts: Uint32Array;
  readonly #outBytes = new Uint8Array(OUTPUT_BUFFER_BYTES);
  readonly #outWords = new Uint32Array(this.#outBytes.buffer);
  #outFillWords = 0;
  #fileOffset = IDX_HEADER_BYTES;
  /** Words [#crcFromWord, #outFillWords) of the buffer belong to the open block, not yet in #blockCrc. */
  #crcFromWord = 0;
  #blockCrc = 0;
  #blockIndex = -1;
  /** Quotients of the open block: [#blockFirstQuotient, #blockEndQuotient). */
  #blockFirstQuotient = 0;
  #blockEndQuotient = 0;
  #blockKeyCount = 0;
  /** The open block's upper bitvector (zero beyond the bits set); grown as its keys need. */
  #upper: Uint32Array = new Uint32Array(64);
  /** Entry words of the pending run of one quotient, sorted when the quotient changes. */
  #runWords: Uint32Array = new Uint32Array(64);
  #runLength = 0;
  #runQuotient = -1;
  #encodedKeyCount = 0;
  #blockDataBytes = 0;

  constructor(fd: number, options: { params: TxhashIndexParams; minLedger: number; keyCount: number }) {
    const { blockBits, upperBits } = options.params;
    this.#fd = fd;
    this.#params = options.params;
    this.#minLedger = options.minLedger;
    this.#keyCount = options.keyCount;
    this.#quotientDivisor = 2 ** (IDX_PREFIX_BITS - blockBits - upperBits - IDX_LOW_BITS);
    this.#quotientRange = 2 ** (upperBits + IDX_LOW_BITS);
    this.#counts = new Uint32Array(2 ** blockBits);
  }

  /** Encodes a batch of entries that continues the total key order. */
  addBatch(batch: TxhashEntries): void {
    const keyWords = batch.keyWords;
    const ledgerSeqs = batch.ledgerSeqs;
    const quotientDivisor = this.#quotientDivisor;
    const minLedger = this.#minLedger;
    for (let entryIndex = 0; entryIndex < batch.entryCount; entryIndex++) {
      const wordIndex = entryIndex * TXHASH_KEY_WORDS;
      const prefix48 = keyWords[wordIndex]! * 65536 + (keyWords[wordIndex + 1]! >>> 16);
      const quotient = Math.floor(prefix48 / quotientDivisor);
      if (quotient !== this.#runQuotient) this.#startRun(quotient);
      const payload = ledgerSeqs[entryIndex]! - minLedger;
      if (payload < 0) throw new InvariantError(`seq ${ledgerSeqs[entryIndex]} is below the index's first ledger ${minLedger}`);
      if (payload > IDX_PAYLOAD_MAX) throw new InvariantError(`seq ${ledgerSeqs[entryIndex]} overflows the 3-byte payload`);
      if (this.#runLength === this.#runWords.length) this.#runWords = grow(this.#runWords, this.#runLength * 2);
      // quotient % 256 is the low byte; `& 0xff` on a number above 2^32 wraps mod 2^32 first, same byte.
      this.#runWords[this.#runLength++] = ((quotient & 0xff) | (payload << IDX_LOW_BITS)) >>> 0;
    }
    this.#encodedKeyCount += batch.entryCount;
  }

  /** Closes the last block and writes the counts and the footer. Returns the sizes for the header. */
  finish(): EncodedBlocks {
    this.#flushRun();
    this.#closeBlock();
    this.#flushOutput();
    assert(this.#encodedKeyCount === this.#keyCount, `encoded ${this.#encodedKeyCount} keys, want ${this.#keyCount}`);
    let countedKeys = 0;
    for (const count of this.#counts) countedKeys += count;
    assert(countedKeys === this.#keyCount, `block counts sum to ${countedKeys}, want ${this.#keyCount}`);
    const countsBytes = new Uint8Array(this.#counts.buffer);
    writeAllSync(this.#fd, { bytes: countsBytes, byteOffset: this.#fileOffset });
    this.#fileOffset += countsBytes.length;
    const footer = encodeTxhashIndexFooter({
      keyCount: this.#keyCount,
      blockDataBytes: this.#blockDataBytes,
      countsCrc: crc32c(countsBytes),
    });
    writeAllSync(this.#fd, { bytes: footer, byteOffset: this.#fileOffset });
    this.#fileOffset += footer.length;
    return { blockDataBytes: this.#blockDataBytes, fileBytes: this.#fileOffset };
  }

  /** Ends the pending run and starts one for `quotient`, opening its block if it is a new one. */
  #startRun(quotient: number): void {
    if (quotient < this.#runQuotient) {
      throw new InvariantError(`index input out of order: quotient ${quotient} after ${this.#runQuotient}`);
    }
    if (this.#runLength > 0) this.#flushRun();
    if (quotient >= this.#blockEndQuotient) {
      this.#closeBlock();
      this.#blockIndex = Math.floor(quotient / this.#quotientRange);
      this.#blockFirstQuotient = this.#blockIndex * this.#quotientRange;
      this.#blockEndQuotient = this.#blockFirstQuotient + this.#quotientRange;
    }
    this.#runQuotient = quotient;
  }

  /** Emits the pending run in payload order and sets its upper bits. */
  #flushRun(): void {
    const runLength = this.#runLength;
    if (runLength === 0) return;
    const runWords = this.#runWords;
    // Same quotient ⇒ same low byte: numeric order of the entry words is payload order.
    if (runLength > 1) runWords.subarray(0, runLength).sort();
    const blockKeyCount = this.#blockKeyCount;
    if (blockKeyCount + runLength > BLOCK_KEYS_MAX) throw new InvariantError(`block ${this.#blockIndex} exceeds ${BLOCK_KEYS_MAX} keys`);
    const bucket = (this.#runQuotient - this.#blockFirstQuotient) >>> IDX_LOW_BITS;
    let bitIndex = bucket + blockKeyCount; // Elias-Fano: element i sets bit h_i + i
    if ((bitIndex + runLength) >>> 5 >= this.#upper.length) {
      this.#upper = grow(this.#upper, 2 * this.#upper.length + (runLength >>> 5) + 1);
    }
    const upper = this.#upper;
    const outWords = this.#outWords;
    for (let runIndex = 0; runIndex < runLength; runIndex++, bitIndex++) {
      upper[bitIndex >>> 5]! |= 1 << (bitIndex & 31);
      if (this.#outFillWords === outWords.length) this.#flushOutput();
      outWords[this.#outFillWords++] = runWords[runIndex]!;
    }
    this.#blockKeyCount = blockKeyCount + runLength;
    this.#runLength = 0;
  }

  /** Appends the open block's upper bitvector and CRC; records its count. */
  #closeBlock(): void {
    const keyCount = this.#blockKeyCount;
    if (keyCount === 0) return;
    const upperWords = upperWordCount(keyCount, this.#params.upperBits);
    // Empty high buckets set no bits, so the array may still be shorter than the bitvector.
    if (upperWords > this.#upper.length) this.#upper = grow(this.#upper, upperWords);
    for (let word = 0; word < upperWords; word++) this.#appendWord(this.#upper[word]!);
    this.#upper.fill(0, 0, upperWords);
    const crcOfBytes = crc32c(this.#outBytes.subarray(this.#crcFromWord * 4, this.#outFillWords * 4), this.#blockCrc);
    const blockIndex = this.#blockIndex;
    this.#crcFromWord = this.#outFillWords;
    this.#appendWord(finishBlockCrc(crcOfBytes, { blockIndex, keyCount }));
    this.#crcFromWord = this.#outFillWords;
    this.#blockCrc = 0;
    this.#counts[blockIndex] = keyCount;
    this.#blockDataBytes += blockByteCount(keyCount, this.#params.upperBits);
    this.#blockKeyCount = 0;
  }

  #appendWord(word: number): void {
    if (this.#outFillWords === this.#outWords.length) this.#flushOutput();
    this.#outWords[this.#outFillWords++] = word;
  }

  #flushOutput(): void {
    const fillBytes = this.#outFillWords * 4;
    if (fillBytes === 0) return;
    this.#blockCrc = crc32c(this.#outBytes.subarray(this.#crcFromWord * 4, fillBytes), this.#blockCrc);
    writeAllSync(this.#fd, { bytes: this.#outBytes.subarray(0, fillBytes), byteOffset: this.#fileOffset });
    this.#fileOffset += fillBytes;
    this.#outFillWords = 0;
    this.#crcFromWord = 0;
  }
}

function grow(words: Uint32Array, length: number): Uint32Array {
  const grown = new Uint32Array(length);
  grown.set(words);
  return grown;
}
