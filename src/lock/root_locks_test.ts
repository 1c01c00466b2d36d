import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvariantError } from "../assert.ts";
import { FatalError } from "../errors.ts";
import { LOCK_FILE_NAME } from "../geometry/layout.ts";
import { type RootLocks, RootLockedError, StorageRootError, lockRoots } from "./root_locks.ts";

let tempDir: string;
let held: RootLocks[];

beforeEach(() => {
  tempDir = mkdtempSync(join(tmpdir(), "fullhistory-rootlock-unit-"));
  held = [];
});

afterEach(() => {
  for (const locks of held) locks.release();
  rmSync(tempDir, { recursive: true, force: true });
});

function lock(roots: readonly string[]): RootLocks {
  const locks = lockRoots(roots);
  held.push(locks);
  return locks;
}

describe("lockRoots()", () => {
  test("creates a missing root chain 0755 and the lock file 0644 inside the root", () => {
    const root = join(tempDir, "a", "b", "catalog");
    lock([root]);
    for (const dir of [join(tempDir, "a"), join(tempDir, "a", "b"), root]) {
      expect(statSync(dir).mode & 0o777).toBe(0o755 & ~process.umask());
    }
    expect(statSync(join(root, LOCK_FILE_NAME)).mode & 0o777).toBe(0o644 & ~process.umask());
  });

  test("locks an existing root and keeps the roots in the given order, de-duplicated", () => {
    const [x, y] = [join(tempDir, "x"), join(tempDir, "y")];
    mkdirSync(x);
    expect(lock([y, x, `${y}/`, join(x, "..", "x")]).roots).toEqual([y, x]);
  });

  test("a second lockRoots() on a held root in the same process throws RootLockedError, a FatalError", () => {
    const root = join(tempDir, "root");
    lock([root]);
    let caught: unknown;
    try {
      lockRoots([root]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RootLockedError);
    expect(caught).toBeInstanceOf(FatalError);
    expect((caught as RootLockedError).root).toBe(root);
  });

  test("release() frees every root and is idempotent", () => {
    const roots = [join(tempDir, "p"), join(tempDir, "q")];
    const first = lockRoots(roots);
    first.release();
    first.release();
    lock(roots);
  });

  test("a root whose path runs through a regular file throws StorageRootError naming it, holding nothing", () => {
    const free = join(tempDir, "free");
    const file = join(tempDir, "file");
    writeFileSync(file, "");
    expect(() => lockRoots([free, join(file, "root")])).toThrow(StorageRootError);
    expect(() => lockRoots([free, join(file, "root")])).toThrow(`Cannot create storage root "${join(file, "root")}": ENOTDIR`);
    lock([free]); // the failed call released `free`
  });

  test("a root that is itself a regular file throws StorageRootError", () => {
    const file = join(tempDir, "file");
    writeFileSync(file, "");
    expect(() => lockRoots([file])).toThrow(/Cannot create storage root ".*file": EEXIST/);
  });

  test("an empty root is a bug in the caller, not a lock of the cwd", () => {
    expect(() => lockRoots([""])).toThrow(InvariantError);
  });
});
