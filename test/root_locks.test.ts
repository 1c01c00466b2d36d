import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RootLockedError, lockRoots } from "../src/lock/root_locks.ts";

// Reference §11.3 lock tests with real child processes (D4): each holder is a separate `bun`
// process running test/support/lock_holder.ts.
const HOLDER_SCRIPT = join(import.meta.dir, "support", "lock_holder.ts");

interface Holder {
  readonly child: Bun.Subprocess<"pipe", "pipe", "inherit">;
  readonly lines: AsyncGenerator<Record<string, unknown>>;
}

let tempDir: string;
let holders: Holder[];

beforeEach(() => {
  tempDir = mkdtempSync(join(tmpdir(), "fullhistory-rootlock-"));
  holders = [];
});

afterEach(async () => {
  for (const holder of holders) {
    holder.child.kill("SIGKILL");
    await holder.child.exited;
  }
  rmSync(tempDir, { recursive: true, force: true });
});

function spawnHolder(roots: readonly string[], options: { cwd?: string } = {}): Holder {
  const child = Bun.spawn([process.execPath, HOLDER_SCRIPT, ...roots], {
    cwd: options.cwd ?? tempDir,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  const holder = { child, lines: jsonLines(child.stdout) };
  holders.push(holder);
  return holder;
}

async function* jsonLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<Record<string, unknown>> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n")) {
      yield JSON.parse(pending.slice(0, newline)) as Record<string, unknown>;
      pending = pending.slice(newline + 1);
    }
  }
}

async function nextLine(holder: Holder): Promise<Record<string, unknown>> {
  const next = await holder.lines.next();
  if (next.done === true) throw new Error(`holder exited (status ${await holder.child.exited}) without a line`);
  return next.value;
}

describe("lockRoots() across processes", () => {
  test("a second holder of any shared root fails fast with RootLockedError naming that root", async () => {
    const [a, b, c] = ["a", "b", "c"].map((name) => join(tempDir, name)) as [string, string, string];
    const first = spawnHolder([a, b]);
    expect(await nextLine(first)).toEqual({ locked: [a, b] });

    const second = spawnHolder([c, b]);
    const failure = await nextLine(second);
    expect(await second.child.exited).toBe(1);
    expect(failure.error).toBe("RootLockedError");
    expect(failure.message).toBe(
      `Cannot lock storage root "${b}": another fullhistory process holds ${b}/fullhistory.lock; stop it or point [storage] elsewhere`,
    );
    // In this process too (a different open file description of the same lock file).
    expect(() => lockRoots([b])).toThrow(RootLockedError);
  });

  test("a failed lockRoots() releases the roots it locked before the shared one", async () => {
    const [free, shared] = [join(tempDir, "free"), join(tempDir, "shared")];
    const first = spawnHolder([shared]);
    expect(await nextLine(first)).toEqual({ locked: [shared] });
    // In this process, so the partial lock on `free` would still be held if it had leaked.
    expect(() => lockRoots([free, shared])).toThrow(RootLockedError);
    const again = lockRoots([free]);
    again.release();
  });

  test("release() frees the roots for the next holder", async () => {
    const root = join(tempDir, "root");
    const first = spawnHolder([root]);
    expect(await nextLine(first)).toEqual({ locked: [root] });
    first.child.stdin.end();
    expect(await nextLine(first)).toEqual({ released: [root] });
    expect(await first.child.exited).toBe(0);

    const second = spawnHolder([root]);
    expect(await nextLine(second)).toEqual({ locked: [root] });
  });

  test("kill -9 of the holder frees its locks at once", async () => {
    const roots = [join(tempDir, "x"), join(tempDir, "y")];
    const first = spawnHolder(roots);
    expect(await nextLine(first)).toEqual({ locked: roots });
    first.child.kill("SIGKILL");
    await first.child.exited;
    expect(first.child.signalCode).toBe("SIGKILL");

    const locks = lockRoots(roots); // no wait, no retry: the kernel released on exit
    expect(locks.roots).toEqual(roots);
    locks.release();
  });

  test("a root given three ways (absolute, trailing slash, relative) is locked once, its missing chain created", async () => {
    const root = join(tempDir, "deep", "er", "root");
    const holder = spawnHolder([root, `${root}/`, "./deep/er/root"], { cwd: tempDir });
    expect(await nextLine(holder)).toEqual({ locked: [root] });
    expect(statSync(join(root, "fullhistory.lock")).isFile()).toBe(true);
  });
});
