/**
 * Packfile v1 reader (reference §8.2, D5; txindex.md Appendix B). Bytes read are input (R4):
 *
 * Open = ONE tail read of min(256 KiB, size) holding the trailer, usually the offset index and the
 * appData too (one more read only when they do not fit). It validates the trailer
 * (`decodePackTrailer`), that the file is the expected kind (format, itemsPerRecord), the sizes
 * (indexBase = size − 76 − appData − index ≥ 0, recordCount bounded by indexSize — the OOM guard),
 * the index CRC and that the record sizes sum to indexBase exactly.
 *
 * Reads: `readItem(i)` is one positioned read of record ⌊i / ipr⌋ plus a decode; `items(from, end)`
 * and `itemsAt(indexes)` coalesce neighbouring records into reads of at most 1 MiB. Each record is
 * checked on the way: the item-size index CRC (ipr > 1), the codec's own integrity check, and that
 * the sizes cover the decoded payload exactly. Every failure is a `CorruptFileError` naming the file
 * and the record. Items returned are views into freshly read memory and stay valid.
 * @module
 */

import * as fs from "node:fs";
import { assert } from "../assert.ts";
import { crc32c } from "./crc32c.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { fileSystemCall } from "./file_io_error.ts";
import { decodeForGroup } from "./for_group.ts";
import { type FileTail, openWithTail, readExactly } from "./_file_reads.ts";
import { decodeOffsetIndex } from "./packfile_offset_index.ts";
import { decodePackTrailer, hex32, PACK_TRAILER_BYTES, type PackTrailer } from "./packfile_trailer.ts";
import { type RecordCodec, RecordDecodeError } from "./record_codec.ts";

/** Coalesced reads stop growing at this size; a larger single record is read alone (§8.2). */
const COALESCED_READ_BYTES_MAX = 1024 * 1024;
const CRC_BYTES = 4;

/** A decoded record: its payload and the cumulative end of each item in it. */
interface DecodedRecord {
  payload: Uint8Array;
  itemEnds: Uint32Array;
}

function itemOf(record: DecodedRecord, local: number): Uint8Array {
  return record.payload.subarray(local === 0 ? 0 : record.itemEnds[local - 1]!, record.itemEnds[local]!);
}

/** What the caller expects the file to be; a file that is anything else is rejected on open. */
export interface PackfileReaderOptions {
  format: number;
  itemsPerRecord: number;
  codec: RecordCodec;
}

/** Opens and validates `path`. Throws `CorruptFileError` for bad bytes, `FileIoError` for I/O. */
export function openPackfile(path: string, options: PackfileReaderOptions): PackfileReader {
  return openWithTail(path, {
    minBytes: PACK_TRAILER_BYTES,
    what: "trailer",
    parse: (opened) => parseTail(opened, options),
  });
}

function parseTail(opened: FileTail, options: PackfileReaderOptions): PackfileReader {
  const { path, fd, fileBytes, tail } = opened;
  const tailBytes = tail.length;
  const trailer = decodePackTrailer(tail.subarray(tailBytes - PACK_TRAILER_BYTES), path);
  if (trailer.format !== options.format || trailer.itemsPerRecord !== options.itemsPerRecord) {
    throw new CorruptFileError(
      path,
      `holds format ${hex32(trailer.format)} at ${trailer.itemsPerRecord} items per record, ` +
        `want format ${hex32(options.format)} at ${options.itemsPerRecord}`,
    );
  }
  const indexBase = fileBytes - PACK_TRAILER_BYTES - trailer.appDataBytes - trailer.indexBytes;
  if (indexBase < 0) {
    throw new CorruptFileError(
      path,
      `trailer claims a ${trailer.indexBytes}-byte index and ${trailer.appDataBytes} bytes of appData, ` +
        `more than the ${fileBytes}-byte file holds`,
    );
  }
  const metaBytes = trailer.indexBytes + trailer.appDataBytes;
  const meta =
    metaBytes + PACK_TRAILER_BYTES <= tailBytes
      ? tail.subarray(tailBytes - PACK_TRAILER_BYTES - metaBytes, tailBytes - PACK_TRAILER_BYTES)
      : readExactly(opened, { byteOffset: indexBase, byteCount: metaBytes, what: "offset index and appData" });
  const recordOffsets = decodeOffsetIndex(meta.subarray(0, trailer.indexBytes), {
    recordCount: trailer.recordCount,
    indexBase,
    path,
  });
  const appData = meta.slice(trailer.indexBytes);
  return new PackfileReader({ path, fd, codec: options.codec, trailer, recordOffsets, appData });
}

/** An open, validated packfile. Synchronous positioned reads; `close()` when done. */
export class PackfileReader {
  readonly path: string;
  readonly trailer: PackTrailer;
  /** The appData section (empty when none). */
  readonly appData: Uint8Array;
  readonly #fd: number;
  readonly #codec: RecordCodec;
  /** recordCount + 1 absolute record start offsets; the last is indexBase. */
  readonly #recordOffsets: Float64Array;
  #open = true;

  /** Use `openPackfile`. */
  constructor(parts: {
    path: string;
    fd: number;
    codec: RecordCodec;
    trailer: PackTrailer;
    recordOffsets: Float64Array;
    appData: Uint8Array;
  }) {
    this.path = parts.path;
    this.#fd = parts.fd;
    this.#codec = parts.codec;
    this.trailer = parts.trailer;
    this.#recordOffsets = parts.recordOffsets;
    this.appData = parts.appData;
  }

  get itemCount(): number {
    return this.trailer.totalItems;
  }

  /** Item `itemIndex`: one read of its record, decoded. */
  readItem(itemIndex: number): Uint8Array {
    this.#assertItemIndex(itemIndex);
    const ipr = this.trailer.itemsPerRecord;
    const recordIndex = Math.floor(itemIndex / ipr);
    const record = this.#decodeRecord(recordIndex, this.#readRecords(recordIndex, recordIndex + 1));
    return itemOf(record, itemIndex - recordIndex * ipr);
  }

  /** Items [fromItem, endItem) in order, reading neighbouring records together (≤ 1 MiB per read). */
  *items(fromItem: number, endItem: number): Generator<Uint8Array> {
    assert(fromItem <= endItem, `item range [${fromItem}, ${endItem}) is reversed`);
    if (fromItem === endItem) return;
    this.#assertItemIndex(fromItem);
    this.#assertItemIndex(endItem - 1);
    const ipr = this.trailer.itemsPerRecord;
    const firstRecord = Math.floor(fromItem / ipr);
    const lastRecord = Math.floor((endItem - 1) / ipr);
    for (const [recordIndex, record] of this.#recordsInRuns({ firstRecord, lastRecord, wanted: () => true })) {
      const firstItem = recordIndex * ipr;
      const from = Math.max(fromItem - firstItem, 0);
      const end = Math.min(endItem - firstItem, record.itemEnds.length);
      for (let local = from; local < end; local++) yield itemOf(record, local);
    }
  }

  /**
   * The items at `itemIndexes` (strictly ascending), in that order. Records holding none of them
   * are not read; runs of needed neighbouring records are read together (≤ 1 MiB per read).
   */
  *itemsAt(itemIndexes: ArrayLike<number>): Generator<Uint8Array> {
    if (itemIndexes.length === 0) return;
    for (let i = 0; i < itemIndexes.length; i++) {
      this.#assertItemIndex(itemIndexes[i]!);
      if (i > 0) assert(itemIndexes[i - 1]! < itemIndexes[i]!, "item indexes must strictly ascend"); // per item: constant message
    }
    const ipr = this.trailer.itemsPerRecord;
    const needed = new Set<number>();
    for (let i = 0; i < itemIndexes.length; i++) needed.add(Math.floor(itemIndexes[i]! / ipr));
    const firstRecord = Math.floor(itemIndexes[0]! / ipr);
    const lastRecord = Math.floor(itemIndexes[itemIndexes.length - 1]! / ipr);
    let next = 0;
    for (const [recordIndex, record] of this.#recordsInRuns({ firstRecord, lastRecord, wanted: (r) => needed.has(r) })) {
      const firstItem = recordIndex * ipr;
      while (next < itemIndexes.length && itemIndexes[next]! < firstItem + record.itemEnds.length) {
        yield itemOf(record, itemIndexes[next]! - firstItem);
        next++;
      }
    }
    assert(next === itemIndexes.length, `yielded ${next} of ${itemIndexes.length} requested items`);
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    fileSystemCall(this.path, { step: "close", call: () => fs.closeSync(this.#fd) });
  }

  /**
   * Decoded records in [firstRecord, lastRecord] for which `wanted` holds, ascending. Wanted
   * neighbours are fetched in one read while the run stays ≤ 1 MiB.
   */
  *#recordsInRuns(span: {
    firstRecord: number;
    lastRecord: number;
    wanted: (recordIndex: number) => boolean;
  }): Generator<[number, DecodedRecord]> {
    const { firstRecord, lastRecord, wanted } = span;
    const offsets = this.#recordOffsets;
    let record = firstRecord;
    while (record <= lastRecord) {
      if (!wanted(record)) {
        record++;
        continue;
      }
      let runEnd = record + 1; // exclusive
      while (
        runEnd <= lastRecord &&
        wanted(runEnd) &&
        offsets[runEnd + 1]! - offsets[record]! <= COALESCED_READ_BYTES_MAX
      ) {
        runEnd++;
      }
      const run = this.#readRecords(record, runEnd);
      const runStart = offsets[record]!;
      for (let r = record; r < runEnd; r++) {
        const stored = run.subarray(offsets[r]! - runStart, offsets[r + 1]! - runStart);
        yield [r, this.#decodeRecord(r, stored)];
      }
      record = runEnd;
    }
  }

  /** The stored bytes of records [firstRecord, endRecord) in one positioned read. */
  #readRecords(firstRecord: number, endRecord: number): Uint8Array {
    assert(this.#open, "read from a closed packfile");
    const byteOffset = this.#recordOffsets[firstRecord]!;
    const byteCount = this.#recordOffsets[endRecord]! - byteOffset;
    const file = { path: this.path, fd: this.#fd };
    return readExactly(file, { byteOffset, byteCount, what: `records ${firstRecord}..${endRecord - 1}` });
  }

  /** Decodes one stored record and locates its items, validating it (module doc). */
  #decodeRecord(recordIndex: number, stored: Uint8Array): DecodedRecord {
    const where = `record ${recordIndex} at byte ${this.#recordOffsets[recordIndex]}`;
    const ipr = this.trailer.itemsPerRecord;
    if (ipr === 1) {
      const payload = this.#decodePayload(stored, where);
      return { payload, itemEnds: Uint32Array.of(payload.length) };
    }
    const itemCount = Math.min(ipr, this.trailer.totalItems - recordIndex * ipr);
    if (stored.length < CRC_BYTES) {
      throw new CorruptFileError(this.path, `${where}: ${stored.length} bytes, too short for an item-size index`);
    }
    const sizeIndexEnd = stored.length - CRC_BYTES;
    const itemEnds = new Uint32Array(itemCount);
    const sizeIndexBytes = decodeForGroup(stored.subarray(0, sizeIndexEnd), {
      into: itemEnds,
      path: this.path,
      where: `${where} item-size index`,
    });
    const storedCrc = new DataView(stored.buffer, stored.byteOffset + sizeIndexEnd, CRC_BYTES).getUint32(0, true);
    const computedCrc = crc32c(stored.subarray(sizeIndexEnd - sizeIndexBytes, sizeIndexEnd));
    if (storedCrc !== computedCrc) {
      throw new CorruptFileError(this.path, `${where}: item-size index CRC32C ${hex32(storedCrc)}, computed ${hex32(computedCrc)}`);
    }
    const payload = this.#decodePayload(stored.subarray(0, sizeIndexEnd - sizeIndexBytes), where);
    let byteOffset = 0;
    for (let i = 0; i < itemCount; i++) {
      byteOffset += itemEnds[i]!; // sizes → cumulative ends, in place; checked against the payload below
      itemEnds[i] = byteOffset;
    }
    if (byteOffset !== payload.length) {
      throw new CorruptFileError(this.path, `${where}: item sizes sum to ${byteOffset}, payload is ${payload.length} bytes`);
    }
    return { payload, itemEnds };
  }

  #decodePayload(stored: Uint8Array, where: string): Uint8Array {
    try {
      return this.#codec.decode(stored);
    } catch (err) {
      if (!(err instanceof RecordDecodeError)) throw err;
      throw new CorruptFileError(this.path, `${where}: ${this.#codec.name} decode failed: ${err.message}`, { cause: err });
    }
  }

  // Per item (itemsAt checks every index): constant messages, no template built per call.
  #assertItemIndex(itemIndex: number): void {
    assert(Number.isInteger(itemIndex), "item index must be an integer");
    assert(itemIndex >= 0, "item index must not be negative");
    assert(itemIndex < this.trailer.totalItems, "item index must be below the item count");
  }
}
