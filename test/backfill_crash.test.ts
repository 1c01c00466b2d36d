/**
 * Backfill crash convergence (D14, style R17; reference §5.2–§5.5, §11.6 TestBuildCrashMatrix_*):
 * for every crash point processChunk, buildTxhashIndex and the sweeps pass, a real child process
 * (test/support/backfill_driver.ts: two passes of runBackfill over a 3-chunk sparse lake, windows
 * of 2 chunks) is started with FULLHISTORY_CRASH_AT and must die of SIGKILL there. What survived
 * is judged on durable state — every frozen key's files are already the clean run's bytes, at most
 * one frozen coverage per window, no file without a key — then a plain rerun must reach exactly
 * the clean run's state: the same catalog keys and values, and the same artifact tree byte for
 * byte (every file hashed, every directory listed, so a stray file or directory fails).
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Catalog, closeCatalog, openCatalog } from "../src/catalog/catalog.ts";
import { CRASH_POINTS } from "../src/crash_point.ts";
import { type DriverRun, type DurableState, runWithCrashPoint } from "./support/crash_run.ts";
import { FullhistoryError } from "../src/errors.ts";
import { openTxhashIndex } from "../src/formats/txhash_index_reader.ts";
import { openTxhashRun } from "../src/formats/txhash_run.ts";
import { chunkFirstLedger, chunkLastLedger } from "../src/geometry/chunk.ts";
import { type CatalogKey, parseCatalogKey } from "../src/geometry/keys.ts";
import { type Layout, type StorageRootName } from "../src/geometry/layout.ts";
import { artifactTreeHashes, catalogSnapshot, treeNameOf, writeBackfillLake } from "./support/backfill_fixture.ts";
import { BACKFILL_DRIVER_CHUNKS_PER_WINDOW, BACKFILL_DRIVER_LAKE_CHUNKS } from "./support/backfill_driver_plan.ts";
import { fixtureLayout } from "./support/catalog_fixture.ts";

const REPO = join(import.meta.dir, "..");
const DRIVER = join(import.meta.dir, "support", "backfill_driver.ts");
const DRIVER_TIMEOUT_MS = 60_000;
const CASE_TIMEOUT_MS = 120_000;

/**
 * Every point of the protocols a backfill runs: chunk artifacts, index coverages, both sweeps and
 * the Worker's write steps (`hot.*` belong to ingestion's hot bracket, not to backfill).
 */
const BACKFILL_POINTS = CRASH_POINTS.filter((point) => /^(chunk|index|sweep)\./.test(point));
/**
 * Later passes of a point: mid-chunk (each Worker counts its own ledgers), after the .bin and after
 * the events segment (each chunk Worker finishes ledgers, txhash, events in that order), the second
 * pass's chunk marks and the terminal commit of [0, 1].
 */
const LATER_PASSES = ["chunk.ledger.appended:5000", "chunk.artifact.finished:2", "chunk.artifact.finished:3", "chunk.marked:2", "index.committed:2"];
const CRASH_CASES = [...BACKFILL_POINTS, ...LATER_PASSES];

let tempDir: string;
let lakeDir: string;
let clean: DurableState;
let caseCount = 0;

function runCommand(command: string[], crashAt?: string): Promise<DriverRun> {
  return runWithCrashPoint(command, { crashAt, timeoutMs: DRIVER_TIMEOUT_MS });
}

function runDriver(dataDir: string, crashAt?: string): Promise<DriverRun> {
  return runCommand([process.execPath, DRIVER, dataDir, lakeDir], crashAt);
}

function layoutOf(dataDir: string): Layout {
  return fixtureLayout(dataDir, { chunksPerWindow: BACKFILL_DRIVER_CHUNKS_PER_WINDOW });
}

function withCatalog<T>(dataDir: string, read: (catalog: Catalog) => T): T {
  const catalog = openCatalog(layoutOf(dataDir), { readOnly: true });
  try {
    return read(catalog);
  } finally {
    closeCatalog(catalog);
  }
}

function durableState(dataDir: string): DurableState {
  return { keys: withCatalog(dataDir, catalogSnapshot), tree: artifactTreeHashes(layoutOf(dataDir)) };
}

/** What a crash may never leave (README invariants, INV-2/3): see the module doc. */
function crashStateViolations(dataDir: string): string[] {
  const layout = layoutOf(dataDir);
  const { keys, tree } = durableState(dataDir);
  const violations: string[] = [];
  const frozenCoveragesPerWindow = new Map<number, number>();
  for (const [key, state] of Object.entries(keys)) {
    const parsed = parseCatalogKey(key, layout.windows);
    if (state !== "frozen") continue;
    let paths: string[] = [];
    if (parsed.family === "chunk") paths = layout.artifactPaths(parsed.chunkId, parsed.kind);
    if (parsed.family === "index") {
      paths = [layout.indexPath(parsed.coverage)];
      frozenCoveragesPerWindow.set(parsed.coverage.windowId, (frozenCoveragesPerWindow.get(parsed.coverage.windowId) ?? 0) + 1);
    }
    for (const path of paths) {
      const name = treeNameOf(layout, path);
      if (clean.tree[name] !== undefined) {
        if (tree[name] !== clean.tree[name]) violations.push(`${key} is frozen but ${name} is not the clean run's file`);
        continue;
      }
      const problem = incompleteFrozenFile(parsed, path);
      if (problem !== undefined) violations.push(`${key} is frozen but ${name} is not complete: ${problem}`);
    }
  }
  for (const [windowId, count] of frozenCoveragesPerWindow) {
    if (count > 1) violations.push(`window ${windowId} has ${count} frozen coverages`);
  }
  for (const [name, hash] of Object.entries(tree)) {
    if (hash === "/") continue;
    const [rootName, ...rest] = name.split("/");
    const key = layout.keyOfPath(rootName as StorageRootName, rest.join("/"));
    if (key === undefined || keys[key] === undefined) violations.push(`${name} has no catalog key`);
  }
  return violations;
}

/**
 * A frozen file the clean run has swept since (chunk 0's and 1's `.bin`, coverage [0, 0]'s `.idx`)
 * cannot be compared with it; its reader must accept every byte instead. Undefined = complete.
 */
function incompleteFrozenFile(key: CatalogKey, path: string): string | undefined {
  try {
    if (key.family === "chunk" && key.kind === "txhash") {
      const run = openTxhashRun(path, { ledgerSeqMin: chunkFirstLedger(key.chunkId), ledgerSeqMax: chunkLastLedger(key.chunkId) });
      try {
        while (run.refill() > 0) run.cursor = run.bufferedCount; // bounded by the run's entry count
      } finally {
        run.close();
      }
      return undefined;
    }
    if (key.family === "index") {
      const index = openTxhashIndex(path);
      try {
        index.checkAllBlocks();
      } finally {
        index.close();
      }
      return undefined;
    }
    return "the clean run keeps every file of this kind, but not this one";
  } catch (err) {
    if (!(err instanceof FullhistoryError)) throw err;
    return err.message;
  }
}

function newDataDir(): string {
  caseCount += 1;
  return join(tempDir, `data-${caseCount}`);
}

beforeAll(async () => {
  tempDir = mkdtempSync(join(tmpdir(), "fullhistory-backfill-crash-"));
  lakeDir = join(tempDir, "lake");
  await writeBackfillLake(lakeDir, { chunkCount: BACKFILL_DRIVER_LAKE_CHUNKS, profile: "sparse" });
  const dataDir = newDataDir();
  const run = await runDriver(dataDir);
  expect({ exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr }).toEqual({ exitCode: 0, stdout: "backfill complete\n", stderr: "" });
  clean = durableState(dataDir);
}, CASE_TIMEOUT_MS);
afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

describe("backfill crash convergence", () => {
  test("the clean run leaves the expected keys, and a rerun changes nothing byte for byte", async () => {
    expect(clean.keys).toEqual({
      "chunk:00000000:ledgers": "frozen",
      "chunk:00000000:events": "frozen",
      "chunk:00000001:ledgers": "frozen",
      "chunk:00000001:events": "frozen",
      "chunk:00000002:ledgers": "frozen",
      "chunk:00000002:events": "frozen",
      "chunk:00000002:txhash": "frozen",
      "index:00000000:00000000:00000001": "frozen",
      "index:00000001:00000002:00000002": "frozen",
    });
    const dataDir = join(tempDir, "data-1");
    const rerun = await runDriver(dataDir);
    expect(rerun.exitCode).toBe(0);
    expect(durableState(dataDir)).toEqual(clean);
  }, CASE_TIMEOUT_MS);

  test.each(CRASH_CASES)("SIGKILL at %s leaves no broken promise, and a rerun converges to the clean run byte for byte", async (crashAt) => {
    const dataDir = newDataDir();
    const crashed = await runDriver(dataDir, crashAt);
    expect({ signalCode: crashed.signalCode, stdout: crashed.stdout, stderr: crashed.stderr }).toEqual({ signalCode: "SIGKILL", stdout: "", stderr: "" });
    expect(crashStateViolations(dataDir)).toEqual([]);
    const converged = await runDriver(dataDir);
    expect({ exitCode: converged.exitCode, stderr: converged.stderr }).toEqual({ exitCode: 0, stderr: "" });
    expect(durableState(dataDir)).toEqual(clean);
  }, CASE_TIMEOUT_MS);

  test("a binary compiled with `bun build --compile --root .` starts its backfill Workers and converges to the same state", async () => {
    const binary = join(tempDir, "backfill-driver-binary");
    const build = await runCommand([
      process.execPath, "build", "--compile", "--root", REPO,
      DRIVER, join(REPO, "src", "backfill", "backfill_worker.ts"), join(REPO, "src", "backfill", "txhash_partition_worker.ts"),
      "--outfile", binary,
    ]);
    expect(build.exitCode).toBe(0);
    const dataDir = newDataDir();
    const run = await runCommand([binary, dataDir, lakeDir]);
    expect({ exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr }).toEqual({ exitCode: 0, stdout: "backfill complete\n", stderr: "" });
    expect(durableState(dataDir)).toEqual(clean);
  }, CASE_TIMEOUT_MS);
});
