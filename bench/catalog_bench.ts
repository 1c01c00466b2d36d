/**
 * Catalog costs against their physical floor, measured in the same run on the same data:
 *   catalog_chunk_protocol  — mark → dirs → write → barrier → flip for one chunk's 5 files, vs the
 *                             raw work it cannot avoid: 2 synced batches, 5 writes, 5 file fsyncs,
 *                             the parent and grandparent dir fsyncs.
 *   catalog_sweep           — sweepChunkArtifacts per ref (1 file each), vs raw demote batch,
 *                             unlinks, dir fsyncs and delete batch.
 *   catalog_artifact_scan   — chunkArtifactEntries per row (parse + sort), vs the raw prefix scan
 *                             (best of 3 each). Protocol, sweep and floor alternate in small steps so
 *                             disk noise on a shared machine hits both sides alike.
 * Prints `bench <name>: <value> <unit> | floor <value> <unit> | ratio <value/floor>`.
 */

import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fsyncDir, fsyncPath } from "../ffi/libc.ts";
import { type Db, batchDelete, batchPut, closeDb, createBatch, destroyBatch, openDb, scanPrefix, writeBatch } from "../ffi/rocksdb.ts";
import { chunkArtifactEntries } from "../src/catalog/artifact_reads.ts";
import { closeCatalog, openCatalog } from "../src/catalog/catalog.ts";
import { SWEEP_REFS_PER_BATCH_MAX, sweepChunkArtifacts } from "../src/catalog/sweeps.ts";
import {
  barrierChunkArtifacts,
  chunkArtifactPaths,
  createChunkDirs,
  flipChunkFrozen,
  markChunkFreezing,
} from "../src/catalog/write_protocol.ts";
import { type ChunkId } from "../src/geometry/chunk.ts";
import { ARTIFACT_KINDS, chunkKey } from "../src/geometry/keys.ts";
import { type Layout } from "../src/geometry/layout.ts";
import { CHUNKS_PER_WINDOW } from "../src/geometry/windows.ts";
import { fixtureLayout } from "../test/support/catalog_fixture.ts";

const PROTOCOL_CHUNK_COUNT = 600;
const SWEEP_REF_COUNT = 3000;
const SCAN_CHUNK_COUNT = 20_000;
const SCAN_ROUNDS = 3;
const FILE_BYTES = new Uint8Array(4096).fill(7);
const encoder = new TextEncoder();

function makeLayout(dataDir: string): Layout {
  return fixtureLayout(dataDir, { chunksPerWindow: CHUNKS_PER_WINDOW });
}

function report(name: string, value: number, floor: number, unit: string): void {
  console.log(`bench ${name}: ${value.toFixed(1)} ${unit} | floor ${floor.toFixed(1)} ${unit} | ratio ${(value / floor).toFixed(2)}`);
}

function synced(db: Db, writes: readonly { key: string; value?: string }[]): void {
  const batch = createBatch();
  try {
    for (const write of writes) {
      if (write.value === undefined) batchDelete(batch, encoder.encode(write.key));
      else batchPut(batch, encoder.encode(write.key), encoder.encode(write.value));
    }
    writeBatch(db, batch, { sync: true });
  } finally {
    destroyBatch(batch);
  }
}

/** Floor for one chunk: the writes, syncs and batches the protocol cannot avoid. */
function rawChunkWork(db: Db, layout: Layout, chunkId: ChunkId): void {
  const keys = ARTIFACT_KINDS.map((kind) => chunkKey(chunkId, kind));
  synced(db, keys.map((key) => ({ key, value: "freezing" })));
  const paths = ARTIFACT_KINDS.flatMap((kind) => layout.artifactPaths(chunkId, kind));
  const parents = new Set(paths.map((path) => dirname(path)));
  const newParents = [...parents].filter((dir) => chunkId % 1000 === 0 && dir !== "");
  for (const dir of newParents) mkdirSync(dir, { recursive: true });
  for (const path of paths) writeFileSync(path, FILE_BYTES);
  for (const path of paths) fsyncPath(path);
  for (const dir of parents) fsyncDir(dir);
  for (const dir of new Set([...parents].map((parent) => dirname(parent)))) fsyncDir(dir); // grandparents always (docs/catalog.md decision 7)
  synced(db, keys.map((key) => ({ key, value: "frozen" })));
}

/** Protocol and floor alternate chunk by chunk, so disk drift on a shared machine hits both alike. */
function benchChunkProtocol(benchDir: string): void {
  const catalog = openCatalog(makeLayout(join(benchDir, "protocol")), { readOnly: false });
  const rawLayout = makeLayout(join(benchDir, "protocol-raw"));
  const rawDb = openDb(join(benchDir, "protocol-raw-db"), { createIfMissing: true, readOnly: false, profile: "catalog" });
  let protocolNs = 0;
  let rawNs = 0;
  for (let chunkNumber = 0; chunkNumber < PROTOCOL_CHUNK_COUNT; chunkNumber++) {
    const artifacts = { chunkId: chunkNumber as ChunkId, kinds: ARTIFACT_KINDS };
    const protocolStart = Bun.nanoseconds();
    markChunkFreezing(catalog, artifacts);
    createChunkDirs(catalog, artifacts);
    for (const path of chunkArtifactPaths(catalog, artifacts)) writeFileSync(path, FILE_BYTES);
    barrierChunkArtifacts(catalog, artifacts);
    flipChunkFrozen(catalog, artifacts);
    const rawStart = Bun.nanoseconds();
    rawChunkWork(rawDb, rawLayout, artifacts.chunkId);
    protocolNs += rawStart - protocolStart;
    rawNs += Bun.nanoseconds() - rawStart;
  }
  closeCatalog(catalog);
  closeDb(rawDb);
  report("catalog_chunk_protocol", protocolNs / PROTOCOL_CHUNK_COUNT / 1000, rawNs / PROTOCOL_CHUNK_COUNT / 1000, "us/chunk");
}

function benchSweep(benchDir: string): void {
  const refs = Array.from({ length: SWEEP_REF_COUNT }, (_, index) => ({ chunkId: index as ChunkId, kind: "ledgers" as const }));
  const layout = makeLayout(join(benchDir, "sweep"));
  const catalog = openCatalog(layout, { readOnly: false });
  const rawDb = openDb(join(benchDir, "sweep-raw-db"), { createIfMissing: true, readOnly: false, profile: "catalog" });
  const rawLayout = makeLayout(join(benchDir, "sweep-raw"));
  for (const [db, target] of [[catalog.db, layout], [rawDb, rawLayout]] as const) {
    for (let start = 0; start < refs.length; start += 1000) {
      synced(db, refs.slice(start, start + 1000).map((ref) => ({ key: chunkKey(ref.chunkId, ref.kind), value: "frozen" })));
    }
    for (const ref of refs) {
      const path = target.ledgerPackPath(ref.chunkId);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, FILE_BYTES);
    }
  }
  // Sweep and floor alternate batch by batch (1024 refs, the sweep's own batch size).
  let sweepNs = 0;
  let rawNs = 0;
  for (let start = 0; start < refs.length; start += SWEEP_REFS_PER_BATCH_MAX) {
    const slice = refs.slice(start, start + SWEEP_REFS_PER_BATCH_MAX);
    const sweepStart = Bun.nanoseconds();
    sweepChunkArtifacts(catalog, slice);
    const rawStart = Bun.nanoseconds();
    const keys = slice.map((ref) => chunkKey(ref.chunkId, ref.kind));
    synced(rawDb, keys.map((key) => ({ key, value: "pruning" })));
    const paths = slice.map((ref) => rawLayout.ledgerPackPath(ref.chunkId));
    for (const path of paths) unlinkSync(path);
    for (const dir of new Set(paths.map((path) => dirname(path)))) fsyncDir(dir);
    synced(rawDb, keys.map((key) => ({ key })));
    sweepNs += rawStart - sweepStart;
    rawNs += Bun.nanoseconds() - rawStart;
  }
  closeCatalog(catalog);
  closeDb(rawDb);
  report("catalog_sweep", sweepNs / SWEEP_REF_COUNT / 1000, rawNs / SWEEP_REF_COUNT / 1000, "us/ref");
}

function benchArtifactScan(benchDir: string): void {
  const layout = makeLayout(join(benchDir, "scan"));
  const catalog = openCatalog(layout, { readOnly: false });
  for (let start = 0; start < SCAN_CHUNK_COUNT; start += 1000) {
    const writes = [];
    for (let chunkNumber = start; chunkNumber < start + 1000; chunkNumber++) {
      for (const kind of ARTIFACT_KINDS) writes.push({ key: chunkKey(chunkNumber as ChunkId, kind), value: "frozen" });
    }
    synced(catalog.db, writes);
  }
  const rowCount = SCAN_CHUNK_COUNT * ARTIFACT_KINDS.length;
  let scanNs = Infinity;
  let rawNs = Infinity;
  for (let round = 0; round < SCAN_ROUNDS; round++) {
    const rawStart = Bun.nanoseconds();
    let rawRows = 0;
    for (const entry of scanPrefix(catalog.db, encoder.encode("chunk:"))) rawRows += entry.key.byteLength > 0 ? 1 : 0;
    const scanStart = Bun.nanoseconds();
    const entries = chunkArtifactEntries(catalog);
    rawNs = Math.min(rawNs, scanStart - rawStart);
    scanNs = Math.min(scanNs, Bun.nanoseconds() - scanStart);
    if (entries.length !== rowCount || rawRows !== rowCount) throw new Error(`scan saw ${entries.length}/${rawRows} rows, want ${rowCount}`);
  }
  closeCatalog(catalog);
  report("catalog_artifact_scan", scanNs / rowCount, rawNs / rowCount, "ns/row");
}

const benchDir = mkdtempSync(join(tmpdir(), "fullhistory-catalog-bench-"));
try {
  benchChunkProtocol(benchDir);
  benchSweep(benchDir);
  benchArtifactScan(benchDir);
} finally {
  rmSync(benchDir, { recursive: true, force: true });
}
