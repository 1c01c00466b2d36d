/**
 * The hot chunk DB (src/hot) against its floors, on the same data in the same run:
 *   hot_ingest — mixed-profile synthesized ledgers through `ingestLedger` (walk, zstd, payloads,
 *                term keys, one synced batch per ledger), against the floor of this disk's synced
 *                RocksDB batch commits of the SAME batches: the exact keys and values the ingest
 *                wrote, read back from its DB and pre-built per ledger, into a fresh DB with the
 *                same column families and options (no walking, no compression, no hashing).
 *   hot_open   — `openHotChunkDbReadOnly` of the ingested DB (open + every consistency check),
 *                against a bare read-only RocksDB open of the same DB with the same column families.
 * Rounds alternate ingest and floor so drift on this shared machine hits both alike; each figure is
 * the best of the rounds (other processes' CPU load slows the ingest's CPU work more than the fsyncs).
 * Prints `bench <name>: <value> <unit> | floor <value> <unit> | ratio <value/floor>`.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  batchPut,
  closeDb,
  type ColumnFamily,
  columnFamily,
  createBatch,
  type Db,
  destroyBatch,
  openDb,
  scanRange,
  writeBatch,
} from "../ffi/rocksdb.ts";
import { type ChunkId, chunkFirstLedger, type LedgerSeq } from "../src/geometry/chunk.ts";
import { openHotChunkDb, openHotChunkDbReadOnly } from "../src/hot/hot_chunk_db.ts";
import { LedgerSynth } from "../src/synth/ledger_synth.ts";

const LEDGER_COUNT = 200;
const ROUNDS = 5;
const CHUNK = 0 as ChunkId;
const FIRST = chunkFirstLedger(CHUNK);
const COLUMN_FAMILIES = ["ledgers", "events_data", "events_index", "events_offsets", "txhash"] as const;

interface Put {
  cf: (typeof COLUMN_FAMILIES)[number];
  key: Uint8Array;
  value: Uint8Array;
}

const root = mkdtempSync(join(tmpdir(), "fullhistory-hot-bench-"));
try {
  const synth = new LedgerSynth({ seed: 7, profile: "mixed", networkPassphrase: "Test SDF Network ; September 2015" });
  const ledgers = Array.from({ length: LEDGER_COUNT }, (_, index) => new Uint8Array(synth.generate((FIRST + index) as LedgerSeq).lcm));
  const lcmBytes = ledgers.reduce((sum, lcm) => sum + lcm.length, 0);

  let ingestMs = Infinity;
  let floorMs = Infinity;
  let batches: Put[][] | undefined;
  let openMs = Infinity;
  let bareOpenMs = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const ingestDir = join(root, `ingest-${round}`);
    ingestMs = Math.min(ingestMs, timeIngest(ingestDir, ledgers));
    batches ??= batchesOf(ingestDir);
    floorMs = Math.min(floorMs, timeFloor(join(root, `floor-${round}`), batches));
    openMs = Math.min(openMs, timeMs(() => openHotChunkDbReadOnly(ingestDir, { chunkId: CHUNK }).close()));
    bareOpenMs = Math.min(bareOpenMs, timeMs(() => closeDb(openRaw(ingestDir, { create: false, readOnly: true }))));
  }
  const opCount = batches!.reduce((sum, batch) => sum + batch.length, 0);
  const ingestRate = (LEDGER_COUNT * 1000) / ingestMs;
  const floorRate = (LEDGER_COUNT * 1000) / floorMs;
  console.log(
    `# ${LEDGER_COUNT} mixed ledgers, best of ${ROUNDS} rounds, ${(lcmBytes / LEDGER_COUNT / 1024).toFixed(1)} KiB LCM and ` +
      `${(opCount / LEDGER_COUNT).toFixed(0)} puts per ledger batch`,
  );
  console.log(`bench hot_ingest: ${ingestRate.toFixed(1)} ledgers/s | floor ${floorRate.toFixed(1)} ledgers/s | ratio ${(ingestRate / floorRate).toFixed(3)}`);
  console.log(`bench hot_open: ${openMs.toFixed(1)} ms | floor ${bareOpenMs.toFixed(1)} ms | ratio ${(openMs / bareOpenMs).toFixed(2)}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}

function timeMs(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

function timeIngest(dir: string, ledgers: readonly Uint8Array[]): number {
  const db = openHotChunkDb(dir, { chunkId: CHUNK, create: true });
  try {
    return timeMs(() => ledgers.forEach((lcm, index) => db.ingestLedger((FIRST + index) as LedgerSeq, lcm)));
  } finally {
    db.close();
  }
}

function timeFloor(dir: string, batches: readonly Put[][]): number {
  const db = openRaw(dir, { create: true, readOnly: false });
  const cfs = new Map(COLUMN_FAMILIES.map((name) => [name, columnFamily(db, name)] as const));
  try {
    return timeMs(() => {
      for (const puts of batches) {
        const batch = createBatch();
        try {
          for (const put of puts) batchPut(batch, put.key, put.value, { cf: cfs.get(put.cf)! });
          writeBatch(db, batch, { sync: true });
        } finally {
          destroyBatch(batch);
        }
      }
    });
  } finally {
    closeDb(db);
  }
}

function openRaw(dir: string, options: { create: boolean; readOnly: boolean }): Db {
  return openDb(dir, { createIfMissing: options.create, readOnly: options.readOnly, columnFamilies: COLUMN_FAMILIES, profile: "hot" });
}

/** Every put the ingest wrote, grouped per ledger in the ingest's batch order, read back from its DB. */
function batchesOf(dir: string): Put[][] {
  const db = openRaw(dir, { create: false, readOnly: true });
  try {
    const rows = (name: Put["cf"]) => [...scanRange(db, { cf: columnFamily(db, name) as ColumnFamily })];
    const u32 = (bytes: Uint8Array, byteOffset: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(byteOffset);
    const batches: Put[][] = Array.from({ length: LEDGER_COUNT }, () => []);
    const ledgerOfEvent: number[] = [];
    for (const { key, value } of rows("events_offsets")) {
      for (let count = u32(value, 0); count > 0; count--) ledgerOfEvent.push(u32(key, 0) - FIRST);
    }
    for (const { key, value } of rows("ledgers")) batches[u32(key, 0) - FIRST]!.push({ cf: "ledgers", key, value });
    for (const { key, value } of rows("txhash")) batches[u32(value, 0) - FIRST]!.push({ cf: "txhash", key, value });
    for (const { key, value } of rows("events_data")) batches[ledgerOfEvent[u32(key, 0)]!]!.push({ cf: "events_data", key, value });
    for (const { key, value } of rows("events_index")) batches[ledgerOfEvent[u32(key, 16)]!]!.push({ cf: "events_index", key, value });
    for (const { key, value } of rows("events_offsets")) batches[u32(key, 0) - FIRST]!.push({ cf: "events_offsets", key, value });
    return batches;
  } finally {
    closeDb(db);
  }
}
