/**
 * The XDR walker against its physical floor, measured in the same run on the same data: the 30
 * dense ledgers of the synthetic v25 fixture (≈ 1.2 MB and 258 txs each, lake-and-xdr §6).
 *   xdr_walker           — walkLedger() MB/s of LCM XDR, vs zstd decompression of the same ledgers
 *                          as single-ledger Galexie objects (MB/s of output): the step before it
 *                          in every backfill, so ratio ≥ 1 means the walk never bounds the pipeline.
 *   xdr_walker_ledgers   — the same runs counted in ledgers/s.
 *   xdr_pair_envelopes   — pairEnvelopes() tx/s after a walk, vs SHA-256 alone over the same signed
 *                          payloads (the hashing pairing cannot avoid).
 * Walker and floor alternate in short slices, so load from others on the machine hits both alike;
 * each figure is the median slice. Prints `bench <name>: <value> <unit> | floor <value> <unit> | ratio <r>`.
 */

import { networkIdOf } from "../src/xdr/network_id.ts";
import { pairEnvelopes } from "../src/xdr/pair_envelopes.ts";
import { sliceRange, walkLedger } from "../src/xdr/walk_ledger.ts";
import { encodeLedgerBatch, fixturePath, readFramedStream } from "../test/support/fixtures.ts";

const FIXTURE = "synthetic-loadtest/load-test-ledgers-v25.xdr.zstd";
const PASSPHRASE = "Standalone Network ; February 2017";
const ZSTD_LEVEL = 3; // what the repackaged Galexie fixtures use (lake-and-xdr §6)
const SLICE_MS = 400;
const SLICES = 9;
const BATCH_HEADER_BYTES = 12;

const ledgers = readFramedStream(fixturePath(FIXTURE));
const ledgerBytes = ledgers.reduce((sum, ledger) => sum + ledger.length, 0);
const objects = ledgers.map((ledger, index) =>
  Bun.zstdCompressSync(encodeLedgerBatch({ startSeq: index, endSeq: index }, [ledger]), { level: ZSTD_LEVEL }),
);
const networkId = networkIdOf(PASSPHRASE);
const views = ledgers.map((ledger) => walkLedger(ledger));
const txCount = views.reduce((sum, view) => sum + view.transactions.length, 0);
// The floor of pairing: SHA-256 over each envelope's bytes (a superset of its signed payload).
const envelopes = views.flatMap((view) => pairEnvelopes(view, networkId).map((range) => sliceRange(view.bytes, range)));

let sink = 0;

/** Runs `pass` over the whole data set repeatedly for one slice; returns passes per second. */
function passesPerSecond(pass: () => void): number {
  const start = performance.now();
  let passes = 0;
  let elapsedMs = 0;
  for (; elapsedMs < SLICE_MS; elapsedMs = performance.now() - start) {
    pass();
    passes++;
  }
  return (passes * 1000) / elapsedMs;
}

function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Alternates the measured pass and its floor in slices; returns the median passes/s of each. */
function measure(pass: () => void, floor: () => void): { value: number; floor: number } {
  passesPerSecond(pass); // warm-up: let the JIT reach its top tier before anything counts
  passesPerSecond(floor);
  const values: number[] = [];
  const floors: number[] = [];
  for (let slice = 0; slice < SLICES; slice++) {
    values.push(passesPerSecond(pass));
    floors.push(passesPerSecond(floor));
  }
  return { value: median(values), floor: median(floors) };
}

function report(name: string, figure: { value: number; floor: number }, unit: string): void {
  const ratio = figure.value / figure.floor;
  console.log(`bench ${name}: ${figure.value.toFixed(0)} ${unit} | floor ${figure.floor.toFixed(0)} ${unit} | ratio ${ratio.toFixed(2)}`);
}

function walkAll(): void {
  for (const ledger of ledgers) sink += walkLedger(ledger).events.length;
}

function decompressAll(): void {
  for (const object of objects) sink += Bun.zstdDecompressSync(object).length - BATCH_HEADER_BYTES;
}

function pairAll(): void {
  for (const view of views) sink += pairEnvelopes(view, networkId).length;
}

function hashAll(): void {
  for (const envelope of envelopes) sink += new Bun.CryptoHasher("sha256").update(networkId).update(envelope).digest()[0]!;
}

const walk = measure(walkAll, decompressAll);
const megabytes = ledgerBytes / 1e6;
report("xdr_walker", { value: walk.value * megabytes, floor: walk.floor * megabytes }, "MB/s");
report("xdr_walker_ledgers", { value: walk.value * ledgers.length, floor: walk.floor * ledgers.length }, "ledgers/s");
const pair = measure(pairAll, hashAll);
report("xdr_pair_envelopes", { value: pair.value * txCount, floor: pair.floor * txCount }, "tx/s");
if (sink === 0) throw new Error("benchmark did no work");
