/**
 * `fullhistory inspect` and `fullhistory synth-lake` as an operator runs them: the real entry point
 * as a child process. inspect is checked against expected.json on every fixture container
 * (lake object, base64 lines, framed stream); synth-lake against itself (same arguments, same bytes)
 * and against inspect.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { INSPECT_FILE_BYTES_MAX } from "../src/cli/inspect_command.ts";
import { expectedFixtures, fixturePath } from "./support/fixtures.ts";

const MAIN = join(import.meta.dir, "..", "src", "cli", "main.ts");
const workDir = mkdtempSync(join(tmpdir(), "fullhistory-lake-cli-"));

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

async function runCli(argv: readonly string[]): Promise<Run> {
  const child = Bun.spawn([process.execPath, MAIN, ...argv], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { exitCode, stdout, stderr };
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Every file under `dir`, relative path → bytes. */
function filesOf(dir: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path), new Uint8Array(readFileSync(path)));
  }
  return files;
}

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe("fullhistory inspect", () => {
  test.each(expectedFixtures().map((fixture) => [fixture.name, fixture] as const))(
    "inspect prints the expected ledgers of fixture %s",
    async (_name, fixture) => {
      const run = await runCli(["inspect", fixturePath(fixture.file)]);
      expect(run.stderr).toBe("");
      expect(run.exitCode).toBe(0);
      const printed = jsonLines(run.stdout);
      expect(printed.map((ledger) => ledger["seq"])).toEqual(fixture.ledgers.map((ledger) => ledger.seq));
      for (const [index, want] of fixture.ledgers.entries()) {
        const got = printed[index]!;
        expect(got["closeTime"]).toBe(want.closeTime);
        expect(got["protocol"]).toBe(want.protocol);
        expect(got["eventCount"]).toBe(want.contractEvents + want.txLevelEvents);
        const txHashes = got["txHashes"] as string[];
        expect(txHashes.length).toBe(want.txCount);
        if (want.hashes !== undefined) {
          expect(txHashes).toEqual(want.hashes);
          expect(got["innerHashes"]).toEqual(want.innerHashes!);
        } else {
          expect(txHashes.slice(0, want.firstHashes!.length)).toEqual(want.firstHashes!);
          expect(txHashes.at(-1) ?? null).toBe(want.lastHash!);
        }
      }
    },
    30_000,
  );

  test("inspect of a truncated lake object fails with one line naming the file", async () => {
    const original = await Bun.file(fixturePath("testnet-997-999-datastore/FFFFFFFF--0-63999/FFFFFC1A--997.xdr.zst")).bytes();
    const damaged = join(workDir, "FFFFFC1A--997.xdr.zst");
    await Bun.write(damaged, original.subarray(0, original.length - 9));
    const run = await runCli(["inspect", damaged]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain(`"${damaged}"`);
    expect(run.stderr).toContain("corrupt");
  });

  test("inspect of a lake object whose name promises another ledger fails naming both ranges", async () => {
    const original = await Bun.file(fixturePath("testnet-997-999-datastore/FFFFFFFF--0-63999/FFFFFC1A--997.xdr.zst")).bytes();
    const misnamed = join(workDir, "FFFFFC19--998.xdr.zst");
    await Bun.write(misnamed, original);
    const run = await runCli(["inspect", misnamed]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("batch holds ledgers [997, 997] but its key names [998, 998]");
  });

  test("inspect of garbage bytes fails with an XDR error, not a crash", async () => {
    const garbage = join(workDir, "garbage.bin");
    await Bun.write(garbage, new Uint8Array(100).fill(0xee));
    const run = await runCli(["inspect", garbage]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`Cannot inspect "${garbage}"`);
  });

  test("inspect of a device or a FIFO is refused with one line before any read", async () => {
    const fifo = join(workDir, "objects.fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    for (const path of ["/dev/zero", fifo]) {
      const run = await runCli(["inspect", path]);
      expect({ exitCode: run.exitCode, stderr: run.stderr }).toEqual({ exitCode: 1, stderr: `fullhistory: Cannot inspect "${path}": not a regular file\n` });
    }
  });

  test("inspect of a file over its 1 GiB bound is refused before it is read", async () => {
    const huge = join(workDir, "huge.xdr");
    writeFileSync(huge, "");
    truncateSync(huge, INSPECT_FILE_BYTES_MAX + 1); // sparse: no disk space used
    const run = await runCli(["inspect", huge]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(`fullhistory: Cannot inspect "${huge}": ${INSPECT_FILE_BYTES_MAX + 1} bytes is more than inspect reads (${INSPECT_FILE_BYTES_MAX}); is it the right file?\n`);
  });

  test("inspect without a file is a usage error", async () => {
    const run = await runCli(["inspect"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("exactly one FILE");
  });
});

describe("fullhistory synth-lake", () => {
  const args = ["--first", "60", "--last", "75", "--ledgers-per-file", "8", "--files-per-partition", "2", "--seed", "9"];

  beforeAll(async () => {
    for (const name of ["a", "b"]) {
      const run = await runCli(["synth-lake", "--out", join(workDir, name), ...args]);
      expect(run.exitCode).toBe(0);
    }
  }, 30_000);

  test("synth-lake writes identical bytes for identical arguments", () => {
    const first = filesOf(join(workDir, "a"));
    const second = filesOf(join(workDir, "b"));
    expect([...first.keys()].sort()).toEqual([...second.keys()].sort());
    for (const [path, bytes] of first) expect(Buffer.compare(bytes, second.get(path)!)).toBe(0);
  });

  test("synth-lake writes aligned batches in Galexie partitions with a manifest", () => {
    // [60, 75] widens to batches 56-63, 64-71, 72-79; partitions of 16 ledgers: 48-63 and 64-79.
    expect([...filesOf(join(workDir, "a")).keys()].sort()).toEqual([
      ".config.json",
      "FFFFFFBF--64-79/FFFFFFB7--72-79.xdr.zst",
      "FFFFFFBF--64-79/FFFFFFBF--64-71.xdr.zst",
      "FFFFFFCF--48-63/FFFFFFC7--56-63.xdr.zst",
    ]);
  });

  test("synth-lake objects read back through inspect, covering the widened range", async () => {
    const objects = [...filesOf(join(workDir, "a")).keys()].filter((path) => path.endsWith(".xdr.zst")).sort().reverse();
    const seqs: unknown[] = [];
    for (const object of objects) {
      const run = await runCli(["inspect", join(workDir, "a", object)]);
      expect(run.exitCode).toBe(0);
      seqs.push(...jsonLines(run.stdout).map((ledger) => ledger["seq"]));
    }
    expect(seqs).toEqual(Array.from({ length: 24 }, (_, index) => 56 + index));
  });

  test("synth-lake with another seed writes other bytes", async () => {
    const run = await runCli(["synth-lake", "--out", join(workDir, "c"), ...args.slice(0, -1), "10"]);
    expect(run.exitCode).toBe(0);
    const seeded9 = filesOf(join(workDir, "a"));
    const seeded10 = filesOf(join(workDir, "c"));
    const key = [...seeded9.keys()].find((path) => path.endsWith(".xdr.zst"))!;
    expect(Buffer.compare(seeded9.get(key)!, seeded10.get(key)!)).not.toBe(0);
  });

  test("synth-lake refuses to write into a lake of another network", async () => {
    const run = await runCli(["synth-lake", "--out", join(workDir, "a"), ...args, "--passphrase", "Test SDF Network ; September 2015"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("already holds a lake with a different manifest");
  });

  test("synth-lake rejects an unknown profile as a usage error", async () => {
    const run = await runCli(["synth-lake", "--out", join(workDir, "d"), ...args, "--profile", "busy"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("--profile must be one of dense, mixed, sparse");
  });
});
