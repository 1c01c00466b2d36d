import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StorageWalkError, storageRootBytes, WALK_DEPTH_MAX, walkStorageRoot } from "./walk_storage_root.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "fullhistory-walk-"));
  dirs.push(root);
  return root;
}

describe("walkStorageRoot()", () => {
  test("lists parents before children, each directory in name order, with file sizes", () => {
    const root = tempRoot();
    mkdirSync(join(root, "00001"));
    mkdirSync(join(root, "00000"));
    writeFileSync(join(root, "00000", "b"), "xyz");
    writeFileSync(join(root, "00000", "a"), "x");
    writeFileSync(join(root, "00001", "c"), "");
    writeFileSync(join(root, "fullhistory.lock"), "");
    const entries = [...walkStorageRoot(root)].map((entry) => [entry.relativePath, entry.depth, entry.type, entry.byteCount]);
    expect(entries).toEqual([
      ["00000", 1, "directory", 0],
      ["00000/a", 2, "file", 1],
      ["00000/b", 2, "file", 3],
      ["00001", 1, "directory", 0],
      ["00001/c", 2, "file", 0],
      ["fullhistory.lock", 1, "file", 0],
    ]);
  });

  test("does not descend where the caller says not to, and reports a symlink as other without following it", () => {
    const root = tempRoot();
    mkdirSync(join(root, "00000005"));
    writeFileSync(join(root, "00000005", "CURRENT"), "x");
    symlinkSync(join(root, "00000005"), join(root, "link"));
    const entries = [...walkStorageRoot(root, { descend: () => false })].map((entry) => [entry.relativePath, entry.type]);
    expect(entries).toEqual([
      ["00000005", "directory"],
      ["link", "other"],
    ]);
  });

  test("yields nothing for a root that does not exist", () => {
    expect([...walkStorageRoot(join(tempRoot(), "never-written"))]).toEqual([]);
  });

  test(`refuses a tree deeper than ${WALK_DEPTH_MAX} levels`, () => {
    const root = tempRoot();
    mkdirSync(join(root, ...Array.from({ length: WALK_DEPTH_MAX + 1 }, (_, index) => `d${index}`)), { recursive: true });
    expect(() => [...walkStorageRoot(root)]).toThrow(StorageWalkError);
  });
});

describe("storageRootBytes()", () => {
  test("sums every regular file under the root, at any depth", () => {
    const root = tempRoot();
    mkdirSync(join(root, "a", "b"), { recursive: true });
    writeFileSync(join(root, "a", "b", "f"), "12345");
    writeFileSync(join(root, "g"), "67");
    expect(storageRootBytes(root)).toBe(7);
  });
});
