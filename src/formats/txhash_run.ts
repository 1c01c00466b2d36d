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
import { TXHASH_KEY_BYTES, TXHASH_KEY_WORDS, TXHASH_RUN_ENTRY_WORDS, TxhashEntries, swapBytes32 } from "./txhash_entries.ts";
import { TxhashWriteError } from "./txhash_write_error.ts";

/** The u64 LE entry count at the start of a run. */
export const TXHASH_RUN_HEADER_BYTES = 8;
/** One entry: 16 key bytes and a u32 LE ledger seq. */
export const TXHASH_RUN_ENTRY_BYTES = TXHASH_KEY_BYTES + 4;
/** The writer's buffer (reference §8.6: 1 MiB buffered). */
const WRITE_BUFFER_BYTES = 1 << 20;
/** The reader's default buffer: 3276 entries. The merge sizes it from its memory budget. */
const READ_BUFFER_BYTES_DEFAULT = 64 * 1024;
const HEADER_WORDS = TXHASH_RUN_HEADER_BYTES / 4;

assert(TXHASH_RUN_ENTRY_BYTES === 4 * TXHASH_RUN_ENTRY_WORDS, "run entries must be whole u32 words (aligned views)");
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
  entries.sortInto(sorted);
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
    if (fillWords + TXHASH_RUN_ENTRY_WORDS > words.length) {
      await writeAll(handle, bytes.subarray(0, fillWords * 4));
      fillWords = 0;
    }
    const keyWordIndex = entryIndex * TXHASH_KEY_WORDS;
    words[fillWords] = swapBytes32(keyWords[keyWordIndex]!);
    words[fillWords + 1] = swapBytes32(keyWords[keyWordIndex + 1]!);
    words[fillWords + 2] = swapBytes32(keyWords[keyWordIndex + 2]!);
    words[fillWords + 3] = swapBytes32(keyWords[keyWordIndex + 3]!);
    words[fillWords + 4] = ledgerSeqs[entryIndex]!;
    fillWords += TXHASH_RUN_ENTRY_WORDS;
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
  /**
   * Also decode the buffer into `keyWords`/`ledgerSeqs` (big-endian key words). Default true; the
   * merge reads `rawWords` instead and passes false, saving a copy of every entry.
   */
  columns?: boolean;
}

/**
 * Opens a run, validates its size against its header count, and returns a streaming reader.
 * Throws `CorruptFileError` for a missing, short or mis-sized file.
 */
export function openTxhashRun(path: string, options: TxhashRunReaderOptions = {}): TxhashRunReader {
  return openAndAdopt(path, { what: "run", adopt: (file) => new TxhashRunReader(file, options) });
}

/**
 * A sequential reader over one run with a bounded buffer. `rawWords` holds the buffered entries as
 * the file has them (`TXHASH_RUN_ENTRY_WORDS` per entry), each validated as it was read; slots
 * [cursor, bufferedCount) are unread. The caller advances `cursor` itself and calls `refill()`,
 * which keeps the unread slots, so a key range of a run can be gathered from one buffer.
 */
export class TxhashRunReader {
  readonly path: string;
  readonly entryCount: number;
  /** Buffered entry j at words [5j, 5j + 5), as in the file: key bytes loaded as u32 LE, then the seq. */
  readonly rawWords: Uint32Array;
  /** With `columns`: key words of buffered entry j at [4j, 4j + 4), big-endian; else empty. */
  readonly keyWords: Uint32Array;
  /** With `columns`: ledger seq of buffered entry j; else empty. */
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
  readonly #bufferEntries: number;
  readonly #columns: boolean;
  readonly #ledgerSeqMin: number;
  readonly #ledgerSeqMax: number;
  /** The last entry read (big-endian key words, seq): the predecessor of the next one read. */
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
    this.#bufferEntries = bufferEntries;
    this.#raw = new Uint8Array(bufferEntries * TXHASH_RUN_ENTRY_BYTES);
    this.rawWords = new Uint32Array(this.#raw.buffer);
    this.#columns = options.columns ?? true;
    const columnEntries = this.#columns ? bufferEntries : 0;
    this.keyWords = new Uint32Array(columnEntries * TXHASH_KEY_WORDS);
    this.ledgerSeqs = new Uint32Array(columnEntries);
    this.entryCount = this.#readEntryCount();
    const bounds = options.entryBounds ?? { firstEntryIndex: 0, endEntryIndex: this.entryCount };
    assert(Number.isSafeInteger(bounds.firstEntryIndex), `run "${this.path}": first entry ${bounds.firstEntryIndex} is not an integer`);
    assert(bounds.firstEntryIndex >= 0, `run "${this.path}": first entry ${bounds.firstEntryIndex} is negative`);
    assert(bounds.firstEntryIndex <= bounds.endEntryIndex, `run "${this.path}": entry bounds [${bounds.firstEntryIndex}, ${bounds.endEntryIndex}) are reversed`);
    assert(bounds.endEntryIndex <= this.entryCount, `run "${this.path}": end entry ${bounds.endEntryIndex} is past its ${this.entryCount} entries`);
    this.firstEntryIndex = bounds.firstEntryIndex;
    this.endEntryIndex = bounds.endEntryIndex;
    this.bufferEntryIndex = bounds.firstEntryIndex;
    if (bounds.firstEntryIndex > 0) this.#readPredecessor(bounds.firstEntryIndex - 1);
  }

  /** The file index of the next unread entry. */
  get nextEntryIndex(): number {
    return this.bufferEntryIndex + this.cursor;
  }

  /**
   * Moves the unread slots to slot 0 and buffers the entries after them, as many as fit. Returns
   * the buffered count: 0 at the end of the run, the unread count alone when the buffer is full of
   * unread entries. Validates every entry it reads (sorted after its predecessor, seq in range).
   */
  refill(): number {
    const keptCount = this.bufferedCount - this.cursor;
    if (keptCount > 0 && this.cursor > 0) {
      this.rawWords.copyWithin(0, this.cursor * TXHASH_RUN_ENTRY_WORDS, this.bufferedCount * TXHASH_RUN_ENTRY_WORDS);
    }
    this.bufferEntryIndex += this.cursor;
    this.cursor = 0;
    const readEntryIndex = this.bufferEntryIndex + keptCount;
    const readCount = Math.min(this.#bufferEntries - keptCount, this.endEntryIndex - readEntryIndex);
    this.bufferedCount = keptCount;
    if (readCount > 0) {
      this.#readEntries(readEntryIndex, { slot: keptCount, count: readCount });
      this.#validate({ from: keptCount, to: keptCount + readCount });
      this.bufferedCount = keptCount + readCount;
    }
    if (this.#columns) this.#decodeColumns();
    return this.bufferedCount;
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
    this.#readEntries(entryIndex, { slot: 0, count: 1 });
    this.#keepLast(0);
  }

  #readEntries(firstEntryIndex: number, into: { slot: number; count: number }): void {
    const byteOffset = TXHASH_RUN_HEADER_BYTES + firstEntryIndex * TXHASH_RUN_ENTRY_BYTES;
    const bufferOffset = into.slot * TXHASH_RUN_ENTRY_BYTES;
    this.#file.read(this.#raw.subarray(bufferOffset, bufferOffset + into.count * TXHASH_RUN_ENTRY_BYTES), byteOffset);
  }

  /**
   * Checks freshly read slots [from, to) on the raw words: each sorted after its predecessor (the
   * slot before, or the last entry of an earlier read), its seq inside the ledger range.
   */
  #validate(slots: { from: number; to: number }): void {
    const raw = this.rawWords;
    const ledgerSeqMin = this.#ledgerSeqMin;
    const ledgerSeqMax = this.#ledgerSeqMax;
    const entryIndexOfSlot0 = this.bufferEntryIndex;
    let prev0 = this.#lastKeyWords[0]!;
    for (let slot = slots.from; slot < slots.to; slot++) {
      const word = slot * TXHASH_RUN_ENTRY_WORDS;
      const key0 = swapBytes32(raw[word]!);
      const ledgerSeq = raw[word + TXHASH_KEY_WORDS]!;
      const entryIndex = entryIndexOfSlot0 + slot;
      // key0 > prev0 decides almost every entry; the full comparison runs only on a tie or a fault.
      if (key0 <= prev0 && entryIndex > 0 && this.#orderAfterPredecessor({ slot, from: slots.from }) < 0) {
        throw this.#entryError(entryIndex, "is below its predecessor: the run is not sorted");
      }
      if (ledgerSeq < ledgerSeqMin || ledgerSeq > ledgerSeqMax) {
        throw this.#entryError(entryIndex, `has ledger seq ${ledgerSeq} outside index coverage [${ledgerSeqMin}, ${ledgerSeqMax}]`);
      }
      prev0 = key0;
    }
    if (slots.to > slots.from) this.#keepLast(slots.to - 1);
  }

  /** Order of the entry at `slot` against its predecessor: the slot before, or the last entry kept. */
  #orderAfterPredecessor(at: { slot: number; from: number }): number {
    const raw = this.rawWords;
    const word = at.slot * TXHASH_RUN_ENTRY_WORDS;
    const prevWord = word - TXHASH_RUN_ENTRY_WORDS;
    for (let keyWord = 0; keyWord < TXHASH_KEY_WORDS; keyWord++) {
      const key = swapBytes32(raw[word + keyWord]!);
      const prev = at.slot > at.from ? swapBytes32(raw[prevWord + keyWord]!) : this.#lastKeyWords[keyWord]!;
      if (key !== prev) return key - prev;
    }
    const prevSeq = at.slot > at.from ? raw[prevWord + TXHASH_KEY_WORDS]! : this.#lastLedgerSeq;
    return raw[word + TXHASH_KEY_WORDS]! - prevSeq;
  }

  /** Remembers the entry at `slot` as the predecessor of the next entry read. */
  #keepLast(slot: number): void {
    const word = slot * TXHASH_RUN_ENTRY_WORDS;
    for (let keyWord = 0; keyWord < TXHASH_KEY_WORDS; keyWord++) this.#lastKeyWords[keyWord] = swapBytes32(this.rawWords[word + keyWord]!);
    this.#lastLedgerSeq = this.rawWords[word + TXHASH_KEY_WORDS]!;
  }

  /** Decodes the buffered slots into `keyWords`/`ledgerSeqs`. */
  #decodeColumns(): void {
    const raw = this.rawWords;
    for (let slot = 0; slot < this.bufferedCount; slot++) {
      const word = slot * TXHASH_RUN_ENTRY_WORDS;
      for (let keyWord = 0; keyWord < TXHASH_KEY_WORDS; keyWord++) {
        this.keyWords[slot * TXHASH_KEY_WORDS + keyWord] = swapBytes32(raw[word + keyWord]!);
      }
      this.ledgerSeqs[slot] = raw[word + TXHASH_KEY_WORDS]!;
    }
  }

  #entryError(entryIndex: number, what: string): CorruptFileError {
    const byteOffset = TXHASH_RUN_HEADER_BYTES + entryIndex * TXHASH_RUN_ENTRY_BYTES;
    return new CorruptFileError(this.path, `entry ${entryIndex} at byte ${byteOffset} ${what}`);
  }
}
