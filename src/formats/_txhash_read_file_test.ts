import { afterEach, beforeEach, expect, test } from "bun:test";
import { closeSync, ftruncateSync, openSync, readdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvariantError } from "../assert.ts";
import { writeAllSync } from "./_txhash_index_encoder.ts";
import { ReadFile, openAndAdopt } from "./_txhash_read_file.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "txhash-read-file-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("ReadFile reads a range fully and knows the size at open", () => {
  const path = join(dir, "f");
  writeFileSync(path, Uint8Array.from({ length: 100 }, (_, i) => i));
  const file = new ReadFile(path, "run");
  const target = new Uint8Array(10);
  file.read(target, 90);
  expect(file.byteCount).toBe(100);
  expect(Array.from(target)).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
  file.close();
});

test("ReadFile reads at byte offsets beyond 2^32 (sparse 6 GB file, no 32-bit truncation)", () => {
  const path = join(dir, "sparse");
  const fd = openSync(path, "w");
  ftruncateSync(fd, 6e9);
  writeAllSync(fd, { bytes: Uint8Array.of(1, 2, 3, 4), byteOffset: 5_000_000_001 });
  closeSync(fd);
  const file = new ReadFile(path, "index");
  const target = new Uint8Array(6);
  file.read(target, 5_000_000_000);
  expect(file.byteCount).toBe(6e9);
  expect(Array.from(target)).toEqual([0, 1, 2, 3, 4, 0]);
  file.close();
});

test("ReadFile.read() past the end is a CorruptFileError naming the offset", () => {
  const path = join(dir, "f");
  writeFileSync(path, new Uint8Array(100));
  const file = new ReadFile(path, "run");
  expect(() => file.read(new Uint8Array(10), 95)).toThrow(/"[^"]*f": file is corrupt: file ends at byte 100/);
  file.close();
});

test("new ReadFile() of a missing file is a CorruptFileError with the errno", () => {
  expect(() => new ReadFile(join(dir, "absent"), "index")).toThrow(CorruptFileError);
  expect(() => new ReadFile(join(dir, "absent"), "index")).toThrow(/cannot open the index \(ENOENT\)/);
});

test("ReadFile.read() after close() is an invariant violation", () => {
  const path = join(dir, "f");
  writeFileSync(path, new Uint8Array(4));
  const file = new ReadFile(path, "run");
  file.close();
  file.close();
  expect(file.closed).toBe(true);
  expect(() => file.read(new Uint8Array(1), 0)).toThrow(InvariantError);
});

test("openAndAdopt() closes the file when adopting it throws", () => {
  const path = join(dir, "f");
  writeFileSync(path, new Uint8Array(4));
  const openFds = () => readdirSync("/proc/self/fd").length;
  const before = openFds();
  const adopt = () => {
    throw new CorruptFileError(path, "rejected by the test");
  };
  for (let attempt = 0; attempt < 20; attempt++) expect(() => openAndAdopt(path, { what: "run", adopt })).toThrow(/rejected/);
  expect(openFds()).toBe(before);
});
