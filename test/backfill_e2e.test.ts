/**
 * `fullhistory backfill` end to end: real child processes of src/cli/main.ts over a synthesized
 * lake (sparse profile, 100 ledgers per object) of three complete chunks plus a partial tip chunk,
 * real RocksDB catalogs and files in temp dirs. Every wait is for a line the child prints or for
 * its exit; signals are sent while the child is stopped (SIGSTOP) so they land at a known step.
 */

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeCatalog, openCatalog } from "../src/catalog/catalog.ts";
import { COMMANDS } from "../src/cli/commands.ts";
import { type ChunkId, type LedgerSeq, type WindowId, chunkOfLedger } from "../src/geometry/chunk.ts";
import { ARTIFACT_KINDS } from "../src/geometry/keys.ts";
import { openColdTier } from "../src/read/cold_tier.ts";
import { findTransaction } from "../src/read/find_transaction.ts";
import { retainedRange } from "../src/read/retained_range.ts";
import { LedgerSynth } from "../src/synth/ledger_synth.ts";
import { networkIdOf } from "../src/xdr/network_id.ts";
import { type CliRun, jsonLogLines, runCli, startCli } from "./support/e2e_cli.ts";
import {
  catalogDump,
  createE2eStore,
  E2E_PASSPHRASE,
  type E2eStore,
  storeSnapshot,
  SYNTH_SEED_DEFAULT,
  writeE2eLake,
} from "./support/e2e_store.ts";

/** Chunks 0..2 complete, chunk 3 partial: the lake ends at 35099 (whole objects of 100 ledgers). */
const LAKE_LAST_LEDGER = 35_000;
const COMPLETE_CHUNKS = [0, 1, 2];
const LAST_COMPLETE_LEDGER = 30_001;
const TEST_TIMEOUT_MS = 120_000;

let lakeDir = "";
const stores: E2eStore[] = [];
const extraDirs: string[] = [];

beforeAll(async () => {
  lakeDir = await writeE2eLake({ lastLedgerSeq: LAKE_LAST_LEDGER, profile: "sparse" });
});
afterAll(() => {
  rmSync(lakeDir, { recursive: true, force: true });
});
afterEach(() => {
  for (const store of stores.splice(0)) rmSync(store.dataDir, { recursive: true, force: true });
  for (const dir of extraDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A lake directory holding only `lake`'s manifest: reachable, but no ledger yet. */
function emptyLakeLike(lake: string): string {
  const emptyLake = mkdtempSync(join(tmpdir(), "fullhistory-e2e-empty-lake-"));
  copyFileSync(join(lake, ".config.json"), join(emptyLake, ".config.json"));
  extraDirs.push(emptyLake);
  return emptyLake;
}

/** Whether `audit` is in this build's command table (the read-path issue adds it). */
const HAS_AUDIT = COMMANDS.some((command) => command.name === "audit");

async function newStore(lake = lakeDir): Promise<E2eStore> {
  const store = await createE2eStore(lake);
  stores.push(store);
  return store;
}

function backfill(store: E2eStore, ...flags: string[]): Promise<CliRun> {
  return runCli(["backfill", "--config", store.configPath, ...flags], { cwd: store.dataDir });
}

/** The catalog as plain data. */
function catalogOf(store: E2eStore): {
  earliest: number | undefined;
  chunks: { chunkId: number; kind: string; state: string }[];
  coverages: { coverage: { windowId: number; lo: number; hi: number }; state: string }[];
  hot: unknown[];
} {
  return JSON.parse(catalogDump(store.layout));
}

/** Asserts the finished state of a full-retention backfill of the test lake. */
function expectFullyBackfilled(store: E2eStore): void {
  const catalog = catalogOf(store);
  expect(catalog.earliest).toBe(2);
  expect(catalog.chunks).toEqual(
    COMPLETE_CHUNKS.flatMap((chunkId) => ARTIFACT_KINDS.map((kind) => ({ chunkId, kind, state: "frozen" }))),
  );
  expect(catalog.coverages).toEqual([{ coverage: { windowId: 0, lo: 0, hi: 2 }, state: "frozen" }]);
  expect(catalog.hot).toEqual([]);
  for (const chunkId of COMPLETE_CHUNKS) {
    for (const kind of ARTIFACT_KINDS) {
      for (const path of store.layout.artifactPaths(chunkId as ChunkId, kind)) expect(existsSync(path)).toBe(true);
    }
  }
  expect(existsSync(store.layout.indexPath({ windowId: 0 as WindowId, lo: 0 as ChunkId, hi: 2 as ChunkId }))).toBe(true);
}

function logged(run: CliRun, msg: string): Record<string, unknown>[] {
  return jsonLogLines(run.stderr).filter((line) => line["msg"] === msg);
}

// One full backfill of the test lake, shared by the tests that only read it (or claim to write nothing).
describe("a backfilled store", () => {
  let backfilled: { store: E2eStore; run: CliRun };
  beforeAll(async () => {
    const store = await createE2eStore(lakeDir);
    backfilled = { store, run: await backfill(store) };
  }, TEST_TIMEOUT_MS);
  afterAll(() => {
    rmSync(backfilled.store.dataDir, { recursive: true, force: true });
  });

  test(
    "builds every artifact of the complete chunks, pins genesis and exits 0",
    async () => {
      const { store, run } = backfilled;
      expect(run.stderr).not.toContain("internal error");
      expect(run.exitCode).toBe(0);
      expectFullyBackfilled(store);
      expect(logged(run, "catch-up pass starting")).toEqual([
        expect.objectContaining({ pass: 1, range_lo: "00000000", range_hi: "00000002", last_committed: 1 }),
      ]);
      expect(logged(run, "backfill complete")).toEqual([expect.objectContaining({ last_committed: LAST_COMPLETE_LEDGER, earliest: 2 })]);
      // The partial tip chunk is never built: only whole chunks are backfilled.
      expect(existsSync(store.layout.ledgerPackPath(3 as ChunkId))).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a restart plans nothing and writes nothing: catalog keys and files byte-identical",
    async () => {
      const { store } = backfilled;
      const before = storeSnapshot(store.layout);
      const rerun = await backfill(store, "--logging.level=debug");
      expect(rerun.exitCode).toBe(0);
      expect(logged(rerun, "backfill: plan resolved")).toEqual([expect.objectContaining({ chunk_builds: 0, index_builds: 0 })]);
      expect(storeSnapshot(store.layout)).toEqual(before);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "shortening retention_chunks starts, keeps the watermark and writes nothing (pruning is the lifecycle's)",
    async () => {
      const { store } = backfilled;
      const before = storeSnapshot(store.layout);
      const shortened = await backfill(store, "--retention.retention_chunks=1");
      expect(shortened.exitCode).toBe(0);
      expect(logged(shortened, "catch-up pass starting")).toEqual([expect.objectContaining({ range_lo: "00000002", range_hi: "00000002" })]);
      expect(logged(shortened, "backfill complete")).toEqual([expect.objectContaining({ last_committed: LAST_COMPLETE_LEDGER })]);
      // Chunks 0 and 1 are now below the floor; deleting them is the lifecycle prune (next issue).
      expect(storeSnapshot(store.layout)).toEqual(before);
    },
    TEST_TIMEOUT_MS,
  );

  test.skipIf(!HAS_AUDIT)(
    "audit --deep finds a backfilled store clean",
    async () => {
      const { store } = backfilled;
      const audit = await runCli(["audit", "--config", store.configPath, "--deep", "1"], { cwd: store.dataDir });
      expect(audit.stderr).toBe("");
      expect(audit.exitCode).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "every outer and inner tx hash of the backfilled chunks resolves to its ledger; get-tx answers a sample",
    async () => {
      const { store } = backfilled;
      const lakeHashes = lakeTxHashes(LAKE_LAST_LEDGER);
      const hashes = lakeHashes.filter((hash) => hash.ledgerSeq <= LAST_COMPLETE_LEDGER);
      expect(hashes.length).toBeGreaterThan(1000);
      expect(hashes.some((hash) => hash.inner)).toBe(true);
      // Every hash through the function get-tx runs (one process per hash would take minutes).
      const catalog = openCatalog(store.layout, { readOnly: true });
      const coldTier = openColdTier(catalog);
      const misses: string[] = [];
      try {
        const floor = retainedRange(catalog, { retentionChunks: 0 });
        const networkId = networkIdOf(E2E_PASSPHRASE);
        for (const hash of hashes) {
          const found = findTransaction([coldTier], hash.bytes, { floor, networkId });
          if (found?.ledgerSeq !== hash.ledgerSeq || found.matchedInnerHash !== hash.inner) misses.push(hash.hex);
        }
      } finally {
        coldTier.close();
        closeCatalog(catalog);
      }
      expect(misses).toEqual([]);
      // And the command itself: the first outer and the first inner hash of each chunk.
      for (const chunkId of COMPLETE_CHUNKS) {
        for (const inner of [false, true]) {
          const hash = hashes.find((candidate) => candidate.inner === inner && chunkOfLedger(candidate.ledgerSeq) === chunkId)!;
          const run = await runCli(["get-tx", hash.hex, "--config", store.configPath], { cwd: store.dataDir });
          expect(run.exitCode).toBe(0);
          expect(JSON.parse(run.stdout)).toMatchObject({ ledger: hash.ledgerSeq, matchedInnerHash: inner });
        }
      }
      // A transaction of the partial tip chunk was never backfilled.
      const tipHash = lakeHashes.find((hash) => hash.ledgerSeq > LAST_COMPLETE_LEDGER)!;
      const notFound = await runCli(["get-tx", tipHash.hex, "--config", store.configPath], { cwd: store.dataDir });
      expect(notFound.exitCode).toBe(1);
      expect(notFound.stderr).toContain("not found");
    },
    TEST_TIMEOUT_MS,
  );
});

describe("fullhistory backfill", () => {


  test(
    "widening retention_chunks fills downward on the next start",
    async () => {
      const store = await newStore();
      expect((await backfill(store, "--retention.retention_chunks=1")).exitCode).toBe(0);
      const narrow = catalogOf(store);
      expect(narrow.chunks.map((entry) => entry.chunkId)).toEqual([2, 2, 2]);
      expect(narrow.coverages).toEqual([{ coverage: { windowId: 0, lo: 2, hi: 2 }, state: "frozen" }]);
      const widened = await backfill(store);
      expect(widened.exitCode).toBe(0);
      expectFullyBackfilled(store); // the old [2,2] coverage was swept: key and file gone
      expect(existsSync(store.layout.indexPath({ windowId: 0 as WindowId, lo: 2 as ChunkId, hi: 2 as ChunkId }))).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );


  test(
    "storage root overrides are honoured: packs land under the override, none under the data dir",
    async () => {
      const store = await newStore();
      const ledgersRoot = join(store.dataDir, "elsewhere", "ledgers");
      const run = await backfill(store, `--storage.ledgers=${ledgersRoot}`);
      expect(run.exitCode).toBe(0);
      for (const chunkId of COMPLETE_CHUNKS) {
        expect(existsSync(join(ledgersRoot, "00000", `0000000${chunkId}.pack`))).toBe(true);
        expect(existsSync(store.layout.ledgerPackPath(chunkId as ChunkId))).toBe(false);
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a second backfill on the same roots while one runs fails fast naming the root",
    async () => {
      const store = await newStore();
      const first = startCli(["backfill", "--config", store.configPath], { cwd: store.dataDir });
      await first.waitForLine(/storage roots locked/);
      first.kill("SIGSTOP"); // holds every lock until continued
      try {
        const second = await backfill(store);
        expect(second.exitCode).toBe(1);
        expect(second.stderr).toContain(`Cannot lock storage root "${store.layout.roots.catalog}"`);
        expect(second.stderr.trimEnd().split("\n")).toHaveLength(1);
      } finally {
        first.kill("SIGCONT");
      }
      expect((await first.finished()).exitCode).toBe(0);
      expectFullyBackfilled(store);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "SIGTERM mid-pass exits 143 with the roots unlocked, and a restart converges",
    async () => {
      const store = await newStore();
      const first = startCli(["backfill", "--config", store.configPath], { cwd: store.dataDir });
      await first.waitForLine(/catch-up pass starting/);
      first.kill("SIGSTOP");
      first.kill("SIGTERM"); // pending until continued: lands while the pass runs
      first.kill("SIGCONT");
      const interrupted = await first.finished();
      expect(interrupted.exitCode).toBe(143);
      expect(logged(interrupted, "backfill interrupted; storage closed and roots unlocked; run it again to continue")).toHaveLength(1);
      const restarted = await backfill(store);
      expect(restarted.exitCode).toBe(0);
      expectFullyBackfilled(store);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "SIGKILL after the first chunk is built, then a restart converges",
    async () => {
      const store = await newStore();
      const first = startCli(["backfill", "--config", store.configPath, "--logging.level=debug"], { cwd: store.dataDir });
      await first.waitForLine(/"msg":"chunk built"/);
      first.kill("SIGKILL");
      expect((await first.finished()).signalCode).toBe("SIGKILL");
      const restarted = await backfill(store);
      expect(restarted.exitCode).toBe(0);
      expectFullyBackfilled(store);
    },
    TEST_TIMEOUT_MS,
  );
});

describe("fullhistory backfill on a young or missing lake", () => {
  test(
    "a tip inside chunk 0 is nothing to do: exit 0, genesis pinned, no artifact",
    async () => {
      const youngLake = await writeE2eLake({ lastLedgerSeq: 5000, profile: "sparse" });
      extraDirs.push(youngLake);
      const store = await newStore(youngLake);
      const run = await backfill(store);
      expect(run.exitCode).toBe(0);
      expect(logged(run, "catch-up complete")).toEqual([expect.objectContaining({ passes: 0, reason: "no complete chunk below the tip yet" })]);
      expect(catalogOf(store)).toEqual({ earliest: 2, chunks: [], coverages: [], hot: [] });
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a lake with no ledgers yet: earliest_ledger = now is refused with nothing pinned",
    async () => {
      const emptyLake = emptyLakeLike(lakeDir);
      const store = await newStore(emptyLake);
      const run = await backfill(store, "--retention.earliest_ledger=now");
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain('Cannot pin earliest_ledger = "now" on first start');
      expect(catalogOf(store).earliest).toBeUndefined();
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a lake with no ledgers yet: genesis is pinned, then the catch-up pass without a tip fails the run (D10)",
    async () => {
      const emptyLake = emptyLakeLike(lakeDir);
      const store = await newStore(emptyLake);
      const run = await backfill(store);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain("Cannot run catch-up pass 1: no reachable network tip");
      expect(catalogOf(store)).toEqual({ earliest: 2, chunks: [], coverages: [], hot: [] });
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a lake that cannot be reached fails the run with exit 1 and one line naming it",
    async () => {
      const store = await newStore(`${lakeDir}-missing`);
      const run = await backfill(store);
      expect(run.exitCode).toBe(1);
      const errorLines = run.stderr.split("\n").filter((line) => line.startsWith("fullhistory: "));
      expect(errorLines).toHaveLength(1);
      expect(errorLines[0]).toContain(`${lakeDir}-missing`);
    },
    TEST_TIMEOUT_MS,
  );
});

interface LakeTxHash {
  readonly hex: string;
  readonly bytes: Uint8Array;
  readonly ledgerSeq: LedgerSeq;
  readonly inner: boolean;
}

/** Every outer and fee-bump inner hash in ledgers [2, throughLedgerSeq] of the test lake, regenerated. */
function lakeTxHashes(throughLedgerSeq: number): LakeTxHash[] {
  const synth = new LedgerSynth({ seed: SYNTH_SEED_DEFAULT, profile: "sparse", networkPassphrase: E2E_PASSPHRASE });
  const hashes: LakeTxHash[] = [];
  for (let seq = 2; seq <= throughLedgerSeq; seq++) {
    const ledgerSeq = seq as LedgerSeq;
    const { summary } = synth.generate(ledgerSeq);
    for (const bytes of summary.txHashes) hashes.push({ hex: Buffer.from(bytes).toString("hex"), bytes: bytes.slice(), ledgerSeq, inner: false });
    for (const bytes of summary.innerHashes) hashes.push({ hex: Buffer.from(bytes).toString("hex"), bytes: bytes.slice(), ledgerSeq, inner: true });
  }
  return hashes;
}
