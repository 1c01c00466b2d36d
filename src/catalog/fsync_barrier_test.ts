import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvariantError } from "../assert.ts";
import { errnoCode } from "../errors.ts";
import { fsyncedPaths, stracedCommand } from "../../test/support/strace.ts";
import { ArtifactDirError, barrierNewFile, barrierNewFiles, createParentDirs, fsyncParentDirs } from "./fsync_barrier.ts";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "fullhistory-barrier-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const BARRIER_MODULE = join(import.meta.dir, "fsync_barrier.ts");

/**
 * Runs `barrier` on `paths` in a child bun under `strace -y` and returns the path of every fsync it
 * made, in order: how a test sees which entries a barrier made durable without mocking fsync.
 */
function tracedFsyncPaths(barrier: "barrierNewFile" | "barrierNewFiles", paths: readonly string[]): string[] {
  const argument = barrier === "barrierNewFile" ? "paths[0]" : "paths";
  const script = `import { ${barrier} } from ${JSON.stringify(BARRIER_MODULE)}; const paths = JSON.parse(process.argv.at(-1)); ${barrier}(${argument});`;
  const tracePath = join(root, "fsync.trace");
  const command = stracedCommand([process.execPath, "-e", script, JSON.stringify(paths)], { syscalls: "fsync", tracePath });
  const child = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe" });
  expect(child.stderr.toString()).toBe("");
  expect(child.exitCode).toBe(0);
  return fsyncedPaths(tracePath);
}

test("createParentDirs() creates each missing distinct parent and keeps existing ones", () => {
  mkdirSync(join(root, "00001"));
  writeFileSync(join(root, "00001", "old.pack"), "old");
  const paths = [join(root, "00000", "a.pack"), join(root, "00000", "b.pack"), join(root, "00001", "c.pack")];
  createParentDirs(paths);
  expect(existsSync(join(root, "00000"))).toBe(true);
  expect(readFileSync(join(root, "00001", "old.pack"), "utf8")).toBe("old");
  createParentDirs(paths);
  expect(existsSync(join(root, "00000"))).toBe(true);
});

test("createParentDirs() refuses a parent whose own parent (the storage root) is missing", () => {
  expect(() => createParentDirs([join(root, "no-root", "00000", "a.pack")])).toThrow(InvariantError);
  expect(existsSync(join(root, "no-root"))).toBe(false);
});

test("createParentDirs() refuses a parent path that is a file", () => {
  writeFileSync(join(root, "00000"), "not a dir");
  expect(() => createParentDirs([join(root, "00000", "a.pack")])).toThrow(ArtifactDirError);
});

test("barrierNewFile() fsyncs file, parent and grandparent even when the parent existed before this attempt", () => {
  // The retry of an attempt that created the bucket dir and crashed before its barrier (docs/catalog.md decision 7).
  const path = join(root, "storage", "00000", "a.pack");
  mkdirSync(join(root, "storage", "00000"), { recursive: true });
  writeFileSync(path, "bytes");
  expect(tracedFsyncPaths("barrierNewFile", [path])).toEqual([path, join(root, "storage", "00000"), join(root, "storage")]);
});

test("barrierNewFiles() fsyncs every file, then each distinct parent once, then each distinct grandparent once", () => {
  const paths = [join(root, "ledgers", "00000", "a.pack"), join(root, "ledgers", "00000", "b.pack"), join(root, "ledgers", "00001", "c.pack"), join(root, "events", "00000", "d.pack")];
  for (const storageRoot of ["ledgers", "events"]) mkdirSync(join(root, storageRoot));
  createParentDirs(paths);
  for (const path of paths) writeFileSync(path, "bytes");
  expect(tracedFsyncPaths("barrierNewFiles", paths)).toEqual([
    ...paths,
    join(root, "ledgers", "00000"),
    join(root, "ledgers", "00001"),
    join(root, "events", "00000"),
    join(root, "ledgers"),
    join(root, "events"),
  ]);
});

test("barrierNewFile() and barrierNewFiles() fail with ENOENT on a file that was never written", () => {
  const path = join(root, "a.pack");
  for (const barrier of [() => barrierNewFile(path), () => barrierNewFiles([path])]) {
    let caught: unknown;
    try {
      barrier();
    } catch (err) {
      caught = err;
    }
    expect(errnoCode(caught)).toBe("ENOENT");
  }
});

test("fsyncParentDirs() accepts a parent that no longer exists", () => {
  expect(() => fsyncParentDirs([join(root, "gone", "a.pack")])).not.toThrow();
});
