/**
 * Lake costs against their physical floor, measured in the same run on the same data:
 *   lake_synth    — `writeSynthLake` of mixed ledgers (generate, encode, hash, compress, write),
 *                   vs compressing and writing the same ledger bytes (what any writer must do).
 *   lake_stream   — `ledgers()` of a Filesystem lake (prefetch, zstd, batch split and validation),
 *                   vs reading every object file in order and zstd-decompressing it.
 * Prints `bench <name>: <value> <unit> | floor <value> <unit> | ratio <value/floor>`.
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LedgerSeq } from "../src/geometry/chunk.ts";
import { objectKeyOf } from "../src/lake/datastore_schema.ts";
import { openLakeSource } from "../src/lake/open_lake_source.ts";
import { LedgerSynth } from "../src/synth/ledger_synth.ts";
import { encodeLedgerBatch, writeSynthLake } from "../src/synth/synth_lake.ts";

const LEDGER_COUNT = 3000;
const FIRST = 2 as LedgerSeq;
const LAST = (FIRST + LEDGER_COUNT - 1) as LedgerSeq;
const PASSPHRASE = "Standalone Network ; February 2017";
const SCHEMA = { ledgersPerFile: 1, filesPerPartition: 64000, fileExtension: "zst" } as const;

function line(name: string, value: number, floor: number, unit: string): void {
  console.log(`bench ${name}: ${value.toFixed(0)} ${unit} | floor ${floor.toFixed(0)} ${unit} | ratio ${(value / floor).toFixed(2)}`);
}

const workDir = mkdtempSync(join(tmpdir(), "fullhistory-lake-bench-"));
try {
  const lakeDir = join(workDir, "lake");
  let started = performance.now();
  await writeSynthLake({ outDir: lakeDir, first: FIRST, last: LAST, profile: "mixed", seed: 1, networkPassphrase: PASSPHRASE, ledgersPerFile: 1, filesPerPartition: 64000 });
  const synthSeconds = (performance.now() - started) / 1000;

  const synth = new LedgerSynth({ seed: 1, profile: "mixed", networkPassphrase: PASSPHRASE });
  const ledgers: Uint8Array[] = [];
  for (let seq: number = FIRST; seq <= LAST; seq++) ledgers.push(synth.generate(seq as LedgerSeq).lcm);
  const floorDir = join(workDir, "floor");
  mkdirSync(floorDir);
  started = performance.now();
  for (const [index, ledger] of ledgers.entries()) {
    const path = join(floorDir, `${index}`);
    writeFileSync(path, Bun.zstdCompressSync(encodeLedgerBatch((FIRST + index) as LedgerSeq, [ledger]), { level: 3 }));
  }
  const synthFloorSeconds = (performance.now() - started) / 1000;
  line("lake_synth", LEDGER_COUNT / synthSeconds, LEDGER_COUNT / synthFloorSeconds, "ledgers/s");

  const xdrBytes = ledgers.reduce((sum, ledger) => sum + ledger.length, 0);
  const source = await openLakeSource({
    type: "Filesystem",
    params: { destination_path: lakeDir },
    schema: {},
    bsb: { bufferObjectCount: 64, workerCount: 8, maxRetries: 0, retryWaitMs: 0 },
    networkPassphrase: PASSPHRASE,
  });
  started = performance.now();
  let streamed = 0;
  for await (const ledger of source.ledgers({ first: FIRST, last: LAST })) streamed += ledger.length;
  const streamSeconds = (performance.now() - started) / 1000;
  if (streamed !== xdrBytes) throw new Error(`streamed ${streamed} bytes, generated ${xdrBytes}`);

  started = performance.now();
  let floorBytes = 0;
  for (let seq: number = FIRST; seq <= LAST; seq++) {
    floorBytes += Bun.zstdDecompressSync(readFileSync(join(lakeDir, objectKeyOf(SCHEMA, seq as LedgerSeq)))).length;
  }
  const streamFloorSeconds = (performance.now() - started) / 1000;
  if (floorBytes <= xdrBytes) throw new Error("floor read less than the ledgers");
  line("lake_stream", xdrBytes / 1e6 / streamSeconds, xdrBytes / 1e6 / streamFloorSeconds, "MB/s");
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
