import { afterEach, beforeEach, expect, spyOn, test } from "bun:test";
import * as fs from "node:fs";
import { join } from "node:path";
import { InvariantError } from "../assert.ts";
import { errnoCode } from "../errors.ts";
import { FileIoError } from "./file_io_error.ts";
import { createPackfileWriter } from "./packfile_writer.ts";
import { IDENTITY_CODEC, type RecordCodec } from "./record_codec.ts";
import { bytesOf, hexOf, makeTempDir } from "./_test_support.ts";

let dir: { path: string; remove: () => void };
beforeEach(() => {
  dir = makeTempDir("packfile-writer");
});
afterEach(() => dir.remove());

const ascii = (text: string) => new TextEncoder().encode(text);

/** The trailer's fixed zero tail: content hash (32) + reserved (4). */
const ZERO_TAIL = " 00".repeat(36);

// Golden files derived by hand from reference §8.1–8.2; CRCs from an independent bitwise CRC32C.
test("finish() on zero items writes only the empty index CRC and the trailer", () => {
  const path = join(dir.path, "empty.pack");
  const writer = createPackfileWriter(path, { format: 7, itemsPerRecord: 1, codec: IDENTITY_CODEC });
  writer.finish();
  const expected =
    "00 00 00 00" + // offset index: CRC32C of nothing
    " 53 4c 43 48 01 00 00 00 07 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 80 00 00 00 04 00 00 00 00 00 00 00" +
    ZERO_TAIL +
    " 79 c1 a0 ce";
  expect(hexOf(new Uint8Array(fs.readFileSync(path)))).toBe(hexOf(bytesOf(expected)));
});

test("finish() on one item at ipr 1 writes the item verbatim with no size index", () => {
  const path = join(dir.path, "one.pack");
  const writer = createPackfileWriter(path, { format: 1, itemsPerRecord: 1, codec: IDENTITY_CODEC });
  writer.append(ascii("abc"));
  writer.finish();
  const expected =
    "61 62 63" + // record 0 = the item
    " 00 01 03 00 00 00 1f 9a 19 0d" + // offset index: FOR [3] (W=1, min=3) + CRC32C
    " 53 4c 43 48 01 00 00 00 01 00 00 00 01 00 00 00 01 00 00 00 01 00 00 00 80 00 00 00 0a 00 00 00 00 00 00 00" +
    ZERO_TAIL +
    " bf b8 2c 50";
  expect(hexOf(new Uint8Array(fs.readFileSync(path)))).toBe(hexOf(bytesOf(expected)));
});

test("finish() on 3 items at ipr 2 gives the 1-item last record a size index too", () => {
  const path = join(dir.path, "three.pack");
  const writer = createPackfileWriter(path, { format: 0xfe1e000b, itemsPerRecord: 2, codec: IDENTITY_CODEC });
  for (const item of ["a", "bc", "def"]) writer.append(ascii(item));
  writer.finish(ascii("Z"));
  const expected =
    "61 62 63  02 01 01 00 00 00  5d 19 f2 69" + // record 0: "abc", FOR sizes [1,2], CRC
    " 64 65 66  00 01 03 00 00 00  1f 9a 19 0d" + // record 1: "def", FOR sizes [3], CRC
    " 00 01 0d 00 00 00  8b eb 18 3f" + // offset index: FOR record sizes [13,13], CRC
    " 5a" + // appData
    " 53 4c 43 48 01 00 00 00 0b 00 1e fe 02 00 00 00 03 00 00 00 02 00 00 00 80 00 00 00 0a 00 00 00 01 00 00 00" +
    ZERO_TAIL +
    " 1a 39 a4 58";
  expect(hexOf(new Uint8Array(fs.readFileSync(path)))).toBe(hexOf(bytesOf(expected)));
});

test("createPackfileWriter() truncates an existing file", () => {
  const path = join(dir.path, "over.pack");
  fs.writeFileSync(path, new Uint8Array(10_000).fill(7));
  const writer = createPackfileWriter(path, { format: 7, itemsPerRecord: 1, codec: IDENTITY_CODEC });
  writer.finish();
  expect(fs.statSync(path).size).toBe(4 + 76);
});

test("finish() fsyncs the file before closing it", () => {
  const path = join(dir.path, "sync.pack");
  const fsync = spyOn(fs, "fsyncSync"); // call-through: the real fsync still runs
  try {
    const writer = createPackfileWriter(path, { format: 7, itemsPerRecord: 4, codec: IDENTITY_CODEC });
    writer.append(ascii("x"));
    expect(fsync).toHaveBeenCalledTimes(0);
    writer.finish();
    expect(fsync).toHaveBeenCalledTimes(1);
  } finally {
    fsync.mockRestore();
  }
});

test("close() without finish() removes the partial file", () => {
  const path = join(dir.path, "partial.pack");
  const writer = createPackfileWriter(path, { format: 7, itemsPerRecord: 1, codec: IDENTITY_CODEC });
  writer.append(new Uint8Array(2 * 1024 * 1024)); // larger than the write buffer: really on disk
  expect(fs.existsSync(path)).toBe(true);
  writer.close();
  expect(fs.existsSync(path)).toBe(false);
});

test("close() whose unlink fails still closes the descriptor and reports the file", () => {
  const path = join(dir.path, "unremovable.pack");
  const writer = createPackfileWriter(path, { format: 7, itemsPerRecord: 1, codec: IDENTITY_CODEC });
  writer.append(ascii("abc"));
  // A directory now holds the name: unlink fails with EISDIR, as it would with EROFS or EIO.
  fs.rmSync(path);
  fs.mkdirSync(path);
  expect(() => writer.close()).toThrow(FileIoError);
  const openUnderDir = fs.readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(fs.realpathSync(dir.path));
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return false; // the fd readdir itself used, closed since
      throw err;
    }
  });
  expect(openUnderDir).toEqual([]);
});

test("close() after finish() keeps the file", () => {
  const path = join(dir.path, "kept.pack");
  const writer = createPackfileWriter(path, { format: 7, itemsPerRecord: 1, codec: IDENTITY_CODEC });
  writer.finish();
  writer.close();
  expect(fs.existsSync(path)).toBe(true);
});

test("append() after finish() is a broken invariant", () => {
  const writer = createPackfileWriter(join(dir.path, "done.pack"), { format: 7, itemsPerRecord: 1, codec: IDENTITY_CODEC });
  writer.finish();
  expect(() => writer.append(ascii("late"))).toThrow(InvariantError);
  expect(() => writer.finish()).toThrow(InvariantError);
});

test("a codec failure during append() removes the partial file and surfaces the error", () => {
  const path = join(dir.path, "codec.pack");
  const failing: RecordCodec = {
    name: "failing",
    encode: () => {
      throw new RangeError("codec broke");
    },
    decode: (bytes) => bytes,
  };
  const writer = createPackfileWriter(path, { format: 7, itemsPerRecord: 1, codec: failing });
  expect(() => writer.append(ascii("x"))).toThrow(RangeError);
  expect(fs.existsSync(path)).toBe(false);
  expect(() => writer.append(ascii("y"))).toThrow(InvariantError);
});

test("createPackfileWriter() reports a missing directory as a FileIoError naming the path", () => {
  const path = join(dir.path, "missing", "x.pack");
  expect(() => createPackfileWriter(path, { format: 7, itemsPerRecord: 1, codec: IDENTITY_CODEC })).toThrow(FileIoError);
  expect(() => createPackfileWriter(path, { format: 7, itemsPerRecord: 1, codec: IDENTITY_CODEC })).toThrow(
    /Cannot create ".*missing\/x.pack": ENOENT/,
  );
});

test("a write failure removes the partial file and throws FileIoError", () => {
  // /dev/full accepts open and fails every write with ENOSPC: a real filesystem failure.
  const path = join(dir.path, "full.pack");
  fs.symlinkSync("/dev/full", path);
  const writer = createPackfileWriter(path, { format: 7, itemsPerRecord: 1, codec: IDENTITY_CODEC });
  expect(() => writer.append(new Uint8Array(2 * 1024 * 1024))).toThrow(/ENOSPC/);
  expect(fs.existsSync(path)).toBe(false);
});
