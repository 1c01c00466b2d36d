import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { type ChunkId, type WindowId, chunkLastLedger } from "../src/geometry/chunk.ts";
import { chunkKey } from "../src/geometry/keys.ts";
import {
  closeStoreCatalog,
  createStoreFixture,
  flipByte,
  freezeChunksFromLake,
  freezeCoverage,
  removeStoreFixture,
  type StoreFixture,
  withDamagedFile,
  writeForeignPack,
} from "./support/read_store.ts";
import { type CliRun, runCli } from "./support/run_cli.ts";

// `fullhistory audit` as a child process over a store built with the real protocol from a sparse
// lake: chunks 0 and 1 frozen, window 0 indexed by [0, 1]. Damage is undone after each test.
let fixture: StoreFixture;

beforeAll(async () => {
  fixture = await createStoreFixture({ lastChunkId: 1, chunksPerWindow: 1000, seed: 41 });
  await freezeChunksFromLake(fixture, { lo: 0, hi: 1 });
  freezeCoverage(fixture, { windowId: 0 as WindowId, lo: 0 as ChunkId, hi: 1 as ChunkId });
  closeStoreCatalog(fixture);
}, 90_000);

afterAll(() => removeStoreFixture(fixture));

function audit(extra: readonly string[] = []): Promise<CliRun> {
  return runCli(["audit", "--config", fixture.configPath, ...extra], { cwd: fixture.dir });
}

function lines(run: CliRun): string[] {
  return run.stdout.trimEnd().split("\n");
}

describe("fullhistory audit", () => {
  test("exits 0 with one summary line on a clean store, every frozen key opened and none read through", async () => {
    const run = await audit();
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(lines(run)).toEqual([
      `audit: clean; 7 keys, 11 files and dirs, 7 keys opened, 0 read through, 0 chunks re-derived; retained [2, ${chunkLastLedger(1 as ChunkId)}]`,
    ]);
  });

  test("--scrub reads every frozen key through and stays clean", async () => {
    const run = await audit(["--scrub"]);
    expect(run.exitCode).toBe(0);
    expect(lines(run)).toEqual([
      `audit: clean; 7 keys, 11 files and dirs, 7 keys opened, 7 read through, 0 chunks re-derived; retained [2, ${chunkLastLedger(1 as ChunkId)}]`,
    ]);
  });

  test("--scrub-sample 2 reads two frozen keys through", async () => {
    const run = await audit(["--scrub-sample", "2"]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("7 keys opened, 2 read through");
  });

  test("--deep 2 re-derives both chunks from the lake and stays clean", async () => {
    const run = await audit(["--deep", "2"]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("2 chunks re-derived");
  }, 30_000);

  test("exits 1 with an INV-3 line when a frozen file is deleted", async () => {
    const path = fixture.layout.eventsPaths(1 as ChunkId).indexHash;
    await withDamagedFile(path, (target) => rmSync(target), async () => {
      const run = await audit();
      expect(run.exitCode).toBe(1);
      expect(lines(run)).toEqual([
        `INV-3 ${chunkKey(1 as ChunkId, "events")} ${path}: frozen but the file is missing`,
        expect.stringMatching(/^audit: 1 violation \(INV-3 1\); /),
      ]);
    });
  });

  test("exits 1 with an INV-1 line without --scrub when a pack's trailer is corrupt", async () => {
    const path = fixture.layout.ledgerPackPath(1 as ChunkId);
    await withDamagedFile(path, (target) => flipByte(target, -2), async () => {
      const run = await audit();
      expect(run.exitCode).toBe(1);
      expect(lines(run)[0]).toStartWith(`INV-1 ${chunkKey(1 as ChunkId, "ledgers")} ${path}: corrupt: `);
    });
  });

  test("--scrub exits 1 with an INV-1 line when a byte of a pack record is corrupt, which the default audit does not read", async () => {
    const path = fixture.layout.ledgerPackPath(0 as ChunkId);
    await withDamagedFile(path, (target) => flipByte(target, 100), async () => {
      expect((await audit()).exitCode).toBe(0);
      const run = await audit(["--scrub"]);
      expect(run.exitCode).toBe(1);
      expect(lines(run)[0]).toStartWith(`INV-1 ${chunkKey(0 as ChunkId, "ledgers")} ${path}: corrupt: `);
    });
  });

  test("--deep catches a pack re-written with different but valid ledgers", async () => {
    const path = fixture.layout.ledgerPackPath(1 as ChunkId);
    await withDamagedFile(path, (target) => writeForeignPack(target, { chunkId: 1, seed: 4242 }), async () => {
      expect((await audit(["--scrub"])).exitCode).toBe(0);
      const run = await audit(["--deep=2"]);
      expect(run.exitCode).toBe(1);
      expect(lines(run)[0]).toStartWith(`INV-1 ${chunkKey(1 as ChunkId, "ledgers")} ${path}: differs from its re-derivation from `);
    });
  }, 30_000);

  test.each([["--deep=0"], ["--deep=x"], ["--deep=-1"], ["--scrub-sample=0"]])("rejects %p as a usage error (exit 2)", async (flag) => {
    const run = await audit([flag]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`Invalid ${flag.slice(0, flag.indexOf("="))}`);
  });

  test("rejects --scrub with --scrub-sample as a usage error (exit 2)", async () => {
    const run = await audit(["--scrub", "--scrub-sample=3"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("exclude each other");
  });
});
