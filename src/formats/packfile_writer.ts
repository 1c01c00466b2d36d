/**
 * Streaming packfile v1 writer (reference §8.2, D5; byte layout in `packfile_trailer.ts`):
 *
 *   records… | offset index + CRC32C | appData (optional) | 76-byte trailer
 *
 * Items are grouped `itemsPerRecord` per record; the last record may be partial. A record is
 * `codec.encode(item)` when ipr = 1, else `codec.encode(concat(items)) ++ FOR(item sizes) ++
 * CRC32C(FOR bytes)` — the size index is present whenever the FILE's ipr > 1, even for a 1-item
 * last record (§8.2 follows the code, not packfile-library.md). Records are encoded as they fill
 * and written through a bounded 1 MiB buffer (`_buffered_file.ts`).
 *
 * Durability: the file is created with O_TRUNC (the full-history writers overwrite, §8.2);
 * `finish()` writes index, appData and trailer, then fsyncs and closes (no directory fsync: that
 * is the write protocol's barrier, reference §5.2 step 6). A writer that fails, or is closed
 * without `finish()`, removes its partial file.
 *
 * Synchronous by design: encoding is CPU work, and callers that must not block the event loop
 * run whole chunk builds in a Worker (bun-ffi.md §8).
 * @module
 */

import { assert } from "../assert.ts";
import { abandonAndRethrow, type BufferedFile, createBufferedFile } from "./_buffered_file.ts";
import { crc32c } from "./crc32c.ts";
import { encodeForGroup } from "./for_group.ts";
import { GrowableU32 } from "./_growable_u32.ts";
import { encodeOffsetIndex } from "./packfile_offset_index.ts";
import { encodePackTrailer } from "./packfile_trailer.ts";
import type { RecordCodec } from "./record_codec.ts";

const U32_MAX = 0xffff_ffff;

/** How the file is laid out; the reader must be opened with the same values. */
export interface PackfileWriterOptions {
  /** Caller-assigned u32 format id, stored in the trailer. */
  format: number;
  /** Items per record, ≥ 1. */
  itemsPerRecord: number;
  codec: RecordCodec;
}

/** Creates (or truncates) `path` and returns a writer for it. */
export function createPackfileWriter(path: string, options: PackfileWriterOptions): PackfileWriter {
  assert(Number.isInteger(options.itemsPerRecord), `itemsPerRecord ${options.itemsPerRecord} is not an integer`);
  assert(options.itemsPerRecord >= 1, `itemsPerRecord ${options.itemsPerRecord} must be at least 1`);
  assert(options.itemsPerRecord <= U32_MAX, `itemsPerRecord ${options.itemsPerRecord} exceeds u32`);
  assert(Number.isInteger(options.format), `format ${options.format} is not an integer`);
  assert(options.format >= 0, `format ${options.format} is negative`);
  assert(options.format <= U32_MAX, `format ${options.format} exceeds u32`);
  return new PackfileWriter(createBufferedFile(path), options);
}

/** One packfile being written. Single-threaded; see the module doc for the lifecycle. */
export class PackfileWriter {
  readonly #file: BufferedFile;
  readonly #options: PackfileWriterOptions;

  // The record being filled (ipr > 1 only): item bytes back to back, and their sizes.
  #recordBytes = new Uint8Array(64 * 1024);
  #recordByteCount = 0;
  readonly #itemSizes: Uint32Array;
  #itemsInRecord = 0;

  readonly #recordSizes = new GrowableU32(U32_MAX);
  #totalItems = 0;
  /** Sum of the record sizes in the offset index: the eventual indexBase. */
  #recordsByteCount = 0;

  /** Use `createPackfileWriter`. */
  constructor(file: BufferedFile, options: PackfileWriterOptions) {
    this.#file = file;
    this.#options = options;
    this.#itemSizes = new Uint32Array(options.itemsPerRecord > 1 ? options.itemsPerRecord : 0);
  }

  get path(): string {
    return this.#file.path;
  }

  /** Items appended so far. */
  get itemCount(): number {
    return this.#totalItems;
  }

  /** Appends one item (copied; the caller may reuse `item`). May encode and write a record. */
  append(item: Uint8Array): void {
    // Per-item hot path: constant messages (a template would be built on every call).
    assert(this.#file.isOpen, "append to a packfile after finish or close");
    assert(item.length <= U32_MAX, "item exceeds u32 bytes");
    assert(this.#totalItems < U32_MAX, "packfile already holds u32-max items");
    try {
      this.#totalItems += 1;
      if (this.#options.itemsPerRecord === 1) {
        this.#writeRecord([this.#options.codec.encode(item)]);
        return;
      }
      this.#stage(item);
      if (this.#itemsInRecord === this.#options.itemsPerRecord) this.#flushRecord();
    } catch (err) {
      abandonAndRethrow([this.#file], err);
    }
  }

  /**
   * Writes the partial last record, the offset index, `appData` and the trailer, then fsyncs and
   * closes the file. After this the file is complete and immutable.
   */
  finish(appData: Uint8Array = new Uint8Array(0)): void {
    assert(this.#file.isOpen, `finish packfile "${this.path}" after finish or close`);
    assert(appData.length <= U32_MAX, `appData of ${appData.length} bytes exceeds u32`);
    try {
      if (this.#itemsInRecord > 0) this.#flushRecord();
      const recordCount = this.#recordSizes.length;
      assert(
        recordCount === Math.ceil(this.#totalItems / this.#options.itemsPerRecord),
        `${recordCount} records for ${this.#totalItems} items at ${this.#options.itemsPerRecord} per record`,
      );
      assert(
        this.#file.byteCount === this.#recordsByteCount,
        `wrote ${this.#file.byteCount} record bytes, offset index sums to ${this.#recordsByteCount}`,
      );
      const index = encodeOffsetIndex(this.#recordSizes.view());
      this.#file.write(index);
      this.#file.write(appData);
      this.#file.write(
        encodePackTrailer({
          format: this.#options.format,
          recordCount,
          totalItems: this.#totalItems,
          itemsPerRecord: this.#options.itemsPerRecord,
          indexBytes: index.length,
          appDataBytes: appData.length,
        }),
      );
      this.#file.finish();
    } catch (err) {
      abandonAndRethrow([this.#file], err);
    }
  }

  /** Abandons an unfinished writer and removes its partial file; a no-op after `finish()`. */
  close(): void {
    this.#file.abandon();
  }

  #stage(item: Uint8Array): void {
    const needed = this.#recordByteCount + item.length;
    if (needed > this.#recordBytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.#recordBytes.length * 2));
      grown.set(this.#recordBytes.subarray(0, this.#recordByteCount));
      this.#recordBytes = grown;
    }
    this.#recordBytes.set(item, this.#recordByteCount);
    this.#recordByteCount = needed;
    this.#itemSizes[this.#itemsInRecord++] = item.length;
  }

  /** Encodes the staged items (ipr > 1) into one record with its CRC'd item-size index. */
  #flushRecord(): void {
    assert(this.#itemsInRecord >= 1, "flushing an empty record");
    const payload = this.#options.codec.encode(this.#recordBytes.subarray(0, this.#recordByteCount));
    const sizeIndex = encodeForGroup(this.#itemSizes.subarray(0, this.#itemsInRecord));
    const sizeIndexCrc = new Uint8Array(4);
    new DataView(sizeIndexCrc.buffer).setUint32(0, crc32c(sizeIndex), true);
    this.#writeRecord([payload, sizeIndex, sizeIndexCrc]);
    this.#recordByteCount = 0;
    this.#itemsInRecord = 0;
  }

  #writeRecord(parts: Uint8Array[]): void {
    let recordBytes = 0;
    for (const part of parts) recordBytes += part.length;
    assert(recordBytes <= U32_MAX, "record exceeds u32 bytes");
    for (const part of parts) this.#file.write(part);
    this.#recordSizes.push(recordBytes);
    this.#recordsByteCount += recordBytes;
  }
}
