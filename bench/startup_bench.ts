/**
 * Startup and observability costs against their physical floor, measured in the same run:
 *   startup_last_committed — `lastCommittedLedger` (reference §7.8) over a full-history-sized
 *                            catalog (6,000 chunks × 3 frozen kinds, 6 frozen coverages, 2 hot
 *                            keys), vs the raw prefix scans of the same keys it cannot avoid
 *                            reading (best of 5 each, alternating).
 *   log_line_json          — one `logger.info` line with 6 fields in json format to /dev/null, vs
 *                            `writeSync` of the same pre-rendered line.
 *   metrics_exposition     — rendering the daemon's metric set after catch-up updates, vs
 *                            encoding the same text (the bytes it must produce).
 * Prints `bench <name>: <value> <unit> | floor <value> <unit> | ratio <value/floor>`.
 */

import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { batchPut, createBatch, destroyBatch, scanPrefix, writeBatch } from "../ffi/rocksdb.ts";
import { closeCatalog, openCatalog } from "../src/catalog/catalog.ts";
import { lastCommittedLedger } from "../src/catalog/last_committed.ts";
import { type ChunkId, type WindowId } from "../src/geometry/chunk.ts";
import { ARTIFACT_KINDS, CHUNK_KEY_PREFIX, chunkKey, HOT_KEY_PREFIX, hotKey, INDEX_KEY_PREFIX, indexKey } from "../src/geometry/keys.ts";
import { CHUNKS_PER_WINDOW } from "../src/geometry/windows.ts";
import { createLogger } from "../src/log/logger.ts";
import { createDaemonMetrics, observePhase } from "../src/metrics/daemon_metrics.ts";
import { fixtureLayout } from "../test/support/catalog_fixture.ts";

const CHUNK_COUNT = 6000;
const DERIVE_ROUNDS = 5;
const LOG_LINE_COUNT = 200_000;
const EXPOSITION_ROUNDS = 2000;
const encoder = new TextEncoder();

function report(name: string, value: number, floor: number, unit: string): void {
  console.log(`bench ${name}: ${value.toFixed(2)} ${unit} | floor ${floor.toFixed(2)} ${unit} | ratio ${(value / floor).toFixed(2)}`);
}

function benchLastCommitted(benchDir: string): void {
  const layout = fixtureLayout(join(benchDir, "catalog"), { chunksPerWindow: CHUNKS_PER_WINDOW });
  const catalog = openCatalog(layout, { readOnly: false });
  const batch = createBatch();
  try {
    for (let chunkId = 0; chunkId < CHUNK_COUNT; chunkId++) {
      for (const kind of ARTIFACT_KINDS) batchPut(batch, encoder.encode(chunkKey(chunkId as ChunkId, kind)), encoder.encode("frozen"));
    }
    for (let windowId = 0; windowId < CHUNK_COUNT / CHUNKS_PER_WINDOW; windowId++) {
      const coverage = { windowId: windowId as WindowId, lo: (windowId * CHUNKS_PER_WINDOW) as ChunkId, hi: ((windowId + 1) * CHUNKS_PER_WINDOW - 1) as ChunkId };
      batchPut(batch, encoder.encode(indexKey(coverage)), encoder.encode("frozen"));
    }
    for (const chunkId of [CHUNK_COUNT, CHUNK_COUNT + 1]) batchPut(batch, encoder.encode(hotKey(chunkId as ChunkId)), encoder.encode("ready"));
    writeBatch(catalog.db, batch, { sync: true });
  } finally {
    destroyBatch(batch);
  }
  let deriveNs = Infinity;
  let floorNs = Infinity;
  for (let round = 0; round < DERIVE_ROUNDS; round++) {
    const deriveStart = Bun.nanoseconds();
    lastCommittedLedger(catalog, undefined);
    const floorStart = Bun.nanoseconds();
    let rowCount = 0;
    for (const prefix of [CHUNK_KEY_PREFIX, INDEX_KEY_PREFIX, HOT_KEY_PREFIX]) {
      for (const entry of scanPrefix(catalog.db, encoder.encode(prefix))) rowCount += entry.value.length > 0 ? 1 : 0;
    }
    const floorEnd = Bun.nanoseconds();
    if (rowCount !== CHUNK_COUNT * ARTIFACT_KINDS.length + CHUNK_COUNT / CHUNKS_PER_WINDOW + 2) throw new Error(`scanned ${rowCount} rows`);
    deriveNs = Math.min(deriveNs, floorStart - deriveStart);
    floorNs = Math.min(floorNs, floorEnd - floorStart);
  }
  closeCatalog(catalog);
  report("startup_last_committed", deriveNs / 1e6, floorNs / 1e6, "ms");
}

function benchLogLine(): void {
  const fd = openSync("/dev/null", "w");
  try {
    const fields = { pass: 3, range_lo: "00000000", range_hi: "00005999", tip: 60_000_123, last_committed: 59_990_001, duration_s: 12.345 };
    let rendered = "";
    const logger = createLogger({ level: "info", format: "json", write: (line) => writeSync(fd, line) });
    createLogger({ level: "info", format: "json", write: (line) => (rendered = line) }).info("catch-up pass complete", fields);
    const logStart = Bun.nanoseconds();
    for (let index = 0; index < LOG_LINE_COUNT; index++) logger.info("catch-up pass complete", fields);
    const floorStart = Bun.nanoseconds();
    for (let index = 0; index < LOG_LINE_COUNT; index++) writeSync(fd, rendered);
    const floorEnd = Bun.nanoseconds();
    report("log_line_json", (floorStart - logStart) / LOG_LINE_COUNT, (floorEnd - floorStart) / LOG_LINE_COUNT, "ns/line");
  } finally {
    closeSync(fd);
  }
}

function benchExposition(): void {
  const metrics = createDaemonMetrics();
  metrics.lastCommittedLedger.set(59_990_001);
  metrics.catchupPassesTotal.add(3);
  for (let index = 0; index < 100; index++) observePhase(metrics, "catchup_pass", index * 37);
  for (let index = 0; index < 100; index++) observePhase(metrics, "rebuild", index * 11);
  const text = metrics.registry.exposition();
  const renderStart = Bun.nanoseconds();
  let byteCount = 0;
  for (let round = 0; round < EXPOSITION_ROUNDS; round++) byteCount += encoder.encode(metrics.registry.exposition()).length;
  const floorStart = Bun.nanoseconds();
  for (let round = 0; round < EXPOSITION_ROUNDS; round++) byteCount -= encoder.encode(text).length;
  const floorEnd = Bun.nanoseconds();
  if (byteCount !== 0) throw new Error("exposition changed between rounds");
  report("metrics_exposition", (floorStart - renderStart) / EXPOSITION_ROUNDS / 1000, (floorEnd - floorStart) / EXPOSITION_ROUNDS / 1000, "us");
}

const benchDir = mkdtempSync(join(tmpdir(), "fullhistory-startup-bench-"));
try {
  benchLastCommitted(benchDir);
  benchLogLine();
  benchExposition();
} finally {
  rmSync(benchDir, { recursive: true, force: true });
}
