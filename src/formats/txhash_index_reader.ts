/**
 * Reads a tx-hash index `.idx` (txindex.md §3.5, D6; layout in `_txhash_index_layout.ts` and
 * docs/formats.md). At open it validates the header, the file size, the footer and the counts
 * (their CRC, their sum, the block-data size they imply), and derives a small RAM index:
 * each block's key count as a u16 (counts ≥ 65535, only under skew, go to a map) plus the byte
 * offset of every 64th block — about 2.1 B per block, 8.8 MB for a dense window (2^22 blocks).
 *
 * A lookup costs ONE positioned read of one block (none for an empty block), checks the block's
 * CRC (which also binds the block index and count, so a misdirected read fails), and returns
 * every key of the probed quotient whose fingerprint byte matches, as absolute ledger seqs
 * (reference §8.7). Candidates may be false positives (about ρ/256 of probes, ρ ∈ [0.71, 1.41]):
 * the caller verifies the full hash against the ledger. A corrupt index throws `CorruptFileError`;
 * it never yields candidates from bytes that failed a check.
 * @module
 */

import { assert } from "../assert.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import {
  IDX_FOOTER_BYTES,
  IDX_HEADER_BYTES,
  IDX_LOW_BITS,
  IDX_PREFIX_BITS,
  IDX_WORD_BYTES,
  type TxhashIndexGeometry,
  type TxhashIndexHeader,
  blockByteCount,
  decodeTxhashIndexFooter,
  decodeTxhashIndexHeader,
  finishBlockCrc,
  hex32,
  idxCrc,
  txhashIndexGeometry,
  upperWordCount,
} from "./_txhash_index_layout.ts";
import { type ReadFile, openAndAdopt } from "./_txhash_read_file.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { TXHASH_KEY_BYTES } from "./txhash_entries.ts";

/** Blocks per RAM-index offset sample: a lookup adds at most 63 block sizes. */
const BLOCKS_PER_OFFSET_SAMPLE = 64;
/** The u16 count that means "look in the map". */
const COUNT_ESCAPE = 0xffff;
/** Reused read buffer; a larger block (skew) gets its own buffer. */
const SCRATCH_BYTES = 64 << 10;
/** Bytes of a full tx hash. */
const TXHASH_BYTES = 32;

/** Opens and validates an index; throws `CorruptFileError` when it cannot be trusted. */
export function openTxhashIndex(path: string): TxhashIndexReader {
  return openAndAdopt(path, { what: "index", adopt: (file) => new TxhashIndexReader(file) });
}

/** An open index. Synchronous positioned reads; one reader per thread. */
export class TxhashIndexReader {
  readonly path: string;
  /** The coverage's first ledger: candidates are minLedger + payload. */
  readonly minLedger: LedgerSeq;
  /** The coverage's last ledger. */
  readonly maxLedger: LedgerSeq;
  readonly keyCount: number;
  /** K: the index has 2^K blocks. */
  readonly blockBits: number;
  /** U: quotients are U + 8 bits; the expected false-positive rate per probe is keyCount / 2^(K+U+8). */
  readonly upperBits: number;
  /** The file size. */
  readonly byteCount: number;
  readonly #file: ReadFile;
  readonly #quotientDivisor: number;
  readonly #quotientRange: number;
  readonly #blockCounts: Uint16Array;
  readonly #largeBlockCounts = new Map<number, number>();
  readonly #sampleOffsets: Float64Array;
  readonly #scratch = new Uint8Array(SCRATCH_BYTES);
  /** The scratch as u32 words: a block read into it is decoded through this view (no view per lookup). */
  readonly #scratchWords = new Uint32Array(this.#scratch.buffer);

  /** Use `openTxhashIndex`; takes ownership of `file`. */
  constructor(file: ReadFile) {
    this.path = file.path;
    this.#file = file;
    const header = this.#readHeader();
    const geometry = txhashIndexGeometry(header);
    this.minLedger = header.minLedger as LedgerSeq;
    this.maxLedger = header.maxLedger as LedgerSeq;
    this.keyCount = header.keyCount;
    this.blockBits = header.blockBits;
    this.upperBits = header.upperBits;
    this.byteCount = geometry.fileBytes;
    this.#quotientDivisor = 2 ** (IDX_PREFIX_BITS - header.blockBits - header.upperBits - IDX_LOW_BITS);
    this.#quotientRange = 2 ** (header.upperBits + IDX_LOW_BITS);
    this.#blockCounts = new Uint16Array(geometry.blockCount);
    this.#sampleOffsets = new Float64Array(Math.ceil(geometry.blockCount / BLOCKS_PER_OFFSET_SAMPLE));
    this.#loadCounts(header, geometry);
  }

  /**
   * Candidate ledgers of a tx hash (32 bytes, or its first 16): ascending, usually none or one.
   * One positioned read. Throws `CorruptFileError` when the probed block fails its checks.
   */
  lookup(txHash: Uint8Array): LedgerSeq[] {
    assert(!this.#file.closed, `index "${this.path}" is closed`);
    assert(txHash.length === TXHASH_BYTES || txHash.length === TXHASH_KEY_BYTES, `tx hash of ${txHash.length} bytes`);
    const keyWord0 = ((txHash[0]! << 24) | (txHash[1]! << 16) | (txHash[2]! << 8) | txHash[3]!) >>> 0;
    const keyWord1High = (txHash[4]! << 8) | txHash[5]!;
    const quotient = Math.floor((keyWord0 * 65536 + keyWord1High) / this.#quotientDivisor);
    const blockIndex = Math.floor(quotient / this.#quotientRange);
    const blockQuotient = quotient - blockIndex * this.#quotientRange;
    const keyCount = this.#blockKeyCount(blockIndex);
    if (keyCount === 0) return [];
    const byteOffset = this.#blockOffset(blockIndex);
    const words = this.#readBlock({ blockIndex, keyCount, byteOffset });
    return this.#candidates(words, { blockIndex, keyCount, byteOffset, blockQuotient });
  }

  /**
   * Reads every non-empty block once, in file order, and checks its CRC (audit, D15): the
   * whole-file counterpart of the per-lookup check. Throws `CorruptFileError` at the first bad block.
   */
  checkAllBlocks(): void {
    assert(!this.#file.closed, `index "${this.path}" is closed`);
    let byteOffset = this.#blockOffset(0);
    for (let blockIndex = 0; blockIndex < this.#blockCounts.length; blockIndex++) {
      const keyCount = this.#blockKeyCount(blockIndex);
      if (keyCount > 0) this.#readBlock({ blockIndex, keyCount, byteOffset });
      byteOffset += blockByteCount(keyCount, this.upperBits);
    }
  }

  /** Closes the file. Idempotent. */
  close(): void {
    this.#file.close();
  }

  #readHeader(): TxhashIndexHeader {
    const fileBytes = this.#file.byteCount;
    if (fileBytes < IDX_HEADER_BYTES + IDX_FOOTER_BYTES) {
      throw new CorruptFileError(this.path, `size ${fileBytes} bytes is shorter than a header and a footer`);
    }
    const header = decodeTxhashIndexHeader(this.#read({ byteOffset: 0, byteCount: IDX_HEADER_BYTES }), this.path);
    const geometry = txhashIndexGeometry(header);
    if (fileBytes !== geometry.fileBytes) {
      throw new CorruptFileError(
        this.path,
        `size ${fileBytes} bytes, want ${geometry.fileBytes} from the header ` +
          `(${geometry.blockCount} blocks, ${header.blockDataBytes} bytes of block data)`,
      );
    }
    return header;
  }

  /** Reads counts and footer in one read, cross-checks them, and fills the RAM index. */
  #loadCounts(header: TxhashIndexHeader, geometry: TxhashIndexGeometry): void {
    const countsBytes = IDX_WORD_BYTES * geometry.blockCount;
    const tail = this.#read({ byteOffset: geometry.countsOffset, byteCount: countsBytes + IDX_FOOTER_BYTES });
    const footer = decodeTxhashIndexFooter(tail.subarray(countsBytes), { path: this.path, byteOffset: geometry.footerOffset });
    const corrupt = (detail: string) => new CorruptFileError(this.path, detail);
    if (footer.keyCount !== header.keyCount) throw corrupt(`footer key count ${footer.keyCount}, header ${header.keyCount}`);
    if (footer.blockDataBytes !== header.blockDataBytes) {
      throw corrupt(`footer block data bytes ${footer.blockDataBytes}, header ${header.blockDataBytes}`);
    }
    const countsCrc = idxCrc(tail.subarray(0, countsBytes));
    if (countsCrc !== footer.countsCrc) {
      throw corrupt(`counts at byte ${geometry.countsOffset}: CRC 0x${hex32(countsCrc)}, stored 0x${hex32(footer.countsCrc)}`);
    }
    const counts = new Uint32Array(tail.buffer, tail.byteOffset, geometry.blockCount);
    let keyTotal = 0;
    let byteOffset = geometry.blockDataOffset;
    for (let blockIndex = 0; blockIndex < geometry.blockCount; blockIndex++) {
      const keyCount = counts[blockIndex]!;
      if (blockIndex % BLOCKS_PER_OFFSET_SAMPLE === 0) this.#sampleOffsets[blockIndex / BLOCKS_PER_OFFSET_SAMPLE] = byteOffset;
      if (keyCount >= COUNT_ESCAPE) this.#largeBlockCounts.set(blockIndex, keyCount);
      this.#blockCounts[blockIndex] = Math.min(keyCount, COUNT_ESCAPE);
      keyTotal += keyCount;
      byteOffset += blockByteCount(keyCount, header.upperBits);
    }
    if (keyTotal !== header.keyCount) throw corrupt(`block counts sum to ${keyTotal} keys, header says ${header.keyCount}`);
    if (byteOffset !== geometry.countsOffset) {
      throw corrupt(`block counts imply block data ending at byte ${byteOffset}, header says ${geometry.countsOffset}`);
    }
  }

  #blockKeyCount(blockIndex: number): number {
    const keyCount = this.#blockCounts[blockIndex]!;
    return keyCount === COUNT_ESCAPE ? this.#largeBlockCounts.get(blockIndex)! : keyCount;
  }

  #blockOffset(blockIndex: number): number {
    const sample = Math.floor(blockIndex / BLOCKS_PER_OFFSET_SAMPLE);
    let byteOffset = this.#sampleOffsets[sample]!;
    for (let before = sample * BLOCKS_PER_OFFSET_SAMPLE; before < blockIndex; before++) {
      byteOffset += blockByteCount(this.#blockKeyCount(before), this.upperBits);
    }
    return byteOffset;
  }

  /** Reads one block and checks its CRC; returns it as u32 words. */
  #readBlock(block: { blockIndex: number; keyCount: number; byteOffset: number }): Uint32Array {
    const byteCount = blockByteCount(block.keyCount, this.upperBits);
    const bytes = this.#read({ byteOffset: block.byteOffset, byteCount });
    // A block is whole u32 words, read to offset 0 of the scratch or of its own buffer (`#read`).
    const words = byteCount <= SCRATCH_BYTES ? this.#scratchWords.subarray(0, byteCount / 4) : new Uint32Array(bytes.buffer, 0, byteCount / 4);
    const storedCrc = words[words.length - 1]!;
    const actualCrc = finishBlockCrc(idxCrc(bytes.subarray(0, byteCount - IDX_WORD_BYTES)), block);
    if (storedCrc !== actualCrc) {
      throw new CorruptFileError(
        this.path,
        `block ${block.blockIndex} at byte ${block.byteOffset}: CRC 0x${hex32(actualCrc)}, stored 0x${hex32(storedCrc)}`,
      );
    }
    return words;
  }

  /**
   * Elias-Fano decode (txindex.md §3.5): bucket h's elements are the ones after the h-th zero of
   * the upper bitvector; element i is at bit h + i. Keeps those whose low byte matches.
   */
  #candidates(
    words: Uint32Array,
    probe: { blockIndex: number; keyCount: number; byteOffset: number; blockQuotient: number },
  ): LedgerSeq[] {
    const { keyCount } = probe;
    const bucket = probe.blockQuotient >>> IDX_LOW_BITS;
    const low = probe.blockQuotient & 0xff;
    const upperStart = keyCount;
    const upperBits = 32 * upperWordCount(keyCount, this.upperBits);
    const bitAt = (bitIndex: number) => (words[upperStart + (bitIndex >>> 5)]! >>> (bitIndex & 31)) & 1;
    const corrupt = (detail: string) =>
      new CorruptFileError(this.path, `block ${probe.blockIndex} at byte ${probe.byteOffset}: ${detail}`);
    let bitIndex = this.#afterZeros(words, { upperStart, zeroCount: bucket, keyCount });
    if (bitIndex < 0) throw corrupt(`upper bitvector has fewer than ${bucket} zeros`);
    const seqs: LedgerSeq[] = [];
    for (let element = bitIndex - bucket; bitIndex < upperBits && bitAt(bitIndex) === 1; element++, bitIndex++) {
      if (element >= keyCount) throw corrupt(`upper bitvector has more than ${keyCount} ones`);
      const entry = words[element]!;
      if ((entry & 0xff) !== low) continue;
      const ledgerSeq = this.minLedger + (entry >>> IDX_LOW_BITS);
      if (ledgerSeq > this.maxLedger) throw corrupt(`entry ${element} decodes to ledger ${ledgerSeq} above ${this.maxLedger}`);
      seqs.push(ledgerSeq as LedgerSeq);
    }
    return seqs;
  }

  /** The bit index just after the `zeroCount`-th zero of the upper bitvector (0 for none), or −1. */
  #afterZeros(words: Uint32Array, upper: { upperStart: number; zeroCount: number; keyCount: number }): number {
    if (upper.zeroCount === 0) return 0;
    const wordCount = upperWordCount(upper.keyCount, this.upperBits);
    let zerosLeft = upper.zeroCount;
    for (let word = 0; word < wordCount; word++) {
      const inverted = ~words[upper.upperStart + word]! >>> 0;
      const zeros = popcount32(inverted);
      if (zeros < zerosLeft) {
        zerosLeft -= zeros;
        continue;
      }
      let remaining = inverted;
      for (let bit = 0; bit < 32; bit++, remaining >>>= 1) {
        if ((remaining & 1) === 1 && --zerosLeft === 0) return word * 32 + bit + 1;
      }
    }
    return -1;
  }

  /** Reads a range into the scratch buffer (or a buffer of its own if larger): valid until the next read. */
  #read(range: { byteOffset: number; byteCount: number }): Uint8Array {
    const fits = range.byteCount <= this.#scratch.length;
    const target = fits ? this.#scratch.subarray(0, range.byteCount) : new Uint8Array(range.byteCount);
    this.#file.read(target, range.byteOffset);
    return target;
  }
}

function popcount32(word: number): number {
  let bits = word - ((word >>> 1) & 0x55555555);
  bits = (bits & 0x33333333) + ((bits >>> 2) & 0x33333333);
  return (Math.imul((bits + (bits >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}
