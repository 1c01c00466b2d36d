import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { closeCatalog, openCatalog } from "../src/catalog/catalog.ts";
import { type ChunkId, type WindowId, chunkFirstLedger, chunkLastLedger } from "../src/geometry/chunk.ts";
import { STORAGE_ROOT_NAMES } from "../src/geometry/layout.ts";
import { lockRoots } from "../src/lock/root_locks.ts";
import { walkLedger } from "../src/xdr/walk_ledger.ts";
import {
  closeStoreCatalog,
  createStoreFixture,
  flipByte,
  freezeChunksFromLake,
  freezeCoverage,
  lakeLedgers,
  removeStoreFixture,
  type StoreFixture,
  withDamagedFile,
} from "./support/read_store.ts";
import { type CliRun, runCli } from "./support/run_cli.ts";

// A store built with the real protocol from a sparse lake of chunks 0..2: chunks 0 and 1 frozen and
// indexed by the coverage [0, 1] of window 0 (production windows of 1000 chunks); chunk 2 is only
// in the lake. Every command runs as the real entry point in a child process.
let fixture: StoreFixture;
const LAST_COMMITTED = chunkLastLedger(1 as ChunkId);

interface LakeTx {
  ledgerSeq: number;
  hash: string;
  innerHash: string | undefined;
}
const lakeTxs: LakeTx[] = [];
const lakeLedgerBytes = new Map<number, Uint8Array>();

beforeAll(async () => {
  fixture = await createStoreFixture({ lastChunkId: 2, chunksPerWindow: 1000, seed: 31 });
  await freezeChunksFromLake(fixture, { lo: 0, hi: 1 });
  freezeCoverage(fixture, { windowId: 0 as WindowId, lo: 0 as ChunkId, hi: 1 as ChunkId });
  closeStoreCatalog(fixture);
  for (const chunkId of [0, 1]) {
    for (const lcm of await lakeLedgers(fixture, chunkId)) {
      const view = walkLedger(lcm);
      lakeLedgerBytes.set(view.ledgerSeq, lcm);
      for (const tx of view.transactions) {
        const hex = (offset: number) => Buffer.from(lcm.subarray(offset, offset + 32)).toString("hex");
        lakeTxs.push({ ledgerSeq: view.ledgerSeq, hash: hex(tx.hashOffset), innerHash: tx.innerHashOffset === undefined ? undefined : hex(tx.innerHashOffset) });
      }
    }
  }
}, 90_000);

afterAll(() => removeStoreFixture(fixture));

function cli(argv: readonly string[]): Promise<CliRun> {
  return runCli(argv, { cwd: fixture.dir });
}

/** Asserts `run` failed with exactly one stderr line and nothing on stdout; returns the line. */
function oneLineFailure(run: CliRun, exitCode: number): string {
  expect(run.exitCode).toBe(exitCode);
  expect(run.stdout).toBe("");
  expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
  return run.stderr.trimEnd();
}

function feeBump(): LakeTx {
  const tx = lakeTxs.find((candidate) => candidate.innerHash !== undefined);
  expect(tx).toBeDefined();
  return tx!;
}

describe("fullhistory get-tx", () => {
  test("prints a transaction found by its outer hash as one JSON line", async () => {
    const tx = lakeTxs.find((candidate) => candidate.ledgerSeq > chunkFirstLedger(1 as ChunkId))!;
    const run = await cli(["get-tx", tx.hash, "--config", fixture.configPath]);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json).toMatchObject({ txHash: tx.hash, ledger: tx.ledgerSeq, matchedInnerHash: false });
    expect(Object.keys(json)).toEqual([
      "txHash",
      "ledger",
      "createdAt",
      "applicationOrder",
      "feeBump",
      "innerTxHash",
      "matchedInnerHash",
      "status",
      "envelopeXdr",
      "resultXdr",
      "resultMetaXdr",
    ]);
    expect(["SUCCESS", "FAILED"]).toContain(json.status);
  });

  test("finds a fee bump by its inner hash and names the outer hash", async () => {
    const tx = feeBump();
    const run = await cli(["get-tx", tx.innerHash!.toUpperCase(), "--config", fixture.configPath]);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      txHash: tx.hash,
      innerTxHash: tx.innerHash,
      ledger: tx.ledgerSeq,
      feeBump: true,
      matchedInnerHash: true,
    });
  });

  test("says not found with the retained range and exits 1 for a hash no ledger holds", async () => {
    const line = oneLineFailure(await cli(["get-tx", "ab".repeat(32), "--config", fixture.configPath]), 1);
    expect(line).toBe(`fullhistory: Transaction ${"ab".repeat(32)} not found in retained history [2, ${LAST_COMMITTED}]`);
  });

  test("does not serve a transaction below the retention floor", async () => {
    const tx = lakeTxs.find((candidate) => candidate.ledgerSeq < chunkFirstLedger(1 as ChunkId))!;
    const run = await cli(["get-tx", tx.hash, "--config", fixture.configPath, "--retention.retention_chunks=1"]);
    expect(oneLineFailure(run, 1)).toContain(`not found in retained history [${chunkFirstLedger(1 as ChunkId)}, ${LAST_COMMITTED}]`);
  });

  test.each([["not-hex".padEnd(64, "z")], ["abcd"]])("rejects the hash %p as a usage error (exit 2)", async (hash) => {
    expect(oneLineFailure(await cli(["get-tx", hash, "--config", fixture.configPath]), 2)).toContain("Invalid transaction hash");
  });

  test("rejects a missing hash as a usage error", async () => {
    expect(oneLineFailure(await cli(["get-tx", "--config", fixture.configPath]), 2)).toContain("get-tx takes exactly one HASH");
  });
});

describe("fullhistory get-ledger", () => {
  test("prints the ledger's summary and its LedgerCloseMeta as base64", async () => {
    const ledgerSeq = lakeTxs[0]!.ledgerSeq;
    const run = await cli(["get-ledger", String(ledgerSeq), "--config", fixture.configPath]);
    expect(run.exitCode).toBe(0);
    const json = JSON.parse(run.stdout);
    const view = walkLedger(lakeLedgerBytes.get(ledgerSeq)!);
    expect(json).toMatchObject({ seq: ledgerSeq, closeTime: view.closeTimeSec, protocol: view.protocolVersion, txCount: view.transactions.length });
    expect(json.txHashes).toEqual(lakeTxs.filter((tx) => tx.ledgerSeq === ledgerSeq).map((tx) => tx.hash));
    expect(Buffer.from(json.metadataXdr, "base64").equals(Buffer.from(lakeLedgerBytes.get(ledgerSeq)!))).toBe(true);
  });

  test("--raw writes exactly the LedgerCloseMeta bytes", async () => {
    const ledgerSeq = chunkLastLedger(1 as ChunkId);
    const run = await cli(["get-ledger", "--raw", String(ledgerSeq), "--config", fixture.configPath]);
    expect(run.exitCode).toBe(0);
    expect(Buffer.from(run.stdoutBytes).equals(Buffer.from(lakeLedgerBytes.get(ledgerSeq)!))).toBe(true);
  });

  test("says not found for a ledger in the lake whose chunk is not frozen", async () => {
    const ledgerSeq = chunkFirstLedger(2 as ChunkId);
    const line = oneLineFailure(await cli(["get-ledger", String(ledgerSeq), "--config", fixture.configPath]), 1);
    expect(line).toBe(`fullhistory: Ledger ${ledgerSeq} not found in retained history [2, ${LAST_COMMITTED}]`);
  });

  test("says not found below the retention floor although the pack exists", async () => {
    const run = await cli(["get-ledger", "2", "--config", fixture.configPath, "--retention.retention_chunks", "1"]);
    expect(oneLineFailure(run, 1)).toContain("Ledger 2 not found");
  });

  test.each([["1"], ["abc"], ["4294967296"], ["-5"]])("rejects the sequence %p as a usage error (exit 2)", async (seq) => {
    expect(oneLineFailure(await cli(["get-ledger", seq, "--config", fixture.configPath]), 2)).toMatch(/Invalid ledger sequence|Unexpected argument|Unknown flag/);
  });
});

describe("damaged files are reported, never served", () => {
  test("get-ledger names a corrupt pack in one line and exits 1", async () => {
    const path = fixture.layout.ledgerPackPath(0 as ChunkId);
    await withDamagedFile(path, (target) => flipByte(target, 40), async () => {
      const line = oneLineFailure(await cli(["get-ledger", "2", "--config", fixture.configPath]), 1);
      expect(line).toStartWith(`fullhistory: Cannot read "${path}": file is corrupt: `);
    });
  });

  test("get-tx names a frozen index whose file is missing in one line and exits 1", async () => {
    const path = fixture.layout.indexPath({ windowId: 0 as WindowId, lo: 0 as ChunkId, hi: 1 as ChunkId });
    await withDamagedFile(path, (target) => rmSync(target), async () => {
      const line = oneLineFailure(await cli(["get-tx", lakeTxs[0]!.hash, "--config", fixture.configPath]), 1);
      expect(line).toContain(`"index:00000000:00000000:00000001" is frozen but the file is missing`);
    });
  });
});

describe("fullhistory status", () => {
  test("--json reports the pin, the floor, the last committed ledger, windows, key counts, bytes and hot chunks", async () => {
    const run = await cli(["status", "--config", fixture.configPath, "--json"]);
    expect(run.exitCode).toBe(0);
    const status = JSON.parse(run.stdout);
    expect(status).toMatchObject({
      earliestLedger: 2,
      retentionChunks: 0,
      retentionFloorLedger: 2,
      retentionFloorChunk: 0,
      lastCommittedLedger: LAST_COMMITTED,
      windows: [{ windowId: 0, frozen: { lo: 0, hi: 1, state: "frozen", terminal: false }, others: [] }],
      keyCounts: {
        chunk: {
          ledgers: { freezing: 0, frozen: 2, pruning: 0 },
          events: { freezing: 0, frozen: 2, pruning: 0 },
          txhash: { freezing: 0, frozen: 2, pruning: 0 },
        },
        index: { freezing: 0, frozen: 1, pruning: 0 },
        hot: { transient: 0, ready: 0 },
      },
      hotChunks: [],
    });
    expect(Object.keys(status.storageBytes)).toEqual([...STORAGE_ROOT_NAMES]);
    for (const name of ["catalog", "ledgers", "events", "txhashRaw", "txhashIndex"]) expect(status.storageBytes[name]).toBeGreaterThan(0);
    expect(status.storageBytes.hot).toBe(0);
  });

  test("prints the same facts as text", async () => {
    const run = await cli(["status", "--config", fixture.configPath]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`last committed ledger  ${LAST_COMMITTED}\n`);
    expect(run.stdout).toContain("\n  window 00000000      frozen [00000000, 00000001]\n");
    expect(run.stdout).toMatch(/ {2}chunk ledgers +0 +2 +0\n/);
    expect(run.stdout).toContain("hot chunks             none\n");
  });

  test("runs beside a daemon that holds the root locks and the catalog open read-write", async () => {
    const locks = lockRoots(STORAGE_ROOT_NAMES.map((name) => fixture.layout.roots[name]));
    const writer = openCatalog(fixture.layout, { readOnly: false });
    try {
      const status = await cli(["status", "--config", fixture.configPath, "--json"]);
      expect(status.exitCode).toBe(0);
      expect(JSON.parse(status.stdout).lastCommittedLedger).toBe(LAST_COMMITTED);
      const ledger = await cli(["get-ledger", "2", "--config", fixture.configPath]);
      expect(ledger.exitCode).toBe(0);
    } finally {
      closeCatalog(writer);
      locks.release();
    }
  });
});
