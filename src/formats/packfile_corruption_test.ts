import { afterAll, beforeAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import { join } from "node:path";
import { everyBit, everyShorterLength, hexList, sweepCorruptions } from "./_corruption_sweep.ts";
import { openPackfile, type PackfileReader } from "./packfile_reader.ts";
import { createPackfileWriter, type PackfileWriterOptions } from "./packfile_writer.ts";
import { CRC32C_CODEC } from "./record_codec.ts";
import { makeTempDir, pseudoRandomBytes } from "./_test_support.ts";
import { ZSTD_CODEC } from "./zstd_codec.ts";

let dir: { path: string; remove: () => void };
beforeAll(() => {
  dir = makeTempDir("packfile-corruption");
});
afterAll(() => dir.remove());

/** Small compressible items of varied sizes, one empty, so every record kind is present. */
function makeItems(itemCount: number): Uint8Array[] {
  return Array.from({ length: itemCount }, (_, i) => {
    const item = new Uint8Array(i === 3 ? 0 : 5 + ((i * 37) % 60));
    item.set(pseudoRandomBytes(Math.min(item.length, 6), i + 1));
    return item;
  });
}

function probeOf(options: PackfileWriterOptions, itemCount: number) {
  return {
    open: (path: string) => openPackfile(path, options),
    close: (reader: PackfileReader) => reader.close(),
    reads: {
      ...Object.fromEntries(
        Array.from({ length: itemCount }, (_, i) => [`readItem(${i})`, (reader: PackfileReader) => Buffer.from(reader.readItem(i)).toString("hex")]),
      ),
      header: (reader: PackfileReader) => `${reader.itemCount} ${Buffer.from(reader.appData).toString("hex")}`,
      itemsAll: (reader: PackfileReader) => hexList(reader.items(0, itemCount)),
      itemsMiddle: (reader: PackfileReader) => hexList(reader.items(2, itemCount - 1)),
      itemsAtSome: (reader: PackfileReader) => hexList(reader.itemsAt([1, 4, itemCount - 1])),
    },
  };
}

test.each([
  ["zstd ipr 1", { format: 1, itemsPerRecord: 1, codec: ZSTD_CODEC }],
  ["zstd ipr 4", { format: 0xfe1e000c, itemsPerRecord: 4, codec: ZSTD_CODEC }],
  ["crc32c ipr 3", { format: 0xfe1e000b, itemsPerRecord: 3, codec: CRC32C_CODEC }],
] as [string, PackfileWriterOptions][])(
  "every bit flip and truncation outside appData is a CorruptFileError naming the pack or the original answer (%s)",
  (name, options) => {
    const itemCount = 10;
    const path = join(dir.path, `${name.replaceAll(" ", "-")}.pack`);
    const writer = createPackfileWriter(path, options);
    for (const item of makeItems(itemCount)) writer.append(item);
    writer.finish(new Uint8Array([7, 7]));
    const clean = new Uint8Array(fs.readFileSync(path));
    const appDataEnd = clean.length - 76;
    const bits = everyBit(clean.length).filter((bit) => bit >> 3 < appDataEnd - 2 || bit >> 3 >= appDataEnd);
    const probe = probeOf(options, itemCount);
    const findings = sweepCorruptions(clean, { path, probe, plan: { bitOffsets: bits, truncatedLengths: everyShorterLength(clean.length) } });
    expect(findings).toEqual([]);
  },
);
