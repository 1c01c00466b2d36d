/**
 * Lifecycle crash convergence (D11, D14, style R17; reference §7.7, §7.10): a real child process
 * (test/support/lifecycle_crash_driver.ts: one lifecycle run that freezes a chunk from its hot DB,
 * discards two hot DBs and prunes debris and below-floor files; the store is described in
 * test/support/lifecycle_crash_scenario.ts) is started with FULLHISTORY_CRASH_AT and must die of
 * SIGKILL there, at every point between the run's stages and at every step of the discard and
 * prune ops it runs (plus the freeze's flip and commit: the protocol points inside the freeze are
 * driven one by one by test/backfill_crash.test.ts). What survived is judged by audit on durable
 * state — no frozen key over a missing or broken file, no file without a key, at most one frozen
 * coverage per window — then a plain rerun (the next run, as after a supervisor restart) must reach
 * exactly the clean run's state: the same catalog, the same artifact tree byte for byte, and a
 * clean audit.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAudit } from "../src/audit/run_audit.ts";
import { type Violation } from "../src/audit/violation.ts";
import { type Catalog, closeCatalog, openCatalog } from "../src/catalog/catalog.ts";
import { CRASH_POINTS, LIFECYCLE_CRASH_POINTS } from "../src/crash_point.ts";
import { type DriverRun, type DurableState, runWithCrashPoint } from "./support/crash_run.ts";
import { artifactTreeHashes, catalogSnapshot, writeBackfillLake } from "./support/backfill_fixture.ts";
import { fixtureLayout } from "./support/catalog_fixture.ts";
import {
  buildLifecycleCrashStore,
  LIFECYCLE_CRASH_CHUNKS_PER_WINDOW,
  LIFECYCLE_CRASH_LAKE_CHUNKS,
  LIFECYCLE_CRASH_RETENTION_CHUNKS,
} from "./support/lifecycle_crash_scenario.ts";

const DRIVER = join(import.meta.dir, "support", "lifecycle_crash_driver.ts");
const DRIVER_TIMEOUT_MS = 60_000;
const CASE_TIMEOUT_MS = 120_000;

/**
 * The run's own points, every step of the hot discard and of both sweeps (the first discard is hot
 * 0's, `:2` reaches hot 2's; no sweep runs in the freeze stage here, so `:1` is the prune's), and
 * the freeze's flip and commit.
 */
const CRASH_CASES = [
  ...LIFECYCLE_CRASH_POINTS,
  ...CRASH_POINTS.filter((point) => /^(hot\.discard|sweep)\./.test(point)),
  "hot.discard.deleted:2",
  "chunk.flipped",
  "index.committed",
];

let tempDir: string;
let lakeDir: string;
let storeDir: string;
let clean: DurableState;
let caseCount = 0;

function runDriver(dataDir: string, crashAt?: string): Promise<DriverRun> {
  return runWithCrashPoint([process.execPath, DRIVER, dataDir, lakeDir], { crashAt, timeoutMs: DRIVER_TIMEOUT_MS });
}

async function withCatalog<T>(dataDir: string, read: (catalog: Catalog) => T | Promise<T>): Promise<T> {
  const catalog = openCatalog(fixtureLayout(dataDir, { chunksPerWindow: LIFECYCLE_CRASH_CHUNKS_PER_WINDOW }), { readOnly: true });
  try {
    return await read(catalog);
  } finally {
    closeCatalog(catalog);
  }
}

async function durableState(dataDir: string): Promise<DurableState> {
  return {
    keys: await withCatalog(dataDir, catalogSnapshot),
    tree: artifactTreeHashes(fixtureLayout(dataDir, { chunksPerWindow: LIFECYCLE_CRASH_CHUNKS_PER_WINDOW })),
  };
}

async function auditViolations(dataDir: string): Promise<readonly Violation[]> {
  return (await withCatalog(dataDir, (catalog) => runAudit(catalog, { retentionChunks: LIFECYCLE_CRASH_RETENTION_CHUNKS }))).violations;
}

/**
 * What no crash may leave: INV-3 (disk ↔ catalog both ways), a frozen file that fails its checks
 * (INV-1 on chunk and index keys), two frozen coverages in a window. A crash may leave unfinished
 * work (pruning keys, a transient hot key, a hot DB below the floor): the next run finishes it.
 */
function crashStateViolations(violations: readonly Violation[]): readonly Violation[] {
  return violations.filter(
    (violation) =>
      violation.invariant === "INV-3" ||
      (violation.invariant === "INV-1" && /^(chunk|index):/.test(violation.key ?? "")) ||
      (violation.invariant === "INV-2" && violation.detail.includes("frozen coverages")),
  );
}

function freshStore(): string {
  caseCount += 1;
  const dataDir = join(tempDir, `case-${caseCount}`);
  cpSync(storeDir, dataDir, { recursive: true });
  return dataDir;
}

beforeAll(async () => {
  tempDir = mkdtempSync(join(tmpdir(), "fullhistory-lifecycle-crash-"));
  lakeDir = join(tempDir, "lake");
  const lake = await writeBackfillLake(lakeDir, { chunkCount: LIFECYCLE_CRASH_LAKE_CHUNKS, profile: "sparse" });
  storeDir = join(tempDir, "store");
  await buildLifecycleCrashStore(storeDir, lake);
  const dataDir = freshStore();
  const run = await runDriver(dataDir);
  expect({ exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr }).toEqual({ exitCode: 0, stdout: "run complete\n", stderr: "" });
  clean = await durableState(dataDir);
}, 120_000);
afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

describe("lifecycle crash points", () => {
  test("the clean run freezes chunk 2, discards hot 0 and hot 2, prunes the debris and chunk 0, and audits clean", async () => {
    expect(clean.keys).toEqual({
      "chunk:00000001:ledgers": "frozen",
      "chunk:00000001:events": "frozen",
      "chunk:00000002:ledgers": "frozen",
      "chunk:00000002:events": "frozen",
      "chunk:00000002:txhash": "frozen",
      "index:00000000:00000000:00000001": "frozen",
      "index:00000001:00000002:00000002": "frozen",
      "hot:chunk:00000003": "ready",
    });
    const dataDir = freshStore();
    await runDriver(dataDir);
    const rerun = await runDriver(dataDir);
    expect(rerun.exitCode).toBe(0);
    expect(await durableState(dataDir)).toEqual(clean);
    expect(await auditViolations(dataDir)).toEqual([]);
  }, CASE_TIMEOUT_MS);

  test.each(CRASH_CASES)(
    "SIGKILL at %s leaves no broken promise on disk, and the next run converges to the clean run's store",
    async (crashAt) => {
      const dataDir = freshStore();
      const crashed = await runDriver(dataDir, crashAt);
      expect({ signalCode: crashed.signalCode, stdout: crashed.stdout, stderr: crashed.stderr }).toEqual({ signalCode: "SIGKILL", stdout: "", stderr: "" });
      expect(crashStateViolations(await auditViolations(dataDir))).toEqual([]);
      const converged = await runDriver(dataDir);
      expect({ exitCode: converged.exitCode, stdout: converged.stdout, stderr: converged.stderr }).toEqual({
        exitCode: 0,
        stdout: "run complete\n",
        stderr: "",
      });
      expect(await durableState(dataDir)).toEqual(clean);
      expect(await auditViolations(dataDir)).toEqual([]);
    },
    CASE_TIMEOUT_MS,
  );
});
