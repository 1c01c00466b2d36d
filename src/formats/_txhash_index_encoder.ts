/**
 * The streaming `.idx` block encoder (txindex.md §3.4; layout in `_txhash_index_layout.ts`).
 * Entries arrive in prefix order from the run merge (`TxhashIndexBatch`: key words 0–1 and the
 * seq, ascending by the key words); the encoder emits blocks strictly sequentially through one
 * 1 MiB buffer, so memory is the buffer, the counts (4 B per block) and the current block's upper
 * bitvector (m/8 bytes) — a skewed block is streamed, not held.
 *
 * Determinism: entries with the same quotient (same block and U + 8 bits) are the only ones whose
 * order the prefix order does not fix in the output; they are ordered by payload (their entry words
 * differ only in the payload), the rest of the key being irrelevant to the bytes. So the merge may
 * hand them over in any order: same key set ⇒ same bytes.
 * @module
 */

import { writeSync } from "node:fs";
import { InvariantError, assert } from "../assert.ts";
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
  idxCrc,
  upperWordCount,
} from "./_txhash_index_layout.ts";
import { TXHASH_INDEX_ENTRY_WORDS, type TxhashIndexBatch } from "./_txhash_index_batch.ts";

const OUTPUT_BUFFER_BYTES = 1 << 20;
/** A block's keys plus 2^U must index its upper bitvector with u32 arithmetic. */
const BLOCK_KEYS_MAX = 2 ** 32 - 2 ** 11;

assert(2 ** IDX_UPPER_BITS_MAX <= 2 ** 11, "a block's 2^U zeros must fit beside BLOCK_KEYS_MAX ones below 2^32");

/** What the encoder wrote: its blocks' bytes and their key counts. */
export interface EncodedBlocks {
  blockDataBytes: number;
  /** Key count of every block of the index (2^K); zero for the blocks of other partitions. */
  counts: Uint32Array;
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

/**
 * Writes the counts (one u32 per block) and the footer after the block data; returns the file size.
 * The caller writes the header last.
 */
export function writeCountsAndFooter(fd: number, index: { counts: Uint32Array; keyCount: number; blockDataBytes: number }): number {
  let countedKeys = 0;
  for (const count of index.counts) countedKeys += count;
  assert(countedKeys === index.keyCount, `block counts sum to ${countedKeys}, want ${index.keyCount}`);
  const countsBytes = new Uint8Array(index.counts.buffer, index.counts.byteOffset, index.counts.byteLength);
  const countsOffset = IDX_HEADER_BYTES + index.blockDataBytes;
  writeAllSync(fd, { bytes: countsBytes, byteOffset: countsOffset });
  const footer = encodeTxhashIndexFooter({ keyCount: index.keyCount, blockDataBytes: index.blockDataBytes, countsCrc: idxCrc(countsBytes) });
  writeAllSync(fd, { bytes: footer, byteOffset: countsOffset + countsBytes.length });
  return countsOffset + countsBytes.length + footer.length;
}

/**
 * Encodes the blocks of a key-ordered stream into `fd` from `byteOffset` on: byte 64 of the index,
 * or byte 0 of a side file for a later key partition (txindex.md §3.6), appended by the build.
 */
export class TxhashIndexEncoder {
  readonly #fd: number;
  readonly #params: TxhashIndexParams;
  readonly #minLedger: number;
  readonly #keyCount: number;
  /** prefix48 × this, floored = the top K + U + 8 bits: block and quotient in one number (2^−s, exact). */
  readonly #quotientScale: number;
  /**
   * The quotient's low byte (the entry's low bits) read with int32 shifts, never from the quotient
   * (a double above 2^31 whose `& 0xff` is JSC's slow path): bits [s, s + 8) of prefix48, taken
   * from its low 32 bits when s ≤ 24, else from key word 0.
   */
  readonly #lowByteFromWord0: boolean;
  readonly #lowByteShift: number;
  /** 2^(U + 8): quotients per block. */
  readonly #quotientRange: number;
  readonly #counts: Uint32Array;
  readonly #outBytes = new Uint8Array(OUTPUT_BUFFER_BYTES);
  readonly #outWords = new Uint32Array(this.#outBytes.buffer);
  #outFillWords = 0;
  #fileOffset: number;
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

  /** `keyCount`: the keys this encoder will receive (its partition's, or the index's). */
  constructor(fd: number, options: { params: TxhashIndexParams; minLedger: number; keyCount: number; byteOffset: number }) {
    const { blockBits, upperBits } = options.params;
    assert(Number.isSafeInteger(options.byteOffset), `encoder offset ${options.byteOffset} is not an integer`);
    assert(options.byteOffset >= 0, `encoder offset ${options.byteOffset} is negative`);
    this.#fd = fd;
    this.#fileOffset = options.byteOffset;
    this.#params = options.params;
    this.#minLedger = options.minLedger;
    this.#keyCount = options.keyCount;
    const quotientShift = IDX_PREFIX_BITS - blockBits - upperBits - IDX_LOW_BITS;
    assert(quotientShift >= 0, `K ${blockBits} + U ${upperBits} + 8 exceeds the ${IDX_PREFIX_BITS}-bit prefix`);
    this.#quotientScale = 2 ** -quotientShift;
    this.#lowByteFromWord0 = quotientShift > 32 - IDX_LOW_BITS;
    this.#lowByteShift = this.#lowByteFromWord0 ? quotientShift - 16 : quotientShift;
    this.#quotientRange = 2 ** (upperBits + IDX_LOW_BITS);
    this.#counts = new Uint32Array(2 ** blockBits);
  }

  /**
   * Encodes a batch of entries that continues the prefix order (a quotient never goes back). The
   * hot loop of a window build (≈ 3·10^9 keys): almost every key is a quotient of its own, so a
   * one-entry run is emitted right here, on locals, without `#flushRun`'s sort. The locals are
   * written back before any method that reads the fields runs (`#flushOutput`, `#flushRun`,
   * `#openBlock`) and reloaded after. Measured on 6M keys, encoder alone: 24 ns a key with a method
   * call per run, 20 with a one-entry method, 17 on locals (docs/formats.md).
   */
  addBatch(batch: TxhashIndexBatch): void {
    const entryWords = batch.entryWords;
    const entryCount = batch.entryCount;
    const quotientScale = this.#quotientScale;
    const lowByteFromWord0 = this.#lowByteFromWord0;
    const lowByteShift = this.#lowByteShift;
    const minLedger = this.#minLedger;
    const outWords = this.#outWords;
    let runQuotient = this.#runQuotient;
    let runLength = this.#runLength;
    let runWords = this.#runWords;
    let pendingWord = runLength === 1 ? runWords[0]! : 0;
    let blockKeyCount = this.#blockKeyCount;
    let blockFirstQuotient = this.#blockFirstQuotient;
    let blockEndQuotient = this.#blockEndQuotient;
    let upper = this.#upper;
    let outFillWords = this.#outFillWords;
    const wordEnd = entryCount * TXHASH_INDEX_ENTRY_WORDS;
    for (let wordIndex = 0; wordIndex < wordEnd; wordIndex += TXHASH_INDEX_ENTRY_WORDS) {
      const keyWord0 = entryWords[wordIndex]!;
      const keyWord1 = entryWords[wordIndex + 1]!;
      const quotient = Math.floor((keyWord0 * 65536 + (keyWord1 >>> 16)) * quotientScale);
      const payload = entryWords[wordIndex + 2]! - minLedger;
      if (payload < 0) throw new InvariantError(`seq ${entryWords[wordIndex + 2]} is below the index's first ledger ${minLedger}`);
      if (payload > IDX_PAYLOAD_MAX) throw new InvariantError(`seq ${entryWords[wordIndex + 2]} overflows the 3-byte payload`);
      const lowWord = lowByteFromWord0 ? keyWord0 : (keyWord0 << 16) | (keyWord1 >>> 16);
      const entryWord = (((lowWord >>> lowByteShift) & 0xff) | (payload << IDX_LOW_BITS)) >>> 0;
      if (quotient === runQuotient) {
        // A second key of one quotient: the run goes through runWords and #flushRun's sort.
        if (runLength === 1) runWords[0] = pendingWord;
        if (runLength === runWords.length) runWords = this.#runWords = grow(runWords, runLength * 2);
        runWords[runLength++] = entryWord;
        continue;
      }
      if (quotient < runQuotient) throw new InvariantError(`index input out of order: quotient ${quotient} after ${runQuotient}`);
      if (runLength === 1) {
        // Emit the pending one-entry run: one upper bit (Elias-Fano: bit h_i + i), one word.
        if (blockKeyCount + 1 > BLOCK_KEYS_MAX) throw new InvariantError(`block ${this.#blockIndex} exceeds ${BLOCK_KEYS_MAX} keys`);
        const bitIndex = ((runQuotient - blockFirstQuotient) >>> IDX_LOW_BITS) + blockKeyCount;
        if (bitIndex >>> 5 >= upper.length) upper = this.#upper = grow(upper, 2 * upper.length + 1);
        upper[bitIndex >>> 5]! |= 1 << (bitIndex & 31);
        if (outFillWords === outWords.length) {
          this.#outFillWords = outFillWords;
          this.#flushOutput();
          outFillWords = this.#outFillWords;
        }
        outWords[outFillWords++] = pendingWord;
        blockKeyCount++;
        runLength = 0;
      }
      if (runLength > 1 || quotient >= blockEndQuotient) {
        this.#runQuotient = runQuotient;
        this.#runLength = runLength;
        this.#blockKeyCount = blockKeyCount;
        this.#outFillWords = outFillWords;
        this.#flushRun();
        if (quotient >= blockEndQuotient) this.#openBlock(quotient);
        runWords = this.#runWords;
        blockKeyCount = this.#blockKeyCount;
        blockFirstQuotient = this.#blockFirstQuotient;
        blockEndQuotient = this.#blockEndQuotient;
        upper = this.#upper;
        outFillWords = this.#outFillWords;
      }
      runQuotient = quotient;
      pendingWord = entryWord;
      runLength = 1;
    }
    if (runLength === 1) runWords[0] = pendingWord;
    this.#runQuotient = runQuotient;
    this.#runLength = runLength;
    this.#blockKeyCount = blockKeyCount;
    this.#outFillWords = outFillWords;
    this.#encodedKeyCount += entryCount;
  }

  /** Closes the last block and writes out the buffer. Returns the block bytes and counts. */
  finishBlocks(): EncodedBlocks {
    this.#flushRun();
    this.#closeBlock();
    this.#flushOutput();
    assert(this.#encodedKeyCount === this.#keyCount, `encoded ${this.#encodedKeyCount} keys, want ${this.#keyCount}`);
    return { blockDataBytes: this.#blockDataBytes, counts: this.#counts };
  }

  /** Closes the open block and opens the one holding `quotient`. */
  #openBlock(quotient: number): void {
    this.#closeBlock();
    this.#blockIndex = Math.floor(quotient / this.#quotientRange);
    this.#blockFirstQuotient = this.#blockIndex * this.#quotientRange;
    this.#blockEndQuotient = this.#blockFirstQuotient + this.#quotientRange;
  }

  /** Emits the pending run in payload order and sets its upper bits. */
  #flushRun(): void {
    const runLength = this.#runLength;
    if (runLength === 0) return;
    const runWords = this.#runWords;
    // Same quotient ⇒ same low byte: numeric order of the entry words is payload order.
    if (runLength === 2 && runWords[0]! > runWords[1]!) {
      // The usual multi-entry run (two keys of one quotient): swap, no subarray and sort call.
      const first = runWords[0]!;
      runWords[0] = runWords[1]!;
      runWords[1] = first;
    } else if (runLength > 2) {
      runWords.subarray(0, runLength).sort();
    }
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
    const crcOfBytes = idxCrc(this.#outBytes.subarray(this.#crcFromWord * 4, this.#outFillWords * 4), this.#blockCrc);
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
    this.#blockCrc = idxCrc(this.#outBytes.subarray(this.#crcFromWord * 4, fillBytes), this.#blockCrc);
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
