import { afterEach, beforeEach, expect, spyOn, test } from "bun:test";
import * as fs from "node:fs";
import { join } from "node:path";
import { InvariantError } from "../assert.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { FileIoError } from "./file_io_error.ts";
import { openPackfile, type PackfileReader } from "./packfile_reader.ts";
import { createPackfileWriter, type PackfileWriterOptions } from "./packfile_writer.ts";
import { CRC32C_CODEC, IDENTITY_CODEC } from "./record_codec.ts";
import { makeTempDir, pseudoRandomBytes } from "./_test_support.ts";
import { ZSTD_CODEC } from "./zstd_codec.ts";

let dir: { path: string; remove: () => void };
beforeEach(() => {
  dir = makeTempDir("packfile-reader");
});
afterEach(() => dir.remove());

/** Items of varied sizes (0 included) whose bytes encode their index. */
function makeItems(itemCount: number, sizeMax: number): Uint8Array[] {
  return Array.from({ length: itemCount }, (_, i) => pseudoRandomBytes((i * 7919) % (sizeMax + 1), i + 1));
}

function writePack(name: string, pack: { items: Uint8Array[]; layout: PackfileWriterOptions; appData?: Uint8Array }): string {
  const path = join(dir.path, name);
  const writer = createPackfileWriter(path, pack.layout);
  for (const item of pack.items) writer.append(item);
  writer.finish(pack.appData);
  return path;
}

function withReader<T>(path: string, opened: { layout: PackfileWriterOptions; use: (reader: PackfileReader) => T }): T {
  const { layout: options, use } = opened;
  const reader = openPackfile(path, options);
  try {
    return use(reader);
  } finally {
    reader.close();
  }
}

const LAYOUTS: [string, PackfileWriterOptions][] = [
  ["ipr 1 zstd", { format: 1, itemsPerRecord: 1, codec: ZSTD_CODEC }],
  ["ipr 1 identity", { format: 1, itemsPerRecord: 1, codec: IDENTITY_CODEC }],
  ["ipr 128 zstd", { format: 0xfe1e000c, itemsPerRecord: 128, codec: ZSTD_CODEC }],
  ["ipr 128 crc32c", { format: 0xfe1e000b, itemsPerRecord: 128, codec: CRC32C_CODEC }],
  ["ipr 3 identity", { format: 9, itemsPerRecord: 3, codec: IDENTITY_CODEC }],
];

test.each(LAYOUTS)("readItem() returns every item of a multi-group file (%s)", (_, options) => {
  // > 128 records in every layout, so the offset index has several FOR groups.
  const items = makeItems(options.itemsPerRecord === 1 ? 300 : 130 * options.itemsPerRecord + 5, 60);
  const path = writePack("round.pack", { items, layout: options, appData: new Uint8Array([1, 2, 3]) });
  withReader(path, { layout: options, use: (reader) => {
    expect(reader.itemCount).toBe(items.length);
    expect(reader.trailer.recordCount).toBe(Math.ceil(items.length / options.itemsPerRecord));
    expect(Array.from(reader.appData)).toEqual([1, 2, 3]);
    for (let i = 0; i < items.length; i += 1 + (i % 5)) expect(reader.readItem(i)).toEqual(items[i]!);
    expect(reader.readItem(items.length - 1)).toEqual(items[items.length - 1]!);
  } });
});

test.each(LAYOUTS)("items() yields exactly the requested range (%s)", (_, options) => {
  const items = makeItems(700, 40);
  const path = writePack("range.pack", { items, layout: options });
  withReader(path, { layout: options, use: (reader) => {
    for (const [from, end] of [[0, 700], [0, 0], [5, 6], [127, 129], [300, 555], [699, 700]] as const) {
      expect(Array.from(reader.items(from, end))).toEqual(items.slice(from, end));
    }
  } });
});

test.each(LAYOUTS)("itemsAt() yields the requested items in order (%s)", (_, options) => {
  const items = makeItems(700, 40);
  const path = writePack("at.pack", { items, layout: options });
  const picks = [0, 1, 2, 130, 255, 256, 257, 511, 698, 699];
  withReader(path, { layout: options, use: (reader) => {
    expect(Array.from(reader.itemsAt(picks))).toEqual(picks.map((i) => items[i]!));
    expect(Array.from(reader.itemsAt([]))).toEqual([]);
  } });
});

test("items() coalesces neighbouring records into reads of at most 1 MiB", () => {
  const options = { format: 1, itemsPerRecord: 1, codec: IDENTITY_CODEC };
  const items = Array.from({ length: 10 }, (_, i) => new Uint8Array(300 * 1024).fill(i));
  const path = writePack("coalesce.pack", { items, layout: options });
  withReader(path, { layout: options, use: (reader) => {
    const readSync = spyOn(fs, "readSync"); // call-through: counts real reads
    try {
      expect(Array.from(reader.items(0, 10))).toEqual(items);
      expect(readSync).toHaveBeenCalledTimes(4); // 3 + 3 + 3 + 1 records of 300 KiB
    } finally {
      readSync.mockRestore();
    }
  } });
});

test("items() reads a record larger than 1 MiB on its own", () => {
  const options = { format: 1, itemsPerRecord: 1, codec: ZSTD_CODEC };
  const items = [new Uint8Array(10), pseudoRandomBytes(1_500_000, 3), new Uint8Array(10)];
  const path = writePack("big.pack", { items, layout: options });
  withReader(path, { layout: options, use: (reader) => expect(Array.from(reader.items(0, 3))).toEqual(items) });
});

test("openPackfile() reads an index and appData beyond the 256 KiB tail read", () => {
  const options = { format: 1, itemsPerRecord: 1, codec: IDENTITY_CODEC };
  const appData = pseudoRandomBytes(300 * 1024, 9);
  const path = writePack("bigtail.pack", { items: makeItems(50, 10), layout: options, appData });
  withReader(path, { layout: options, use: (reader) => {
    expect(reader.appData).toEqual(appData);
    expect(reader.readItem(49)).toEqual(makeItems(50, 10)[49]!);
  } });
});

test("openPackfile() accepts an empty pack with appData", () => {
  const options = { format: 0xfe1e000c, itemsPerRecord: 128, codec: ZSTD_CODEC };
  const path = writePack("empty.pack", { items: [], layout: options, appData: new Uint8Array([9]) });
  withReader(path, { layout: options, use: (reader) => {
    expect(reader.itemCount).toBe(0);
    expect(reader.trailer.recordCount).toBe(0);
    expect(Array.from(reader.appData)).toEqual([9]);
    expect(Array.from(reader.items(0, 0))).toEqual([]);
  } });
});

test("openPackfile() rejects a file of another format or items-per-record", () => {
  const options = { format: 1, itemsPerRecord: 1, codec: ZSTD_CODEC };
  const path = writePack("kind.pack", { items: makeItems(3, 5), layout: options });
  expect(() => openPackfile(path, { ...options, format: 2 })).toThrow(/holds format 0x00000001 .* want format 0x00000002/);
  expect(() => openPackfile(path, { ...options, itemsPerRecord: 128 })).toThrow(CorruptFileError);
});

test("openPackfile() rejects a file shorter than a trailer and a missing file", () => {
  const path = join(dir.path, "tiny.pack");
  fs.writeFileSync(path, new Uint8Array(75));
  expect(() => openPackfile(path, LAYOUTS[0]![1])).toThrow(/75 bytes, shorter than the 76-byte trailer/);
  expect(() => openPackfile(join(dir.path, "absent.pack"), LAYOUTS[0]![1])).toThrow(FileIoError);
});

test("readItem() past the last item is a broken invariant", () => {
  const options = LAYOUTS[2]![1];
  const path = writePack("bounds.pack", { items: makeItems(5, 5), layout: options });
  withReader(path, { layout: options, use: (reader) => {
    expect(() => reader.readItem(5)).toThrow(InvariantError);
    expect(() => reader.readItem(-1)).toThrow(InvariantError);
  } });
});

test("a reader refuses to read after close()", () => {
  const options = LAYOUTS[0]![1];
  const reader = openPackfile(writePack("closed.pack", { items: makeItems(2, 5), layout: options }), options);
  reader.close();
  expect(() => reader.readItem(0)).toThrow(InvariantError);
});

/** Opens `bytes` as a pack and reads everything; returns the items or the error thrown. */
function readAll(bytes: Uint8Array, options: PackfileWriterOptions): Uint8Array[] | unknown {
  const path = join(dir.path, "mutant.pack");
  fs.writeFileSync(path, bytes);
  try {
    return withReader(path, { layout: options, use: (reader) => Array.from(reader.items(0, reader.itemCount)) });
  } catch (err) {
    return err;
  }
}

/** Byte ranges of the offset index and the trailer of a pack; records precede the index, appData follows it. */
function regionsOf(bytes: Uint8Array, options: PackfileWriterOptions): Record<string, [number, number]> {
  const path = join(dir.path, "regions.pack");
  fs.writeFileSync(path, bytes);
  return withReader(path, { layout: options, use: (reader) => {
    const trailerStart = bytes.length - 76;
    const appDataStart = trailerStart - reader.appData.length;
    const indexStart = appDataStart - reader.trailer.indexBytes;
    return { offsetIndex: [indexStart, appDataStart], trailer: [trailerStart, bytes.length] };
  } });
}

test.each([
  ["zstd ipr 4", { format: 0xfe1e000c, itemsPerRecord: 4, codec: ZSTD_CODEC }],
  ["crc32c ipr 4", { format: 0xfe1e000b, itemsPerRecord: 4, codec: CRC32C_CODEC }],
  ["zstd ipr 1", { format: 1, itemsPerRecord: 1, codec: ZSTD_CODEC }],
] as [string, PackfileWriterOptions][])(
  "a flipped byte anywhere outside appData is an error naming the file, never garbage (%s)",
  (_, options) => {
    const items = makeItems(10, 300);
    const original = new Uint8Array(fs.readFileSync(writePack("good.pack", { items, layout: options, appData: new Uint8Array([7, 7]) })));
    const regions = regionsOf(original, options);
    let errors = 0;
    for (let byteOffset = 0; byteOffset < original.length; byteOffset++) {
      const [appStart, appEnd] = [regions.offsetIndex![1], regions.trailer![0]];
      if (byteOffset >= appStart && byteOffset < appEnd) continue; // appData: its owner validates it
      const mutant = original.slice();
      mutant[byteOffset]! ^= 0x10;
      const outcome = readAll(mutant, options);
      if (outcome instanceof CorruptFileError) {
        expect(outcome.message).toContain("mutant.pack");
        errors++;
        continue;
      }
      // A flip the format cannot see (e.g. a zstd window-size bit) must still read back correctly.
      expect(outcome).toEqual(items);
      const inIndexOrTrailer = byteOffset >= regions.offsetIndex![0];
      expect(inIndexOrTrailer).toBe(false);
    }
    expect(errors).toBeGreaterThan(original.length * 0.9);
  },
);

test("a truncated pack is rejected at every length", () => {
  const options = { format: 0xfe1e000c, itemsPerRecord: 4, codec: ZSTD_CODEC };
  const original = new Uint8Array(fs.readFileSync(writePack("trunc.pack", { items: makeItems(9, 100), layout: options, appData: new Uint8Array([1]) })));
  for (let length = 0; length < original.length; length++) {
    expect(readAll(original.subarray(0, length), options)).toBeInstanceOf(CorruptFileError);
  }
});

test("a flipped item-size index byte is reported with the record number", () => {
  const options = { format: 0xfe1e000b, itemsPerRecord: 2, codec: IDENTITY_CODEC };
  const original = new Uint8Array(fs.readFileSync(writePack("sizes.pack", { items: [new Uint8Array([1]), new Uint8Array([2, 3])], layout: options })));
  const mutant = original.slice();
  mutant[3]! ^= 0x01; // record 0 = 3 payload bytes, then its FOR group
  expect(readAll(mutant, options)).toEqual(expect.objectContaining({ message: expect.stringMatching(/record 0 at byte 0/) }));
});
