import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { closeCatalog, openCatalog } from "../src/catalog/catalog.ts";
import { discardHotDbForChunk } from "../src/catalog/hot_bracket.ts";
import { type ChunkId, type WindowId, chunkFirstLedger, chunkLastLedger } from "../src/geometry/chunk.ts";
import { hotKey } from "../src/geometry/keys.ts";
import { STORAGE_ROOT_NAMES } from "../src/geometry/layout.ts";
import { lockRoots } from "../src/lock/root_locks.ts";
import { walkLedger } from "../src/xdr/walk_ledger.ts";
import {
  closeStoreCatalog,
  createStoreFixture,
  flipByte,
  freezeChunksFromLake,
  freezeCoverage,
  ingestHotChunk,
  lakeLedgers,
  plantCatalogValue,
  removeStoreFixture,
  reopenStoreCatalog,
  type StoreFixture,
  withDamagedFile,
} from "./support/read_store.ts";
import { type CliRun, runCli } from "./support/run_cli.ts";

// A store built with the real protocol from a sparse lake of chunks 0..2: chunks 0 and 1 frozen and
// indexed by the coverage [0, 1] of window 0 (production windows of 1000 chunks); chunk 2 is only
// in the lake until the last describe block gives it a live hot DB. Every command runs as the real
// entry point in a child process.
let fixture: StoreFixture;
const SEED = 31;
const LAST_COMMITTED = chunkLastLedger(1 as ChunkId);

interface LakeTx {
  ledgerSeq: number;
  hash: string;
  innerHash: string | undefined;
}
const lakeTxs: LakeTx[] = [];
const lakeLedgerBytes = new Map<number, Uint8Array>();

beforeAll(async () => {
  fixture = await createStoreFixture({ lastChunkId: 2, chunksPerWindow: 1000, seed: SEED });
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

  test.each([["4294960002"], ["4294967295"]])("says not found for %p, past the last chunk a store can hold (exit 1, not a bug)", async (seq) => {
    const line = oneLineFailure(await cli(["get-ledger", seq, "--config", fixture.configPath]), 1);
    expect(line).toBe(`fullhistory: Ledger ${seq} not found in retained history [2, ${LAST_COMMITTED}]`);
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

describe("the hot tier: chunk 2 live in a ready hot DB", () => {
  const HOT_LEDGERS = 300;
  const WRITER_LEDGERS = 60;
  const firstHotLedgerSeq = chunkFirstLedger(2 as ChunkId);
  const hotWatermark = firstHotLedgerSeq + HOT_LEDGERS - 1;
  let chunk2: Uint8Array[];
  const hotTxs: LakeTx[] = [];

  beforeAll(async () => {
    chunk2 = (await lakeLedgers(fixture, 2)).slice(0, HOT_LEDGERS + WRITER_LEDGERS);
    for (const lcm of chunk2) {
      const view = walkLedger(lcm);
      const hex = (offset: number) => Buffer.from(lcm.subarray(offset, offset + 32)).toString("hex");
      for (const tx of view.transactions) {
        hotTxs.push({ ledgerSeq: view.ledgerSeq, hash: hex(tx.hashOffset), innerHash: tx.innerHashOffset === undefined ? undefined : hex(tx.innerHashOffset) });
      }
    }
    reopenStoreCatalog(fixture);
    ingestHotChunk(fixture, 2, chunk2.slice(0, HOT_LEDGERS));
    closeStoreCatalog(fixture);
  }, 60_000);

  afterAll(() => {
    discardHotDbForChunk(reopenStoreCatalog(fixture), 2 as ChunkId);
    closeStoreCatalog(fixture);
  });

  /** Sets chunk 2's hot key to `state` for the duration of `use`, then back to ready. */
  async function withHotState(state: string, use: () => Promise<void>): Promise<void> {
    plantCatalogValue({ ...fixture, catalog: reopenStoreCatalog(fixture) }, hotKey(2 as ChunkId), state);
    closeStoreCatalog(fixture);
    try {
      await use();
    } finally {
      plantCatalogValue({ ...fixture, catalog: reopenStoreCatalog(fixture) }, hotKey(2 as ChunkId), "ready");
      closeStoreCatalog(fixture);
    }
  }

  test("get-tx finds a transaction by its outer hash, and a fee bump by its inner hash, in the hot DB", async () => {
    const committed = hotTxs.filter((tx) => tx.ledgerSeq <= hotWatermark);
    const plain = committed.at(-1)!;
    const bumped = committed.find((tx) => tx.innerHash !== undefined);
    expect(bumped).toBeDefined();
    const outer = await cli(["get-tx", plain.hash, "--config", fixture.configPath]);
    expect(outer.stderr).toBe("");
    expect(JSON.parse(outer.stdout)).toMatchObject({ txHash: plain.hash, ledger: plain.ledgerSeq, matchedInnerHash: false });
    const inner = await cli(["get-tx", bumped!.innerHash!, "--config", fixture.configPath]);
    expect(JSON.parse(inner.stdout)).toMatchObject({ txHash: bumped!.hash, innerTxHash: bumped!.innerHash, ledger: bumped!.ledgerSeq, matchedInnerHash: true });
  });

  test("get-ledger serves a hot ledger byte for byte, and says not found past the hot watermark, naming it", async () => {
    const run = await cli(["get-ledger", "--raw", String(hotWatermark), "--config", fixture.configPath]);
    expect(run.exitCode).toBe(0);
    expect(Buffer.from(run.stdoutBytes).equals(Buffer.from(chunk2[HOT_LEDGERS - 1]!))).toBe(true);
    const past = await cli(["get-ledger", String(hotWatermark + 1), "--config", fixture.configPath]);
    expect(oneLineFailure(past, 1)).toBe(`fullhistory: Ledger ${hotWatermark + 1} not found in retained history [2, ${hotWatermark}]`);
  });

  test("status reports the hot watermark as the last committed ledger and the ledgers the hot DB holds", async () => {
    const json = JSON.parse((await cli(["status", "--config", fixture.configPath, "--json"])).stdout);
    expect(json).toMatchObject({
      lastCommittedLedger: hotWatermark,
      lastCommittedExact: true,
      keyCounts: { hot: { transient: 0, ready: 1 } },
      hotChunks: [{ chunkId: 2, state: "ready", lastLedger: hotWatermark, problem: null }],
    });
    expect(json.storageBytes.hot).toBeGreaterThan(0);
    const text = (await cli(["status", "--config", fixture.configPath])).stdout;
    expect(text).toContain(`last committed ledger  ${hotWatermark}\n`);
    expect(text).toContain(`\n  chunk 00000002       ready, ledgers ${firstHotLedgerSeq}..${hotWatermark}\n`);
  });

  test("a transient hot key is invisible: its ledgers and transactions are not found", async () => {
    await withHotState("transient", async () => {
      const ledger = await cli(["get-ledger", String(firstHotLedgerSeq), "--config", fixture.configPath]);
      expect(oneLineFailure(ledger, 1)).toBe(`fullhistory: Ledger ${firstHotLedgerSeq} not found in retained history [2, ${LAST_COMMITTED}]`);
      const tx = hotTxs.find((candidate) => candidate.ledgerSeq <= hotWatermark)!;
      expect(oneLineFailure(await cli(["get-tx", tx.hash, "--config", fixture.configPath]), 1)).toContain("not found");
      const status = JSON.parse((await cli(["status", "--config", fixture.configPath, "--json"])).stdout);
      expect(status.hotChunks).toEqual([{ chunkId: 2, state: "transient", lastLedger: null, problem: null }]);
    });
  });

  test("get-tx, get-ledger, status and audit read the live hot DB while another process holds the store and writes it", async () => {
    const lastLedgerSeq = hotWatermark + WRITER_LEDGERS;
    const writerTx = hotTxs.filter((tx) => tx.ledgerSeq > hotWatermark).at(-1);
    expect(writerTx).toBeDefined();
    const child = Bun.spawn([process.execPath, join(import.meta.dir, "support", "hot_writer_child.ts"), fixture.configPath, "2", String(SEED), String(lastLedgerSeq)], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
    });
    try {
      const reader = child.stdout.getReader();
      const { value } = await reader.read();
      expect(new TextDecoder().decode(value)).toBe(`committed ${lastLedgerSeq}\n`);
      const tx = await cli(["get-tx", writerTx!.hash, "--config", fixture.configPath]);
      expect(tx.stderr).toBe("");
      expect(JSON.parse(tx.stdout)).toMatchObject({ txHash: writerTx!.hash, ledger: writerTx!.ledgerSeq });
      const ledger = await cli(["get-ledger", "--raw", String(lastLedgerSeq), "--config", fixture.configPath]);
      expect(Buffer.from(ledger.stdoutBytes).equals(Buffer.from(chunk2.at(-1)!))).toBe(true);
      expect(JSON.parse((await cli(["status", "--config", fixture.configPath, "--json"])).stdout).lastCommittedLedger).toBe(lastLedgerSeq);
      const audit = await cli(["audit", "--config", fixture.configPath]);
      expect(audit.stdout).toStartWith("audit: clean; 8 keys, 12 files and dirs, 8 keys opened, 0 read through");
      expect(audit.exitCode).toBe(0);
    } finally {
      child.stdin.end();
      await child.exited;
    }
    expect(child.exitCode).toBe(0);
  }, 30_000);
});
