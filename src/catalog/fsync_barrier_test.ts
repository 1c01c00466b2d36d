import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvariantError } from "../assert.ts";
import { errnoCode } from "../errors.ts";
import { ArtifactDirError, barrierNewFile, barrierNewFiles, createParentDirs, fsyncParentDirs } from "./fsync_barrier.ts";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "fullhistory-barrier-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

test("createParentDirs() creates each missing parent once and reports only those", () => {
  mkdirSync(join(root, "00001"));
  const paths = [join(root, "00000", "a.pack"), join(root, "00000", "b.pack"), join(root, "00001", "c.pack")];
  const created = createParentDirs(paths);
  expect([...created]).toEqual([join(root, "00000")]);
  expect(existsSync(join(root, "00000"))).toBe(true);
});

test("createParentDirs() refuses a parent whose own parent (the storage root) is missing", () => {
  expect(() => createParentDirs([join(root, "no-root", "00000", "a.pack")])).toThrow(InvariantError);
});

test("createParentDirs() refuses a parent path that is a file", () => {
  writeFileSync(join(root, "00000"), "not a dir");
  expect(() => createParentDirs([join(root, "00000", "a.pack")])).toThrow(ArtifactDirError);
});

test("barrierNewFile() fsyncs an existing file with a new parent", () => {
  const path = join(root, "00000", "a.pack");
  createParentDirs([path]);
  writeFileSync(path, "bytes");
  barrierNewFile(path, { newParent: true });
  expect(existsSync(path)).toBe(true);
});

test("barrierNewFile() and barrierNewFiles() fail with ENOENT on a file that was never written", () => {
  const path = join(root, "a.pack");
  expect(() => barrierNewFile(path, { newParent: false })).toThrow();
  let caught: unknown;
  try {
    barrierNewFiles([path], { newParentDirs: new Set() });
  } catch (err) {
    caught = err;
  }
  expect(errnoCode(caught)).toBe("ENOENT");
});

test("fsyncParentDirs() accepts a parent that no longer exists", () => {
  expect(() => fsyncParentDirs([join(root, "gone", "a.pack")])).not.toThrow();
});
