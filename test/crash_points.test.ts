/**
 * The crash-point matrix (D14, style R17; reference §11.1, §11.6): for EVERY point in CRASH_POINTS,
 * a real child process runs the catalog scenario with FULLHISTORY_CRASH_AT set and must die of
 * SIGKILL there (a point the scenario never reaches fails the test). The survivors are judged on
 * durable state (reopened catalog + files on disk), then a fresh child without the variable must
 * converge to the scenario's final state.
 */

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { artifactState } from "../src/catalog/artifact_reads.ts";
import { type Catalog, closeCatalog, openCatalog } from "../src/catalog/catalog.ts";
import {
  BACKFILL_WORKER_CRASH_POINTS,
  CRASH_AT_ENV,
  CRASH_POINTS,
  DAEMON_CRASH_POINTS,
  INGESTION_CRASH_POINTS,
  LIFECYCLE_CRASH_POINTS,
} from "../src/crash_point.ts";
import { type ChunkId } from "../src/geometry/chunk.ts";
import { fixtureLayout } from "./support/catalog_fixture.ts";
import { crashStateViolations, finalStateViolations, SCENARIO_CHUNKS_PER_WINDOW } from "./support/catalog_scenario.ts";

const DRIVER = join(import.meta.dir, "support", "crash_driver.ts");
const DRIVER_TIMEOUT_MS = 30_000;
const CASE_TIMEOUT_MS = 60_000;

interface DriverRun {
  exitCode: number | null;
  signalCode: string | null;
  stdout: string;
  stderr: string;
}

async function runDriver(dataDir: string, crashAt?: string): Promise<DriverRun> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env[CRASH_AT_ENV];
  if (crashAt !== undefined) env[CRASH_AT_ENV] = crashAt;
  const child = Bun.spawn([process.execPath, DRIVER, dataDir], { env, stdout: "pipe", stderr: "pipe", timeout: DRIVER_TIMEOUT_MS });
  const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  await child.exited;
  const signalCode = typeof child.signalCode === "string" ? child.signalCode : null;
  return { exitCode: child.exitCode, signalCode, stdout, stderr };
}

function withCatalog<T>(dataDir: string, read: (catalog: Catalog) => T): T {
  const catalog = openCatalog(fixtureLayout(dataDir, { chunksPerWindow: SCENARIO_CHUNKS_PER_WINDOW }), { readOnly: false });
  try {
    return read(catalog);
  } finally {
    closeCatalog(catalog);
  }
}

async function expectCrashThenConvergence(dataDir: string, crashAt: string): Promise<void> {
  const crashed = await runDriver(dataDir, crashAt);
  expect({ signalCode: crashed.signalCode, stderr: crashed.stderr }).toEqual({ signalCode: "SIGKILL", stderr: "" });
  expect(withCatalog(dataDir, crashStateViolations)).toEqual([]);
  const converged = await runDriver(dataDir);
  expect({ exitCode: converged.exitCode, stderr: converged.stderr }).toEqual({ exitCode: 0, stderr: "" });
  expect(withCatalog(dataDir, finalStateViolations)).toEqual([]);
}

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "fullhistory-crash-"));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe("catalog crash points", () => {
  test("the scenario without a crash reaches the final state, and a rerun keeps it", async () => {
    const first = await runDriver(dataDir);
    expect({ exitCode: first.exitCode, stdout: first.stdout, stderr: first.stderr }).toEqual({ exitCode: 0, stdout: "scenario complete\n", stderr: "" });
    expect(withCatalog(dataDir, finalStateViolations)).toEqual([]);
    const second = await runDriver(dataDir);
    expect(second.exitCode).toBe(0);
    expect(withCatalog(dataDir, finalStateViolations)).toEqual([]);
  }, CASE_TIMEOUT_MS);

  // Worker-only backfill points are reached by test/backfill_crash.test.ts, the lifecycle's stage
  // points by test/lifecycle_crash.test.ts, the ingestion loop's by test/daemon_crash.test.ts,
  // not by this scenario.
  const elsewhere = [...BACKFILL_WORKER_CRASH_POINTS, ...LIFECYCLE_CRASH_POINTS, ...INGESTION_CRASH_POINTS, ...DAEMON_CRASH_POINTS];
  const scenarioPoints = CRASH_POINTS.filter((point) => !elsewhere.includes(point));
  test.each(scenarioPoints)("SIGKILL at %s leaves a convergeable state and a restart converges", async (point) => {
    await expectCrashThenConvergence(dataDir, point);
  }, CASE_TIMEOUT_MS);

  // Second passes: the prune's frozen → pruning demote, the last chunk's barrier, the live hot DB's create.
  test.each(["sweep.chunk.demoted:2", "sweep.chunk.unlinked:2", "chunk.barriered:4", "index.committed:2", "hot.open.created:2"])(
    "SIGKILL at %s leaves a convergeable state and a restart converges",
    async (crashAt) => {
      await expectCrashThenConvergence(dataDir, crashAt);
    },
    CASE_TIMEOUT_MS,
  );

  test("crashPoint() kills at the nth pass, not before: chunk.marked:4 leaves chunks 0..2 frozen and chunk 3 freezing", async () => {
    const crashed = await runDriver(dataDir, "chunk.marked:4");
    expect(crashed.signalCode).toBe("SIGKILL");
    const states = withCatalog(dataDir, (catalog) =>
      [0, 1, 2, 3].map((chunkId) => artifactState(catalog, { chunkId: chunkId as ChunkId, kind: "ledgers" })),
    );
    expect(states).toEqual(["frozen", "frozen", "frozen", "freezing"]);
  }, CASE_TIMEOUT_MS);

  test("an armed point passed fewer than nth times never fires", async () => {
    const run = await runDriver(dataDir, "chunk.marked:5");
    expect({ exitCode: run.exitCode, signalCode: run.signalCode }).toEqual({ exitCode: 0, signalCode: null });
    expect(withCatalog(dataDir, finalStateViolations)).toEqual([]);
  }, CASE_TIMEOUT_MS);

  test("an unknown FULLHISTORY_CRASH_AT fails the child loudly at the first crash point", async () => {
    const run = await runDriver(dataDir, "chunk.markd");
    expect(run.exitCode).not.toBe(0);
    expect(run.signalCode).toBeNull();
    expect(run.stderr).toContain('unknown crash point "chunk.markd"');
  }, CASE_TIMEOUT_MS);
});
