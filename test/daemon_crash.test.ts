/**
 * kill -9 of the real daemon (README D14, style R17; reference §11.7): at EVERY point of
 * `CRASH_POINTS` — the ingestion loop, the hot bracket, the lifecycle's stages and the write
 * protocols it drives (freeze, index roll, sweeps, hot discard, prune), the backfill Worker's steps
 * and the daemon's own — and at seeded random instants, the daemon dies by SIGKILL while it crosses
 * a chunk boundary. A plain restart must then
 *   - derive a last committed ledger at least as high as any the killed daemon acknowledged (the
 *     highest `fullhistory_last_committed_ledger` read from its /metrics before it died: that gauge
 *     moves only after a synced commit),
 *   - settle at the lake's end with exactly the catalog of a run that never crashed,
 *   - stop cleanly on SIGTERM and leave a store `audit` finds clean.
 * A point the scenario never reaches fails its case (the armed daemon settles and is stopped with
 * SIGTERM instead of dying by SIGKILL).
 *
 * Speed: one template store per file, built once: the daemon backfills chunk 0 and ingests chunk 1
 * live up to ledger 19999, two ledgers before the boundary, then stops. Each case copies it, so the
 * armed daemon reaches the boundary within seconds. The case lake ends at 20299 and
 * `retention_chunks = 1`, so crossing the boundary freezes chunk 1 from its hot DB, rolls the index
 * to [1, 1] (sweeping [0, 0]), discards chunk 1's hot DB and prunes chunk 0.
 */

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CRASH_POINTS, type CrashPoint } from "../src/crash_point.ts";
import { Prng } from "../src/synth/prng.ts";
import { type DaemonProcess, LAST_COMMITTED_METRIC, settled, startDaemon } from "./support/daemon_process.ts";
import { appendLake, copyDaemonStore, type DaemonStore, freePort, writeDaemonStore } from "./support/daemon_store.ts";
import { runCli } from "./support/e2e_cli.ts";
import { catalogDump } from "./support/e2e_store.ts";

const TEST_TIMEOUT_MS = 120_000;
const TEMPLATE_TIMEOUT_MS = 300_000;
/** The template's live hot DB ends here, two ledgers before chunk 1's last ledger (20001). */
const TEMPLATE_LAKE_LAST = 19_999;
/** The lake every case follows: past the boundary by three objects. */
const CASE_LAKE_LAST = 20_299;
const CLOSED_CHUNK = 1;
const RETENTION_CHUNKS = 1;
/** Between reads of /metrics while tracking what the daemon acknowledged (sampling, not waiting). */
const ACK_POLL_MS = 10;
/** Random kills: how many, and the window after catch-up (the boundary's work happens in it). */
const RANDOM_KILL_COUNT = 4;
const RANDOM_KILL_WINDOW_MS = 2_500;

/**
 * The hit to kill at, where the first is not the boundary's: the lifecycle's first run is the seed
 * at startup (nothing to do), so its stage points are armed for the second run; `ingest.committed`
 * for the second commit, chunk 1's last ledger, just before the handoff.
 */
const NTH_OF: Partial<Record<CrashPoint, number>> = {
  "ingest.committed": 2,
  "lifecycle.frozen": 2,
  "lifecycle.discarded": 2,
  "lifecycle.pruned": 2,
};

let lakeDir = "";
let template: DaemonStore;
/** The catalog a daemon that never crashed settles at. */
let cleanCatalog = "";
const dirs: string[] = [];
const running: DaemonProcess[] = [];

beforeAll(async () => {
  lakeDir = mkdtempSync(join(tmpdir(), "fullhistory-crash-lake-"));
  await appendLake(lakeDir, { first: 2, last: TEMPLATE_LAKE_LAST });
  template = await writeDaemonStore({ lakeDir, adminPort: freePort(), retentionChunks: RETENTION_CHUNKS });
  const daemon = startDaemon(template.configPath, { cwd: template.dataDir });
  running.push(daemon);
  await settled(daemon, { lastLedgerSeq: TEMPLATE_LAKE_LAST, closedChunk: 0 });
  daemon.kill("SIGTERM");
  const stopped = await daemon.exited();
  if (stopped.exitCode !== 0) throw new Error(`template daemon exited ${stopped.exitCode}:\n${stopped.stderr.slice(-4000)}`);
  await appendLake(lakeDir, { first: TEMPLATE_LAKE_LAST + 1, last: CASE_LAKE_LAST });
  const clean = await caseStore();
  const cleanDaemon = start(clean, {});
  await settled(cleanDaemon, { lastLedgerSeq: CASE_LAKE_LAST, closedChunk: CLOSED_CHUNK });
  cleanDaemon.kill("SIGTERM");
  await cleanDaemon.exited();
  cleanCatalog = catalogDump(clean.layout);
}, TEMPLATE_TIMEOUT_MS);
afterAll(() => {
  rmSync(lakeDir, { recursive: true, force: true });
  if (template !== undefined) rmSync(template.dataDir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const daemon of running.splice(0)) {
    if (!daemon.hasExited()) daemon.kill("SIGKILL");
    await daemon.exited();
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function caseStore(): Promise<DaemonStore> {
  const store = await copyDaemonStore(template, { lakeDir, adminPort: freePort(), retentionChunks: RETENTION_CHUNKS });
  dirs.push(store.dataDir);
  return store;
}

function start(store: DaemonStore, options: { crashAt?: string }): DaemonProcess {
  const daemon = startDaemon(store.configPath, { cwd: store.dataDir, ...options });
  running.push(daemon);
  return daemon;
}

/** The highest last committed ledger read from the daemon's /metrics until it exits. */
async function acknowledgedLedger(daemon: DaemonProcess): Promise<number> {
  let acknowledged = 0;
  // Bounded by the child's life.
  while (!daemon.hasExited()) {
    acknowledged = Math.max(acknowledged, (await daemon.metric(LAST_COMMITTED_METRIC)) ?? 0);
    await Bun.sleep(ACK_POLL_MS);
  }
  return acknowledged;
}

/** Restarts the killed store's daemon and checks the claims of the module comment. */
async function expectConvergence(store: DaemonStore, acknowledged: number): Promise<void> {
  const restarted = start(store, {});
  const derived = await restarted.waitForLog("the startup watermark", (line) => line["msg"] === "startup: watermark derived, beginning catch-up");
  expect(derived["last_committed"] as number).toBeGreaterThanOrEqual(acknowledged);
  await settled(restarted, { lastLedgerSeq: CASE_LAKE_LAST, closedChunk: CLOSED_CHUNK });
  restarted.kill("SIGTERM");
  expect((await restarted.exited()).exitCode).toBe(0);
  expect(JSON.parse(catalogDump(store.layout))).toEqual(JSON.parse(cleanCatalog));
  const audit = await runCli(["audit", "--config", store.configPath], { cwd: store.dataDir });
  expect({ exitCode: audit.exitCode, stderr: audit.stderr }).toEqual({ exitCode: 0, stderr: "" });
}

describe("kill -9 of the daemon crossing a chunk boundary", () => {
  test("the clean run froze chunk 1, rolled the index to [1, 1], discarded its hot DB and pruned chunk 0", () => {
    const catalog = JSON.parse(cleanCatalog);
    expect(catalog.chunks.map((entry: { chunkId: number }) => entry.chunkId)).toEqual([1, 1, 1]);
    expect(catalog.coverages).toEqual([{ coverage: { windowId: 0, lo: 1, hi: 1 }, state: "frozen" }]);
    expect(catalog.hot).toEqual([{ chunkId: 2, state: "ready" }]);
  });

  test.each([...CRASH_POINTS])(
    "SIGKILL at %s: no acknowledged ledger is lost and a restart converges to the clean run with a clean audit",
    async (point) => {
      const store = await caseStore();
      const crashAt = `${point}:${NTH_OF[point] ?? 1}`;
      const armed = start(store, { crashAt });
      const acknowledged = acknowledgedLedger(armed);
      // Not reached = the armed daemon settles; it is then stopped by SIGTERM and the case fails.
      const neverReached = settled(armed, { lastLedgerSeq: CASE_LAKE_LAST, closedChunk: CLOSED_CHUNK }).then(
        () => armed.kill("SIGTERM"),
        () => undefined, // it died first: the expected path
      );
      const killed = await armed.exited();
      await neverReached;
      expect({ crashAt, signalCode: killed.signalCode }).toEqual({ crashAt, signalCode: "SIGKILL" });
      await expectConvergence(store, await acknowledged);
    },
    TEST_TIMEOUT_MS,
  );

  const prng = new Prng(20_261_124, 0);
  const randomDelaysMs = Array.from({ length: RANDOM_KILL_COUNT }, () => prng.below(RANDOM_KILL_WINDOW_MS));
  test.each(randomDelaysMs)(
    "SIGKILL %d ms after catch-up: no acknowledged ledger is lost and a restart converges to the clean run with a clean audit",
    async (delayMs) => {
      const store = await caseStore();
      const daemon = start(store, {});
      const acknowledged = acknowledgedLedger(daemon);
      await daemon.waitForLog("the end of catch-up", (line) => line["msg"] === "daemon run: caught up; ingesting live from the resume chunk");
      // The instant is the test's random choice, not a wait for some state: any instant must be safe.
      await Bun.sleep(delayMs);
      daemon.kill("SIGKILL");
      expect((await daemon.exited()).signalCode).toBe("SIGKILL");
      await expectConvergence(store, await acknowledged);
    },
    TEST_TIMEOUT_MS,
  );
});
