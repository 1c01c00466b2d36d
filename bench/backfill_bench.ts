/**
 * Backfill throughput and peak memory against their floor, measured in the same run on the same
 * lake (reference §12.3 "cold ingest"; bun-ffi.md §8):
 *
 *   backfill      — `runBackfill` over chunks 0 and 1 with workers = 2: the real engine (resolve,
 *                   the Worker pool, processChunk: lake fetch + zstd decode, XDR walk, ledger pack,
 *                   events segment, .bin; barriers, flips; then the index build of [0, 1]).
 *   floor         — the same lake objects read, zstd-decompressed, and every ledger zstd-compressed
 *                   again (level 3 + checksum, as the pack writes it), one Worker per chunk on 2 cores.
 *   backfill_rss  — peak RSS (VmHWM) of the process running the engine, vs the floor process's.
 *   backfill_cpu  — ledgers per CPU-second (user + system of the whole process, every thread) of
 *                   the same runs: the figure a shared machine disturbs least, as other work
 *                   steals wall time from both sides unevenly but adds little CPU to either.
 *
 * A dense chunk is 10,000 × ~0.9 MB, too big for the bench budget, so each chunk is reduced: its
 * first DENSE_LEDGERS ledgers are the dense profile (the real per-ledger path at mainnet size) and
 * the rest are the sparse profile (which completes the chunk, as processChunk only freezes whole
 * chunks). Both runs process exactly the same 20,000 ledgers; the figure is ledgers/s over all of
 * them, dominated by the dense ones (≈ 94% of the bytes).
 *
 * Lake objects hold ONE ledger each, as Galexie writes pubnet (ledgers_per_file = 1): 20,000
 * objects, so the lake's per-object cost is in the figure.
 *
 * Each side runs in its own child process so each peak RSS is its own. The machine is shared, so
 * the two sides alternate for ROUNDS rounds and each figure is its best round (peak RSS: the
 * largest). Prints `bench <name>: <value> <unit> | floor <value> <unit> | ratio <value/floor>`.
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort } from "node:worker_threads";
import { closeCatalog, openCatalog } from "../src/catalog/catalog.ts";
import { type ChunkId, type LedgerSeq, chunkFirstLedger, chunkLastLedger, LEDGERS_PER_CHUNK } from "../src/geometry/chunk.ts";
import { zstdEncode } from "../src/formats/zstd_codec.ts";
import { objectKeyOf } from "../src/lake/datastore_schema.ts";
import { type LakeSourceOptions } from "../src/lake/open_lake_source.ts";
import { silentLogger } from "../src/log/logger.ts";
import { writeSynthLake } from "../src/synth/synth_lake.ts";
import { type SynthProfileName } from "../src/synth/synth_profile.ts";
import { splitLedgerBatch } from "../src/xdr/ledger_close_meta_batch.ts";
import { SILENT_BACKFILL_OBSERVER } from "../src/backfill/backfill_observer.ts";
import { runBackfill } from "../src/backfill/run_backfill.ts";
import { BACKFILL_TEST_PASSPHRASE, lakeOptionsOf } from "../test/support/backfill_fixture.ts";
import { fixtureLayout } from "../test/support/catalog_fixture.ts";

const CHUNK_COUNT = 2;
const WORKER_COUNT = 2;
const ROUNDS = 2;
/** Dense ledgers at the start of each chunk. */
const DENSE_LEDGERS = 500;
/** Galexie's pubnet layout: one ledger per object. */
const SCHEMA = { ledgersPerFile: 1, filesPerPartition: 64_000, fileExtension: "zst" } as const;
const LEDGER_COUNT = CHUNK_COUNT * LEDGERS_PER_CHUNK;

interface RunFigures {
  seconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
}

/** User + system CPU of this process (all threads) since `since`, in seconds. */
function cpuSecondsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

function line(name: string, value: number, floor: number, unit: string): void {
  console.log(`bench ${name}: ${value.toFixed(0)} ${unit} | floor ${floor.toFixed(0)} ${unit} | ratio ${(value / floor).toFixed(2)}`);
}

/** VmHWM: the peak resident set of this process, Workers included. */
function peakRssBytes(): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
  if (match === null) throw new Error("no VmHWM in /proc/self/status");
  return Number(match[1]) * 1024;
}

function lakeOptions(lakeDir: string): LakeSourceOptions {
  // The config defaults of [backfill.bsb] (docs/configuration.md).
  return { ...lakeOptionsOf(lakeDir), bsb: { bufferObjectCount: 100, workerCount: 8, maxRetries: 0, retryWaitMs: 0 } };
}

async function writeLake(lakeDir: string): Promise<void> {
  const write = (first: number, last: number, profile: SynthProfileName) =>
    writeSynthLake({
      outDir: lakeDir,
      first: first as LedgerSeq,
      last: last as LedgerSeq,
      profile,
      seed: 1,
      networkPassphrase: BACKFILL_TEST_PASSPHRASE,
      ledgersPerFile: SCHEMA.ledgersPerFile,
      filesPerPartition: SCHEMA.filesPerPartition,
    });
  for (let chunkId = 0; chunkId < CHUNK_COUNT; chunkId++) {
    const first = chunkFirstLedger(chunkId as ChunkId);
    await write(first, first + DENSE_LEDGERS - 1, "dense");
    await write(first + DENSE_LEDGERS, chunkLastLedger(chunkId as ChunkId), "sparse");
  }
}

/** Child: the real engine over chunks 0..1 into a fresh data dir. */
async function engineChild(dataDir: string, lakeDir: string): Promise<RunFigures> {
  const catalog = openCatalog(fixtureLayout(dataDir, { chunksPerWindow: 1000 }), { readOnly: false });
  try {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    await runBackfill(
      {
        catalog,
        workerCount: WORKER_COUNT,
        maxRetries: 0,
        lake: lakeOptions(lakeDir),
        openHotChunk: () => {
          throw new Error("the bench has no hot DB");
        },
        observer: SILENT_BACKFILL_OBSERVER,
        logger: silentLogger(),
        signal: new AbortController().signal,
      },
      { rangeStart: 0 as ChunkId, rangeEnd: (CHUNK_COUNT - 1) as ChunkId },
    );
    return { seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSecondsSince(cpuStarted), peakRssBytes: peakRssBytes() };
  } finally {
    closeCatalog(catalog);
  }
}

function objectPathsOf(lakeDir: string, chunkId: ChunkId): string[] {
  const paths: string[] = [];
  for (let seq: number = chunkFirstLedger(chunkId); seq <= chunkLastLedger(chunkId); seq += SCHEMA.ledgersPerFile) {
    paths.push(join(lakeDir, objectKeyOf(SCHEMA, seq as LedgerSeq)));
  }
  return paths;
}

/** Floor Worker: locates every ledger of its objects (untimed), then on "go" times read + decompress + recompress. */
function floorWorker(): void {
  const port = parentPort!;
  let ledgerRanges: { path: string; ranges: [number, number][] }[] = [];
  port.on("message", (message: { kind: "prepare"; paths: string[] } | { kind: "go" }) => {
    if (message.kind === "prepare") {
      ledgerRanges = message.paths.map((path) => {
        const batch = Bun.zstdDecompressSync(readFileSync(path));
        let byteOffset = 12; // LedgerCloseMetaBatch header: start, end, count
        const ranges: [number, number][] = splitLedgerBatch(batch).ledgers.map((ledger) => {
          const range: [number, number] = [byteOffset, byteOffset + ledger.length];
          byteOffset += ledger.length;
          return range;
        });
        return { path, ranges };
      });
      port.postMessage("prepared");
      return;
    }
    let ledgerCount = 0;
    for (const { path, ranges } of ledgerRanges) {
      const batch = Bun.zstdDecompressSync(readFileSync(path));
      for (const [from, to] of ranges) zstdEncode(batch.subarray(from, to));
      ledgerCount += ranges.length;
    }
    port.postMessage(ledgerCount);
  });
}

/** Child: the floor, one Worker per chunk. */
async function floorChild(lakeDir: string): Promise<RunFigures> {
  const workers = Array.from({ length: CHUNK_COUNT }, () => new Worker(import.meta.url));
  const reply = (worker: Worker) => new Promise<unknown>((resolve, reject) => {
    worker.addEventListener("message", (event) => resolve(event.data), { once: true });
    worker.addEventListener("error", (event) => reject(new Error(event.message)), { once: true });
  });
  await Promise.all(workers.map((worker, chunkId) => {
    const prepared = reply(worker);
    worker.postMessage({ kind: "prepare", paths: objectPathsOf(lakeDir, chunkId as ChunkId) });
    return prepared;
  }));
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const counts = await Promise.all(workers.map((worker) => {
    const done = reply(worker);
    worker.postMessage({ kind: "go" });
    return done;
  }));
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuSecondsSince(cpuStarted);
  for (const worker of workers) worker.terminate();
  const ledgerCount = counts.reduce((sum: number, count) => sum + Number(count), 0);
  if (ledgerCount !== LEDGER_COUNT) throw new Error(`floor compressed ${ledgerCount} ledgers, want ${LEDGER_COUNT}`);
  return { seconds, cpuSeconds, peakRssBytes: peakRssBytes() };
}

async function runChild(args: string[]): Promise<RunFigures> {
  const child = Bun.spawn([process.execPath, import.meta.path, ...args], { stdout: "pipe", stderr: "inherit" });
  const output = await new Response(child.stdout).text();
  if ((await child.exited) !== 0) throw new Error(`bench child ${args[0]} failed`);
  return JSON.parse(output) as RunFigures;
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), "fullhistory-backfill-bench-"));
  try {
    const lakeDir = join(workDir, "lake");
    await writeLake(lakeDir);
    const floors: RunFigures[] = [];
    const engines: RunFigures[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      floors.push(await runChild(["--floor", lakeDir]));
      const dataDir = join(workDir, `data-${round}`);
      engines.push(await runChild(["--engine", dataDir, lakeDir]));
      rmSync(dataDir, { recursive: true, force: true });
    }
    const fastest = (runs: RunFigures[]) => Math.min(...runs.map((run) => run.seconds));
    const leastCpu = (runs: RunFigures[]) => Math.min(...runs.map((run) => run.cpuSeconds));
    const largest = (runs: RunFigures[]) => Math.max(...runs.map((run) => run.peakRssBytes));
    line("backfill", LEDGER_COUNT / fastest(engines), LEDGER_COUNT / fastest(floors), "ledgers/s");
    line("backfill_rss", largest(engines) / 2 ** 20, largest(floors) / 2 ** 20, "MB");
    line("backfill_cpu", LEDGER_COUNT / leastCpu(engines), LEDGER_COUNT / leastCpu(floors), "ledgers/cpu-s");
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (!isMainThread) {
  floorWorker();
} else if (process.argv[2] === "--engine") {
  console.log(JSON.stringify(await engineChild(process.argv[3]!, process.argv[4]!)));
} else if (process.argv[2] === "--floor") {
  console.log(JSON.stringify(await floorChild(process.argv[3]!)));
} else {
  await main();
}
