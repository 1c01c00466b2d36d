/**
 * Root-chain durability (reference §5.8, D4), observed on the real syscalls: the lock holder
 * (test/support/lock_holder.ts) runs under `strace -f -y -e trace=fsync`, which names the directory
 * behind every fsync'd fd. A root that already exists when `lockRoots` runs may have been created by
 * an earlier attempt that died between its `mkdir` and its fsyncs (or by the operator's `mkdir -p`
 * just before the start): its entry in its parent is then not durable, and a power cut after the
 * first flip could take the whole root — frozen files included — with it (INV-3). The same timeline
 * as docs/catalog.md decision 7, one level up.
 */

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fsyncedPaths, stracedCommand } from "./support/strace.ts";

const HOLDER_SCRIPT = join(import.meta.dir, "support", "lock_holder.ts");
const STRACE = Bun.which("strace");
const HOLDER_TIMEOUT_MS = 30_000;

let tempDir: string;

beforeEach(() => {
  tempDir = mkdtempSync(join(tmpdir(), "fullhistory-rootchain-"));
});

afterEach(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

/** Locks `roots` in a child under strace (its stdin at EOF, so it releases at once); returns the fsync'd directories. */
async function fsyncedDirsWhileLocking(roots: readonly string[]): Promise<string[]> {
  const tracePath = join(tempDir, "trace.txt");
  const child = Bun.spawn(stracedCommand([process.execPath, HOLDER_SCRIPT, ...roots], { syscalls: "fsync", tracePath }), {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    timeout: HOLDER_TIMEOUT_MS,
  });
  const stdout = await new Response(child.stdout).text();
  expect(await child.exited).toBe(0);
  expect(stdout).toContain('"locked"');
  return fsyncedPaths(tracePath);
}

describe.skipIf(STRACE === null)("lockRoots() root-chain fsyncs (strace)", () => {
  test("lockRoots() fsyncs the parent of a root that already exists, so the root's own entry is durable", async () => {
    const parentDir = join(tempDir, "data");
    const root = join(parentDir, "ledgers");
    mkdirSync(root, { recursive: true }); // an earlier attempt's mkdir, never fsynced
    const fsyncedDirs = await fsyncedDirsWhileLocking([root]);
    expect(fsyncedDirs).toContain(root);
    expect(fsyncedDirs).toContain(parentDir);
  });

  test("lockRoots() still fsyncs a created root chain up to its deepest existing ancestor", async () => {
    const root = join(tempDir, "fresh", "a", "b");
    const fsyncedDirs = await fsyncedDirsWhileLocking([root]);
    expect(fsyncedDirs).toEqual([root, join(tempDir, "fresh", "a"), join(tempDir, "fresh"), tempDir]);
  });
});
