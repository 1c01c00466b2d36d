import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errnoCode } from "../src/errors.ts";
import { SystemCallError, fsyncDir, fsyncPath, lowerCallingThreadPriority, tryFlockExclusive, unlockFlock } from "./libc.ts";

let tempDir: string;
let fds: number[];

beforeEach(() => {
  tempDir = mkdtempSync(join(tmpdir(), "fullhistory-libc-"));
  fds = [];
});

afterEach(() => {
  for (const fd of fds) closeSync(fd);
  rmSync(tempDir, { recursive: true, force: true });
});

function openLockFile(name: string): number {
  const fd = openSync(join(tempDir, name), "a+");
  fds.push(fd);
  return fd;
}

function thrown(action: () => void): unknown {
  try {
    action();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("tryFlockExclusive()", () => {
  test("a second open file description of a locked file gets false, then true after unlock", () => {
    const first = openLockFile("a.lock");
    const second = openLockFile("a.lock");
    expect(tryFlockExclusive(first)).toBe(true);
    expect(tryFlockExclusive(second)).toBe(false);
    expect(tryFlockExclusive(first)).toBe(true); // re-locking one's own lock is fine
    unlockFlock(first);
    expect(tryFlockExclusive(second)).toBe(true);
  });

  test("closing the holder's fd frees the lock (the crash path)", () => {
    const first = openSync(join(tempDir, "a.lock"), "a+");
    const second = openLockFile("a.lock");
    expect(tryFlockExclusive(first)).toBe(true);
    closeSync(first);
    expect(tryFlockExclusive(second)).toBe(true);
  });

  test("different files lock independently", () => {
    expect(tryFlockExclusive(openLockFile("a.lock"))).toBe(true);
    expect(tryFlockExclusive(openLockFile("b.lock"))).toBe(true);
  });

  test("a bad fd throws SystemCallError with the errno name EBADF", () => {
    const fd = openSync(join(tempDir, "a.lock"), "a+");
    closeSync(fd);
    const err = thrown(() => tryFlockExclusive(fd));
    expect(err).toBeInstanceOf(SystemCallError);
    expect(errnoCode(err)).toBe("EBADF");
    expect((err as Error).message).toBe(`Cannot flock fd ${fd}: EBADF (bad file descriptor)`);
    expect(errnoCode(thrown(() => unlockFlock(fd)))).toBe("EBADF");
  });
});

describe("fsyncPath() / fsyncDir()", () => {
  test("fsync a file and a directory", () => {
    const file = join(tempDir, "f");
    writeFileSync(file, "data");
    fsyncPath(file);
    fsyncDir(tempDir);
    fsyncPath(tempDir); // a directory opened read-only can be fsynced like a file
  });

  test("fsyncDir() of a missing directory is not an error", () => {
    fsyncDir(join(tempDir, "never", "created"));
  });

  test("fsyncPath() of a missing file throws ENOENT naming the path", () => {
    const missing = join(tempDir, "missing");
    const err = thrown(() => fsyncPath(missing));
    expect(err).toBeInstanceOf(SystemCallError);
    expect(errnoCode(err)).toBe("ENOENT");
    expect((err as Error).message).toBe(`Cannot open "${missing}": ENOENT (no such file or directory)`);
  });

  test("fsyncDir() of a regular file throws ENOTDIR naming the path", () => {
    const file = join(tempDir, "f");
    writeFileSync(file, "");
    const err = thrown(() => fsyncDir(file));
    expect(errnoCode(err)).toBe("ENOTDIR");
    expect((err as Error).message).toContain(`"${file}"`);
  });

  test("fsyncPath() through a symlink loop throws ELOOP (errors other than ENOENT surface)", () => {
    const loop = join(tempDir, "loop");
    symlinkSync(loop, loop);
    expect(errnoCode(thrown(() => fsyncPath(loop)))).toBe("ELOOP");
    expect(errnoCode(thrown(() => fsyncDir(loop)))).toBe("ELOOP");
  });
});

describe("lowerCallingThreadPriority()", () => {
  function threadNice(): number {
    const stat = readFileSync("/proc/thread-self/stat", "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
  }

  function niceInWorker(increment: number): Promise<{ before: number; returned: number; after: number }> {
    const worker = new Worker(new URL("./_libc_nice_test_worker.ts", import.meta.url).href);
    return new Promise((resolve, reject) => {
      worker.onmessage = (event) => {
        resolve(event.data);
        worker.terminate();
      };
      worker.onerror = (event) => reject(new Error(event.message));
      worker.postMessage({ increment });
    });
  }

  test("raises only the calling Worker thread's nice value, capped at 19", async () => {
    const mainBefore = threadNice();
    const first = await niceInWorker(5);
    expect(first.returned).toBe(Math.min(19, first.before + 5));
    expect(first.after).toBe(first.returned);
    const capped = await niceInWorker(100);
    expect(capped.returned).toBe(19);
    expect(capped.after).toBe(19);
    expect(threadNice()).toBe(mainBefore);
  });

  test("refuses an increment that is not a positive integer", () => {
    expect(() => lowerCallingThreadPriority(0)).toThrow(/not a positive integer/);
    expect(() => lowerCallingThreadPriority(1.5)).toThrow(/not a positive integer/);
  });
});
