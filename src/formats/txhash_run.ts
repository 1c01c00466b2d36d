/**
 * The tx-hash run `{chunk:08d}.bin` (reference §8.6, D5, D8), byte-exact:
 *
 *   [count u64 LE][count × entry]      entry = [key: tx hash bytes 0..15][ledger seq u32 LE]
 *
 * Entries are sorted ascending by key bytewise, ties by seq (so the bytes are a function of the
 * entry set); duplicate keys are kept. The file size is exactly 8 + 20·count.
 *
 * Writer: sorts in memory, writes through one 1 MiB buffer, fsyncs, closes; on any failure the
 * partial file is removed (reference §8.6). The directory entry is the caller's to fsync (the
 * barrier step of reference §5.2). Reader: validates the size against the count at open and,
 * as it streams, that entries are sorted and (optionally) that every seq lies in a ledger range —
 * bytes read back are input (style R4), and the index build trusts nothing else.
 * @module
 */

import { type FileHandle, open, rm } from "node:fs/promises";
import { InvariantError, assert } from "../assert.ts";
import { errnoCode } from "../errors.ts";
import { LEDGER_SEQ_MAX } from "../geometry/chunk.ts";
import { type ReadFile, openAndAdopt } from "./_txhash_read_file.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { TXHASH_KEY_BYTES, TXHASH_KEY_WORDS, TxhashEntries, swapBytes32 } from "./txhash_entries.ts";
import { TxhashWriteError } from "./txhash_write_error.ts";

/** The u64 LE entry count at the start of a run. */
export const TXHASH_RUN_HEADER_BYTES = 8;
/** One entry: 16 key bytes and a u32 LE ledger seq. */
export const TXHASH_RUN_ENTRY_BYTES = TXHASH_KEY_BYTES + 4;
/** The writer's buffer (reference §8.6: 1 MiB buffered). */
const WRITE_BUFFER_BYTES = 1 << 20;
/** The reader's default buffer: 3276 entries. The merge sizes it from its memory budget. */
const READ_BUFFER_BYTES_DEFAULT = 64 * 1024;
const ENTRY_WORDS = TXHASH_RUN_ENTRY_BYTES / 4;
const HEADER_WORDS = TXHASH_RUN_HEADER_BYTES / 4;

assert(TXHASH_RUN_ENTRY_BYTES % 4 === 0, "run entries must be whole u32 words (aligned views)");
assert(TXHASH_RUN_HEADER_BYTES % 4 === 0, "the run header must be whole u32 words (aligned views)");
assert(new Uint8Array(new Uint32Array([1]).buffer)[0] === 1, "u32 views must be little-endian like the file");

/** What `writeTxhashRun` wrote. */
export interface TxhashRunWritten {
  entryCount: number;
  byteCount: number;
}

/** The exact size of a run holding `entryCount` entries. */
export function txhashRunByteCount(entryCount: number): number {
  return TXHASH_RUN_HEADER_BYTES + TXHASH_RUN_ENTRY_BYTES * entryCount;
}

/**
 * Sorts `entries` and writes them to `path` as a run (create/truncate, fsync, close). On failure
 * the partial file is removed; system errors become `TxhashWriteError`. `entries` is not changed.
 */
export async function writeTxhashRun(path: string, entries: TxhashEntries): Promise<TxhashRunWritten> {
  // Sort before the file exists: a bug must not leave a partial run. The sorted copy doubles the
  // chunk's columns for the duration of the write (about 2 × 60 MB for a dense chunk).
  const sorted = new TxhashEntries({ initialCapacity: entries.entryCount, entryCountMax: entries.entryCount });
  entries.sortInto(sorted, 0);
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, "w");
    await writeSortedEntries(handle, { path, sorted });
    await handle.sync();
    const closing = handle;
    handle = undefined;
    await closing.close();
  } catch (err) {
    try {
      await handle?.close();
    } finally {
      await rm(path, { force: true }); // force: ENOENT only (open itself failed); other errors surface
    }
    if (errnoCode(err) === undefined) throw err; // an assert or a bug: not an operator's problem
    throw new TxhashWriteError(path, err);
  }
  return { entryCount: sorted.entryCount, byteCount: txhashRunByteCount(sorted.entryCount) };
}

async function writeSortedEntries(handle: FileHandle, run: { path: string; sorted: TxhashEntries }): Promise<void> {
  const { path, sorted } = run;
  const bytes = new Uint8Array(WRITE_BUFFER_BYTES);
  const words = new Uint32Array(bytes.buffer);
  const keyWords = sorted.keyWords;
  const ledgerSeqs = sorted.ledgerSeqs;
  const entryCount = sorted.entryCount;
  words[0] = entryCount % 2 ** 32;
  words[1] = Math.floor(entryCount / 2 ** 32);
  let fillWords = HEADER_WORDS;
  for (let entryIndex = 0; entryIndex < entryCount; entryIndex++) {
    // Assert our own bytes before they are written (style R4): the run is sorted, ties by seq.
    if (entryIndex > 0 && sorted.compare(entryIndex - 1, entryIndex) > 0) {
      throw new InvariantError(`run entry ${entryIndex} of "${path}" is out of order`);
    }
    if (fillWords + ENTRY_WORDS > words.length) {
      await writeAll(handle, bytes.subarray(0, fillWords * 4));
      fillWords = 0;
    }
    const keyWordIndex = entryIndex * TXHASH_KEY_WORDS;
    words[fillWords] = swapBytes32(keyWords[keyWordIndex]!);
    words[fillWords + 1] = swapBytes32(keyWords[keyWordIndex + 1]!);
    words[fillWords + 2] = swapBytes32(keyWords[keyWordIndex + 2]!);
    words[fillWords + 3] = swapBytes32(keyWords[keyWordIndex + 3]!);
    words[fillWords + 4] = ledgerSeqs[entryIndex]!;
    fillWords += ENTRY_WORDS;
  }
  await writeAll(handle, bytes.subarray(0, fillWords * 4));
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
    assert(bytesWritten > 0, `write of ${bytes.length - written} bytes made no progress`);
    written += bytesWritten;
  }
}

/** Options for `openTxhashRun`. */
export interface TxhashRunReaderOptions {
  /** Read buffer size; rounded down to whole entries, at least one. Default 64 KiB. */
  bufferBytes?: number;
  /** Every entry's seq must be ≥ this, else `CorruptFileError` naming the entry. Default 0. */
  ledgerSeqMin?: number;
  /** Every entry's seq must be ≤ this, else `CorruptFileError` naming the entry. Default 2^32 − 1. */
  ledgerSeqMax?: number;
  /**
   * Reads only entries [firstEntryIndex, endEntryIndex) (one key partition of a parallel `.idx`
   * build, txindex.md §3.6); entry firstEntryIndex − 1 is read once as the predecessor the first
   * entry's order is checked against. Default: the whole run.
   */
  entryBounds?: { firstEntryIndex: number; endEntryIndex: number };
}

/**
 * Opens a run, validates its size against its header count, and returns a streaming reader.
 * Throws `CorruptFileError` for a missing, short or mis-sized file.
 */
export function openTxhashRun(path: string, options: TxhashRunReaderOptions = {}): TxhashRunReader {
  return openAndAdopt(path, { what: "run", adopt: (file) => new TxhashRunReader(file, options) });
}

/**
 * A sequential reader over one run with a bounded buffer. `keyWords`/`ledgerSeqs` hold the
 * buffered entries (big-endian key words, as in `TxhashEntries`); slots [cursor, bufferedCount)
 * are unread. The merge advances `cursor` itself and calls `refill()` when the buffer is spent.
 */
export class TxhashRunReader {
  readonly path: string;
  readonly entryCount: number;
  /** Key words of buffered entry j at [4j, 4j + 4), big-endian. */
  readonly keyWords: Uint32Array;
  /** Ledger seq of buffered entry j. */
  readonly ledgerSeqs: Uint32Array;
  /** File entry index of buffer slot 0. */
  bufferEntryIndex = 0;
  /** The first entry read: 0 unless `entryBounds` names a later one. */
  readonly firstEntryIndex: number;
  /** One past the last entry read: `entryCount` unless `entryBounds` names an earlier one. */
  readonly endEntryIndex: number;
  /** Valid slots in the buffer. */
  bufferedCount = 0;
  /** The next unread slot. */
  cursor = 0;
  readonly #file: ReadFile;
  readonly #raw: Uint8Array;
  readonly #rawWords: Uint32Array;
  readonly #ledgerSeqMin: number;
  readonly #ledgerSeqMax: number;
  /** Entries [0, validatedCount) were checked for order and seq range. */
  #validatedCount = 0;
  /** The last validated entry, the predecessor of the next buffer's first entry. */
  readonly #lastKeyWords = new Uint32Array(TXHASH_KEY_WORDS);
  #lastLedgerSeq = 0;

  /** Use `openTxhashRun`; takes ownership of `file`. */
  constructor(file: ReadFile, options: TxhashRunReaderOptions) {
    this.path = file.path;
    this.#file = file;
    this.#ledgerSeqMin = options.ledgerSeqMin ?? 0;
    this.#ledgerSeqMax = options.ledgerSeqMax ?? LEDGER_SEQ_MAX;
    assert(this.#ledgerSeqMin <= this.#ledgerSeqMax, `ledger range [${this.#ledgerSeqMin}, ${this.#ledgerSeqMax}] is reversed`);
    const bufferEntries = Math.max(1, Math.floor((options.bufferBytes ?? READ_BUFFER_BYTES_DEFAULT) / TXHASH_RUN_ENTRY_BYTES));
    this.#raw = new Uint8Array(bufferEntries * TXHASH_RUN_ENTRY_BYTES);
    this.#rawWords = new Uint32Array(this.#raw.buffer);
    this.keyWords = new Uint32Array(bufferEntries * TXHASH_KEY_WORDS);
    this.ledgerSeqs = new Uint32Array(bufferEntries);
    this.entryCount = this.#readEntryCount();
    const bounds = options.entryBounds ?? { firstEntryIndex: 0, endEntryIndex: this.entryCount };
    assert(Number.isSafeInteger(bounds.firstEntryIndex), `run "${this.path}": first entry ${bounds.firstEntryIndex} is not an integer`);
    assert(bounds.firstEntryIndex >= 0, `run "${this.path}": first entry ${bounds.firstEntryIndex} is negative`);
    assert(bounds.firstEntryIndex <= bounds.endEntryIndex, `run "${this.path}": entry bounds [${bounds.firstEntryIndex}, ${bounds.endEntryIndex}) are reversed`);
    assert(bounds.endEntryIndex <= this.entryCount, `run "${this.path}": end entry ${bounds.endEntryIndex} is past its ${this.entryCount} entries`);
    this.firstEntryIndex = bounds.firstEntryIndex;
    this.endEntryIndex = bounds.endEntryIndex;
    this.bufferEntryIndex = bounds.firstEntryIndex;
    this.#validatedCount = bounds.firstEntryIndex;
    if (bounds.firstEntryIndex > 0) this.#readPredecessor(bounds.firstEntryIndex - 1);
  }

  /** The file index of the next unread entry. */
  get nextEntryIndex(): number {
    return this.bufferEntryIndex + this.cursor;
  }

  /**
   * Drops the read slots and buffers the entries from `nextEntryIndex` on. Returns the buffered
   * count, 0 at the end of the run. Validates every entry not validated before.
   */
  refill(): number {
    const firstEntryIndex = this.nextEntryIndex;
    const count = Math.min(this.ledgerSeqs.length, this.endEntryIndex - firstEntryIndex);
    this.bufferEntryIndex = firstEntryIndex;
    this.cursor = 0;
    this.bufferedCount = 0;
    if (count === 0) return 0;
    this.#readEntries(firstEntryIndex, count);
    this.#decodeAndValidate(firstEntryIndex, count);
    this.bufferedCount = count;
    return count;
  }

  /** Moves the read position back to file entry `entryIndex` (the merge's range restart). */
  seek(entryIndex: number): void {
    assert(entryIndex >= 0, `seek to entry ${entryIndex}`);
    assert(entryIndex <= this.#validatedCount, `seek to entry ${entryIndex} past the validated ${this.#validatedCount}`);
    const slot = entryIndex - this.bufferEntryIndex;
    if (slot >= 0 && slot <= this.bufferedCount) {
      this.cursor = slot;
      return;
    }
    this.bufferEntryIndex = entryIndex;
    this.bufferedCount = 0;
    this.cursor = 0;
  }

  /** Closes the file. Idempotent. */
  close(): void {
    this.#file.close();
  }

  #readEntryCount(): number {
    const fileBytes = this.#file.byteCount;
    if (fileBytes < TXHASH_RUN_HEADER_BYTES) {
      throw new CorruptFileError(this.path, `size ${fileBytes} bytes is shorter than the ${TXHASH_RUN_HEADER_BYTES}-byte header`);
    }
    const header = new Uint8Array(TXHASH_RUN_HEADER_BYTES);
    this.#file.read(header, 0);
    const view = new DataView(header.buffer);
    const countLow = view.getUint32(0, true);
    const countHigh = view.getUint32(4, true);
    const entryCount = countHigh * 2 ** 32 + countLow;
    const expectedBytes = txhashRunByteCount(entryCount);
    // A count above 2^53 cannot match any real size, and the float product is then inexact: check it first.
    if (countHigh >= 2 ** 21 || fileBytes !== expectedBytes) {
      throw new CorruptFileError(
        this.path,
        `size ${fileBytes} bytes, want ${TXHASH_RUN_HEADER_BYTES} + ${TXHASH_RUN_ENTRY_BYTES} × ${entryCount} ` +
          `(the header's entry count) = ${expectedBytes}`,
      );
    }
    return entryCount;
  }

  /** Seeds the order check with entry `entryIndex`, the one before the first entry read. */
  #readPredecessor(entryIndex: number): void {
    this.#readEntries(entryIndex, 1);
    const raw = this.#rawWords;
    for (let word = 0; word < TXHASH_KEY_WORDS; word++) this.#lastKeyWords[word] = swapBytes32(raw[word]!);
    this.#lastLedgerSeq = raw[TXHASH_KEY_WORDS]!;
  }

  #readEntries(firstEntryIndex: number, count: number): void {
    const byteOffset = TXHASH_RUN_HEADER_BYTES + firstEntryIndex * TXHASH_RUN_ENTRY_BYTES;
    this.#file.read(this.#raw.subarray(0, count * TXHASH_RUN_ENTRY_BYTES), byteOffset);
  }

  /**
   * Converts buffer slots [0, count) to big-endian key words and seqs, and checks every entry not
   * validated before: sorted after its predecessor, seq inside the ledger range. One pass.
   */
  #decodeAndValidate(firstEntryIndex: number, count: number): void {
    assert(firstEntryIndex <= this.#validatedCount, `run "${this.path}": buffer skips unvalidated entries`);
    const raw = this.#rawWords;
    const keyWords = this.keyWords;
    const ledgerSeqs = this.ledgerSeqs;
    const ledgerSeqMin = this.#ledgerSeqMin;
    const ledgerSeqMax = this.#ledgerSeqMax;
    const validateFromSlot = this.#validatedCount - firstEntryIndex; // earlier slots were read before a seek
    const last = this.#lastKeyWords;
    let prev0 = last[0]!;
    let prev1 = last[1]!;
    let prev2 = last[2]!;
    let prev3 = last[3]!;
    let prevSeq = this.#lastLedgerSeq;
    for (let slot = 0; slot < count; slot++) {
      const rawIndex = slot * ENTRY_WORDS;
      const keyIndex = slot * TXHASH_KEY_WORDS;
      const key0 = swapBytes32(raw[rawIndex]!);
      const key1 = swapBytes32(raw[rawIndex + 1]!);
      const key2 = swapBytes32(raw[rawIndex + 2]!);
      const key3 = swapBytes32(raw[rawIndex + 3]!);
      const ledgerSeq = raw[rawIndex + 4]!;
      keyWords[keyIndex] = key0;
      keyWords[keyIndex + 1] = key1;
      keyWords[keyIndex + 2] = key2;
      keyWords[keyIndex + 3] = key3;
      ledgerSeqs[slot] = ledgerSeq;
      if (slot >= validateFromSlot) {
        const entryIndex = firstEntryIndex + slot;
        // key0 > prev0 decides almost every entry; the full comparison runs only on a tie or a fault.
        if (key0 <= prev0 && entryIndex > 0) {
          const order =
            key0 !== prev0 ? key0 - prev0 : key1 !== prev1 ? key1 - prev1 : key2 !== prev2 ? key2 - prev2 :
            key3 !== prev3 ? key3 - prev3 : ledgerSeq - prevSeq;
          if (order < 0) throw this.#entryError(entryIndex, "is below its predecessor: the run is not sorted");
        }
        if (ledgerSeq < ledgerSeqMin || ledgerSeq > ledgerSeqMax) {
          throw this.#entryError(entryIndex, `has ledger seq ${ledgerSeq} outside index coverage [${ledgerSeqMin}, ${ledgerSeqMax}]`);
        }
      }
      prev0 = key0;
      prev1 = key1;
      prev2 = key2;
      prev3 = key3;
      prevSeq = ledgerSeq;
    }
    if (firstEntryIndex + count <= this.#validatedCount) return;
    last[0] = prev0;
    last[1] = prev1;
    last[2] = prev2;
    last[3] = prev3;
    this.#lastLedgerSeq = prevSeq;
    this.#validatedCount = firstEntryIndex + count;
  }

  #entryError(entryIndex: number, what: string): CorruptFileError {
    const byteOffset = TXHASH_RUN_HEADER_BYTES + entryIndex * TXHASH_RUN_ENTRY_BYTES;
    return new CorruptFileError(this.path, `entry ${entryIndex} at byte ${byteOffset} ${what}`);
  }
}
