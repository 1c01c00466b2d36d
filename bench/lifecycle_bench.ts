/**
 * The lifecycle's own cost on a large store, against its physical floor on the same data:
 *   lifecycle_idle_run  — one `runLifecycle` with nothing to freeze, discard or prune on a store of
 *                         5 full windows (5,000 chunks: 10,000 artifact keys, 5 coverages, 20,005
 *                         files), vs the reads it cannot avoid: one raw prefix scan of every catalog
 *                         key and one raw walk (readdir + lstat) of the four cold roots.
 *   lifecycle_stall     — the longest the run keeps the event loop (ingestion shares the thread)
 *                         from turning, measured by a setImmediate ticker, vs the longest single
 *                         raw read above: the key scan or one root's walk (a run yields between
 *                         stages, ops and roots, but each scan and each root walk is synchronous).
 * Best of 3 each, run and floor alternating. Prints
 * `bench <name>: <value> <unit> | floor <value> <unit> | ratio <value/floor>`.
 */

import { closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { batchPut, closeDb, createBatch, destroyBatch, openDb, scanPrefix, writeBatch } from "../ffi/rocksdb.ts";
import { closeCatalog, openCatalog } from "../src/catalog/catalog.ts";
import { type ChunkId, type LedgerSeq, FIRST_LEDGER_SEQ } from "../src/geometry/chunk.ts";
import { EARLIEST_LEDGER_KEY, chunkKey, hotKey, indexKey } from "../src/geometry/keys.ts";
import { type Layout } from "../src/geometry/layout.ts";
import { CHUNKS_PER_WINDOW } from "../src/geometry/windows.ts";
import { runLifecycle } from "../src/lifecycle/lifecycle_loop.ts";
import { COLD_ROOT_NAMES } from "../src/lifecycle/cold_tier_bytes.ts";
import { lakeOptionsOf } from "../test/support/backfill_fixture.ts";
import { fixtureLayout } from "../test/support/catalog_fixture.ts";
import { lifecycleDepsOf } from "../test/support/lifecycle_fixture.ts";

const WINDOW_COUNT = 5;
const CHUNK_COUNT = WINDOW_COUNT * CHUNKS_PER_WINDOW;
const ROUNDS = 3;
const encoder = new TextEncoder();

function report(name: string, value: number, floor: number, unit: string): void {
  console.log(`bench ${name}: ${value.toFixed(1)} ${unit} | floor ${floor.toFixed(1)} ${unit} | ratio ${(value / floor).toFixed(2)}`);
}

/** Writes the store's keys straight into the catalog RocksDB (one batch) and its files (empty). */
function buildStore(layout: Layout): void {
  const db = openDb(layout.catalogDbDir(), { createIfMissing: true, readOnly: false });
  const batch = createBatch();
  try {
    const put = (key: string, value: string): void => batchPut(batch, encoder.encode(key), encoder.encode(value));
    put(EARLIEST_LEDGER_KEY, String(FIRST_LEDGER_SEQ));
    for (let chunkId = 0; chunkId < CHUNK_COUNT; chunkId++) {
      put(chunkKey(chunkId as ChunkId, "ledgers"), "frozen");
      put(chunkKey(chunkId as ChunkId, "events"), "frozen");
    }
    for (let windowId = 0; windowId < WINDOW_COUNT; windowId++) {
      const coverage = layout.windows.checkCoverage({ windowId: windowId as never, lo: (windowId * CHUNKS_PER_WINDOW) as ChunkId, hi: ((windowId + 1) * CHUNKS_PER_WINDOW - 1) as ChunkId });
      put(indexKey(coverage), "frozen");
      touch(layout.indexPath(coverage));
    }
    put(hotKey(CHUNK_COUNT as ChunkId), "ready"); // the live chunk
    writeBatch(db, batch, { sync: true });
  } finally {
    destroyBatch(batch);
    closeDb(db);
  }
  mkdirSync(layout.hotDbDir(CHUNK_COUNT as ChunkId), { recursive: true });
  for (let chunkId = 0; chunkId < CHUNK_COUNT; chunkId++) {
    for (const path of [...layout.artifactPaths(chunkId as ChunkId, "ledgers"), ...layout.artifactPaths(chunkId as ChunkId, "events")]) touch(path);
  }
}

function touch(path: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  closeSync(openSync(path, "w"));
}

/** The floor's reads, timed apart: every catalog key, then every cold file's size, root by root. */
function rawReads(layout: Layout): { scanMs: number; walkMs: number; rootWalkMsMax: number } {
  const scanStart = performance.now();
  const db = openDb(layout.catalogDbDir(), { createIfMissing: false, readOnly: true });
  let keyCount = 0;
  try {
    for (const prefix of ["chunk:", "index:", "hot:chunk:", "config:"]) for (const _entry of scanPrefix(db, encoder.encode(prefix))) keyCount += 1;
  } finally {
    closeDb(db);
  }
  const scanMs = performance.now() - scanStart;
  let walkMs = 0;
  let rootWalkMsMax = 0;
  let fileBytes = 0;
  for (const rootName of COLD_ROOT_NAMES) {
    const rootStart = performance.now();
    const root = layout.roots[rootName];
    for (const dirName of readdirSync(root)) {
      for (const fileName of readdirSync(join(root, dirName))) fileBytes += lstatSync(join(root, dirName, fileName)).size;
    }
    const rootMs = performance.now() - rootStart;
    walkMs += rootMs;
    rootWalkMsMax = Math.max(rootWalkMsMax, rootMs);
  }
  if (keyCount < CHUNK_COUNT * 2 || fileBytes !== 0) throw new Error(`floor read ${keyCount} keys and ${fileBytes} bytes`);
  return { scanMs, walkMs, rootWalkMsMax };
}

/** One idle run; returns its wall time and the longest gap between two turns of the event loop. */
async function timedRun(layout: Layout): Promise<{ runMs: number; stallMs: number }> {
  const catalog = openCatalog(layout, { readOnly: false });
  try {
    const deps = lifecycleDepsOf(catalog, { lake: lakeOptionsOf("/nonexistent/lake"), earliestLedgerSeq: FIRST_LEDGER_SEQ as LedgerSeq });
    let stallMs = 0;
    let lastTickMs = performance.now();
    let ticking = true;
    const tick = (): void => {
      const nowMs = performance.now();
      stallMs = Math.max(stallMs, nowMs - lastTickMs);
      lastTickMs = nowMs;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const startMs = performance.now();
    const report = await runLifecycle(deps, { signal: new AbortController().signal });
    const runMs = performance.now() - startMs;
    ticking = false;
    const idle = report.plan.chunkBuilds.length + report.plan.indexBuilds.length + report.discarded.length + report.pruned.length;
    if (idle !== 0 || report.coldTierBytes !== 0) throw new Error("the bench store was expected to be settled");
    return { runMs, stallMs: Math.max(stallMs, performance.now() - lastTickMs) };
  } finally {
    closeCatalog(catalog);
  }
}

const benchDir = mkdtempSync(join(tmpdir(), "fullhistory-lifecycle-bench-"));
try {
  const layout = fixtureLayout(benchDir, { chunksPerWindow: CHUNKS_PER_WINDOW });
  buildStore(layout);
  let best = { runMs: Infinity, stallMs: Infinity, scanMs: Infinity, walkMs: Infinity, rootWalkMsMax: Infinity };
  for (let round = 0; round < ROUNDS; round++) {
    const run = await timedRun(layout);
    const floor = rawReads(layout);
    best = {
      runMs: Math.min(best.runMs, run.runMs),
      stallMs: Math.min(best.stallMs, run.stallMs),
      scanMs: Math.min(best.scanMs, floor.scanMs),
      walkMs: Math.min(best.walkMs, floor.walkMs),
      rootWalkMsMax: Math.min(best.rootWalkMsMax, floor.rootWalkMsMax),
    };
  }
  report("lifecycle_idle_run", best.runMs, best.scanMs + best.walkMs, "ms");
  report("lifecycle_stall", best.stallMs, Math.max(best.scanMs, best.rootWalkMsMax), "ms");
} finally {
  rmSync(benchDir, { recursive: true, force: true });
}
