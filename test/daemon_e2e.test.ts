/**
 * `fullhistory run` end to end (reference §11.7 TestE2E_DaemonLifecycle_*, README D10, D11): real
 * daemon child processes of src/cli/main.ts over a sparse synthetic lake that the test grows while
 * the daemon runs (whole objects, temp file + rename). Every wait is for a fact the daemon reports:
 * a log line (`lifecycle: run complete` marks a finished lifecycle run) or a gauge on `/metrics`.
 *
 * "Settled" = ingestion committed the lake's last ledger and a lifecycle run that saw the last closed
 * chunk completed; any later run finds nothing to do until the next boundary, so `audit` may judge.
 */

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { withStoreReads } from "../src/cli/_open_read_only.ts";
import { type ChunkId, type WindowId, chunkLastLedger, pad8 } from "../src/geometry/chunk.ts";
import { ARTIFACT_KINDS } from "../src/geometry/keys.ts";
import { STORAGE_ROOT_NAMES } from "../src/geometry/layout.ts";
import { lockRoots } from "../src/lock/root_locks.ts";
import { findTransaction } from "../src/read/find_transaction.ts";
import { Prng } from "../src/synth/prng.ts";
import { networkIdOf } from "../src/xdr/network_id.ts";
import { type DaemonProcess, LAST_COMMITTED_METRIC, logsWithMessage, settled, startDaemon } from "./support/daemon_process.ts";
import {
  appendLake,
  corruptLakeObject,
  type DaemonStore,
  freePort,
  lakeEndOf,
  type LakeTxHash,
  lakeTxHashes,
  writeDaemonStore,
} from "./support/daemon_store.ts";
import { runCli } from "./support/e2e_cli.ts";
import { catalogDump, E2E_PASSPHRASE } from "./support/e2e_store.ts";

const TEST_TIMEOUT_MS = 240_000;
/** Chunk 0 complete, chunk 1 live: the first start backfills chunk 0 and ingests 10002.. live. */
const FIRST_LAKE_LAST = 19_000;
/** How much the test grows the lake per step while the daemon follows it. */
const GROWTH_STEP_LEDGERS = 1_500;

let lakeDir = "";
let lakeLast = 0;
const dirs: string[] = [];
const running: DaemonProcess[] = [];

beforeAll(async () => {
  lakeDir = mkdtempSync(join(tmpdir(), "fullhistory-daemon-lake-"));
  await growLakeTo(FIRST_LAKE_LAST);
}, TEST_TIMEOUT_MS);
afterAll(() => {
  rmSync(lakeDir, { recursive: true, force: true });
});
afterEach(async () => {
  // A failed test must not leave a daemon running: SIGKILL is as safe as any crash (D14).
  for (const daemon of running.splice(0)) {
    if (!daemon.hasExited()) daemon.kill("SIGKILL");
    await daemon.exited();
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Appends whole objects up to `last` (idempotent: an object already there is rewritten byte for byte). */
async function growLakeTo(last: number): Promise<number> {
  if (lakeEndOf(last) > lakeLast) {
    await appendLake(lakeDir, { first: Math.max(2, lakeLast + 1), last });
    lakeLast = lakeEndOf(last);
  }
  return lakeLast;
}

async function newStore(options: { retentionChunks?: number } = {}): Promise<DaemonStore> {
  const store = await writeDaemonStore({ lakeDir, adminPort: freePort(), ...options });
  dirs.push(store.dataDir);
  return store;
}

function start(store: DaemonStore): DaemonProcess {
  const daemon = startDaemon(store.configPath, { cwd: store.dataDir });
  running.push(daemon);
  return daemon;
}

/** Grows the lake in steps to `last`, each time waiting until the daemon committed the new end. */
async function followGrowth(daemon: DaemonProcess, last: number): Promise<number> {
  // Bounded by the distance to `last` in steps.
  while (lakeLast < lakeEndOf(last)) {
    const end = await growLakeTo(Math.min(last, lakeLast + GROWTH_STEP_LEDGERS));
    await daemon.waitForMetric(LAST_COMMITTED_METRIC, (value) => value >= end);
  }
  return lakeLast;
}

interface CatalogState {
  chunks: { chunkId: number; kind: string; state: string }[];
  coverages: { coverage: { windowId: number; lo: number; hi: number }; state: string }[];
  hot: { chunkId: number; state: string }[];
}

/** The catalog as plain data; read only while the daemon is settled (nothing writes the catalog then). */
function catalogOf(store: DaemonStore): CatalogState {
  return JSON.parse(catalogDump(store.layout));
}

/** Chunks `lo..hi` with every artifact kind frozen, in catalog order. */
function frozenChunks(lo: number, hi: number): CatalogState["chunks"] {
  const chunks: CatalogState["chunks"] = [];
  for (let chunkId = lo; chunkId <= hi; chunkId++) for (const kind of ARTIFACT_KINDS) chunks.push({ chunkId, kind, state: "frozen" });
  return chunks;
}

async function expectAuditClean(store: DaemonStore): Promise<void> {
  const audit = await runCli(["audit", "--config", store.configPath], { cwd: store.dataDir });
  expect({ exitCode: audit.exitCode, stderr: audit.stderr }).toEqual({ exitCode: 0, stderr: "" });
}

/** Every regular file under the four cold roots, relative to the storage dir. */
function coldFiles(store: DaemonStore): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!entry.name.startsWith("fullhistory.lock")) files.push(relative(store.dataDir, path));
    }
  };
  for (const rootName of ["ledgers", "events", "txhashRaw", "txhashIndex"] as const) {
    if (existsSync(store.layout.roots[rootName])) walk(store.layout.roots[rootName]);
  }
  return files.sort();
}

/** The cold files chunks `lo..hi` and the coverage [lo, hi] of window 0 must have, relative to the storage dir. */
function expectedColdFiles(store: DaemonStore, range: { lo: number; hi: number }): string[] {
  const paths: string[] = [];
  for (let chunkId = range.lo; chunkId <= range.hi; chunkId++) {
    for (const kind of ARTIFACT_KINDS) paths.push(...store.layout.artifactPaths(chunkId as ChunkId, kind));
  }
  paths.push(store.layout.indexPath({ windowId: 0 as WindowId, lo: range.lo as ChunkId, hi: range.hi as ChunkId }));
  return paths.map((path) => relative(store.dataDir, path)).sort();
}

/**
 * A reader in this process beside the daemon, polling until `stop()`: each poll opens a fresh
 * read-only snapshot exactly as `get-tx` does and looks up the newest committed hashes and a random
 * sample of older ones. Every hash at or below the snapshot's last committed ledger must resolve.
 */
function startReader(store: DaemonStore, hashes: readonly LakeTxHash[]): { stop(): Promise<{ polls: number; failures: string[] }> } {
  const networkId = networkIdOf(E2E_PASSPHRASE);
  const prng = new Prng(7, 0);
  const failures: string[] = [];
  let polls = 0;
  let stopped = false;
  const poll = (): Promise<void> =>
    withStoreReads(["--config", store.configPath], ({ tiers, retained }) => {
      const committed = hashes.filter((hash) => hash.ledgerSeq <= retained.lastLedgerSeq);
      const sample = [...committed.slice(-50), ...Array.from({ length: 100 }, () => committed[prng.below(committed.length)]!)];
      for (const hash of committed.length === 0 ? [] : sample) {
        const found = findTransaction(tiers, hash.bytes, { floor: retained, networkId });
        if (found?.ledgerSeq !== hash.ledgerSeq || found.matchedInnerHash !== hash.inner) {
          failures.push(`${hash.hex} (ledger ${hash.ledgerSeq}) not found with last committed ${retained.lastLedgerSeq}`);
        }
      }
    });
  const loop = (async () => {
    // Bounded by stop(): the test stops it once the daemon settled.
    while (!stopped) {
      try {
        await poll();
      } catch (err) {
        failures.push(`read failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      polls++;
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { polls, failures };
    },
  };
}

/** Looks up every hash of `hashes` once through the get-tx path; returns the misses. */
async function unresolved(store: DaemonStore, hashes: readonly LakeTxHash[]): Promise<string[]> {
  const networkId = networkIdOf(E2E_PASSPHRASE);
  return withStoreReads(["--config", store.configPath], ({ tiers, retained }) =>
    hashes
      .filter((hash) => findTransaction(tiers, hash.bytes, { floor: retained, networkId })?.ledgerSeq !== hash.ledgerSeq)
      .map((hash) => `${hash.hex} (ledger ${hash.ledgerSeq})`),
  );
}

describe("a daemon following a growing lake", () => {
  test(
    "freezes each closed chunk, advances the index, discards the hot DB, keeps every hash resolvable; SIGTERM exits 0 and a restart resumes with no gap",
    async () => {
      const store = await newStore();
      const daemon = start(store);
      // First start: catch-up freezes chunk 0, ingestion follows chunk 1 live.
      await settled(daemon, { lastLedgerSeq: lakeLast, closedChunk: 0 });
      expect(catalogOf(store)).toMatchObject({
        chunks: frozenChunks(0, 0),
        coverages: [{ coverage: { windowId: 0, lo: 0, hi: 0 }, state: "frozen" }],
        hot: [{ chunkId: 1, state: "ready" }],
      });
      await expectAuditClean(store);

      // A second daemon on the same roots fails fast (D4).
      const secondArgv = ["--config", store.configPath, "--logging.level=error", "--service.admin_endpoint="];
      const second = await runCli(secondArgv, { cwd: store.dataDir });
      expect(second.exitCode).toBe(1);
      expect(second.stderr).toStartWith("fullhistory: Cannot lock storage root");

      const reader = startReader(store, lakeTxHashes({ first: 2, last: 30_599 }));
      for (const closedChunk of [1, 2]) {
        const lastLedgerSeq = await followGrowth(daemon, chunkLastLedger(closedChunk as ChunkId) + 500);
        await settled(daemon, { lastLedgerSeq, closedChunk });
        expect(catalogOf(store)).toMatchObject({
          chunks: frozenChunks(0, closedChunk),
          coverages: [{ coverage: { windowId: 0, lo: 0, hi: closedChunk }, state: "frozen" }],
          hot: [{ chunkId: closedChunk + 1, state: "ready" }],
        });
        expect(existsSync(store.layout.hotDbDir(closedChunk as ChunkId))).toBe(false);
        expect(coldFiles(store)).toEqual(expectedColdFiles(store, { lo: 0, hi: closedChunk }));
        await expectAuditClean(store);
      }
      const read = await reader.stop();
      expect(read.failures).toEqual([]);
      expect(read.polls).toBeGreaterThan(1);
      expect(await unresolved(store, lakeTxHashes({ first: 2, last: lakeLast }))).toEqual([]);
      expect(logsWithMessage(daemon.logs(), "ingestion chunk boundary, handed off to lifecycle")).toEqual([
        expect.objectContaining({ closed_chunk: "00000001", next_chunk: "00000002", last_ledger: 20_001 }),
        expect.objectContaining({ closed_chunk: "00000002", next_chunk: "00000003", last_ledger: 30_001 }),
      ]);

      // SIGTERM: a clean stop, exit 0, every root unlocked.
      daemon.kill("SIGTERM");
      const stopped = await daemon.exited();
      expect({ exitCode: stopped.exitCode, signalCode: stopped.signalCode }).toEqual({ exitCode: 0, signalCode: null });
      expect(logsWithMessage(stopped.logs, "daemon stopped: storage closed and roots unlocked")).toHaveLength(1);
      lockRoots(STORAGE_ROOT_NAMES.map((name) => store.layout.roots[name])).release();

      // Restart: the derived watermark is the last ledger committed before the stop; nothing is skipped.
      const stoppedAt = lakeLast;
      const restarted = start(store);
      const derived = await restarted.waitForLog("the startup watermark", (line) => line["msg"] === "startup: watermark derived, beginning catch-up");
      expect(derived["last_committed"]).toBe(stoppedAt);
      const resumed = await restarted.waitForLog("ingestion resuming", (line) => line["msg"] === "ingestion resuming");
      expect(resumed).toMatchObject({ chunk: "00000003", resume_ledger: stoppedAt + 1 });
      const end = await growLakeTo(stoppedAt + 100);
      await restarted.waitForMetric(LAST_COMMITTED_METRIC, (value) => value >= end);
      expect(await unresolved(store, lakeTxHashes({ first: stoppedAt - 50, last: end }))).toEqual([]);
      restarted.kill("SIGTERM");
      expect((await restarted.exited()).exitCode).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "retention_chunks = 2 keeps exactly the two newest complete chunks on disk as the lake grows",
    async () => {
      await growLakeTo(30_600);
      const store = await newStore({ retentionChunks: 2 });
      const daemon = start(store);
      // Catch-up: the floor at the target (chunk 2) is chunk 1, so only chunks 1 and 2 are built.
      await settled(daemon, { lastLedgerSeq: lakeLast, closedChunk: 2 });
      expect(catalogOf(store)).toMatchObject({ chunks: frozenChunks(1, 2), hot: [{ chunkId: 3, state: "ready" }] });
      expect(coldFiles(store)).toEqual(expectedColdFiles(store, { lo: 1, hi: 2 }));

      // Crossing 40001 closes chunk 3: the floor rises to chunk 2 and chunk 1 is pruned.
      const lastLedgerSeq = await followGrowth(daemon, chunkLastLedger(3 as ChunkId) + 200);
      await settled(daemon, { lastLedgerSeq, closedChunk: 3 });
      expect(catalogOf(store)).toMatchObject({
        chunks: frozenChunks(2, 3),
        coverages: [{ coverage: { windowId: 0, lo: 2, hi: 3 }, state: "frozen" }],
        hot: [{ chunkId: 4, state: "ready" }],
      });
      expect(coldFiles(store)).toEqual(expectedColdFiles(store, { lo: 2, hi: 3 }));
      expect(existsSync(store.layout.hotDbDir(3 as ChunkId))).toBe(false);
      await expectAuditClean(store);
      daemon.kill("SIGTERM");
      expect((await daemon.exited()).exitCode).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );
});

describe("the supervisor in a real process", () => {
  test(
    "a corrupt lake object fails the run, which restarts with backoff and resumes once the object is replaced; a lost hot DB then stops it with exit 1",
    async () => {
      const store = await newStore({ retentionChunks: 1 });
      const daemon = start(store);
      const lastLedgerSeq = lakeLast;
      await daemon.waitForMetric(LAST_COMMITTED_METRIC, (value) => value >= lastLedgerSeq);
      corruptLakeObject(lakeDir, lastLedgerSeq + 1);
      const failed = await daemon.waitForLog("a restart", (line) => String(line["msg"]).startsWith("daemon run failed; restarting in "));
      expect(failed).toMatchObject({ level: "warn", msg: "daemon run failed; restarting in 1s", consecutive_failures: 1 });
      expect(String(failed["error"])).toContain(String(lastLedgerSeq + 1));
      // The run keeps failing on the same object, each wait longer, until the object is fixed.
      await daemon.waitForLog("a second restart", (line) => line["msg"] === "daemon run failed; restarting in 2s");
      await growLakeTo(lastLedgerSeq + 1); // rewrites the object over the corrupt one
      await daemon.waitForMetric(LAST_COMMITTED_METRIC, (value) => value >= lastLedgerSeq + 100);
      expect(await daemon.metric("fullhistory_daemon_restarts_total")).toBeGreaterThanOrEqual(2);
      daemon.kill("SIGTERM");
      expect((await daemon.exited()).exitCode).toBe(0);

      // The live chunk's hot DB vanishes while stopped: restarting cannot fix that (D11), exit 1.
      const liveChunk = catalogOf(store).hot.find((entry) => entry.state === "ready")!.chunkId as ChunkId;
      rmSync(store.layout.hotDbDir(liveChunk), { recursive: true, force: true });
      const lost = start(store);
      const exit = await lost.exited();
      expect(exit.exitCode).toBe(1);
      expect(exit.stderr.trimEnd().split("\n").at(-1)).toStartWith(`fullhistory: Hot storage lost: chunk ${pad8(liveChunk)} is "ready"`);
      expect(logsWithMessage(exit.logs, "daemon stopped: restarting cannot fix this")).toHaveLength(1);
      expect(logsWithMessage(exit.logs, "daemon run failed; restarting in 1s")).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
