/**
 * Read-path and audit costs against their physical floor, measured in the same run on the same
 * store: one chunk of the `mixed` synthetic profile (10,000 ledgers, tens of txs each, fee bumps),
 * frozen and indexed with the real protocol, plus the next chunk live in a ready hot DB holding
 * its first HOT_LEDGERS mixed ledgers; page-cache resident, one core. Best of two timings (the
 * machine is shared).
 *   read_get_tx          — verified `findTransaction` lookups/s over the cold tier (catalog snapshot,
 *                          `.idx` probe, pack read, walk, full-hash check, envelope pairing), vs the
 *                          bare probe + pack read + zstd decode of the same candidate ledgers.
 *   read_get_ledger      — `readLedger` ledgers/s through the tier (catalog point get, header seq
 *                          check), vs the bare pack read + zstd decode of the same ledgers.
 *   read_get_tx_hot      — the same verified lookups through [hot, cold] for transactions in the hot
 *                          DB, vs the bare hot DB txhash get + ledger get + zstd decode.
 *   read_get_ledger_hot  — `readLedger` through [hot, cold] for hot ledgers, vs the bare hot DB get.
 *   audit_open           — frozen keys/s of the default audit's file check (`checkFrozenFiles`, no
 *                          scrub: open and validate each file as a reader does), vs opening each of
 *                          the same files, reading its last 4 KiB (where trailers live) and closing it.
 *   audit_scrub          — MB/s of the integrity scrub of every frozen file (`--scrub`), vs
 *                          reading the same files once and CRC32C-ing every byte (the cheapest scrub).
 * Prints `bench <name>: <value> <unit> | floor <value> <unit> | ratio <value/floor>`.
 */

import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { readCatalogSnapshot } from "../src/audit/catalog_snapshot.ts";
import type { Catalog } from "../src/catalog/catalog.ts";
import { checkFrozenFiles } from "../src/audit/check_frozen_files.ts";
import { crc32c } from "../src/formats/crc32c.ts";
import { openLedgerPack } from "../src/formats/ledger_pack_reader.ts";
import { openTxhashIndex } from "../src/formats/txhash_index_reader.ts";
import { type ChunkId, type LedgerSeq, type WindowId, chunkFirstLedger, LEDGERS_PER_CHUNK } from "../src/geometry/chunk.ts";
import { ARTIFACT_KINDS } from "../src/geometry/keys.ts";
import type { RetentionFloor } from "../src/geometry/retention.ts";
import { openHotChunkDbReadOnly } from "../src/hot/hot_chunk_db.ts";
import { openColdTier } from "../src/read/cold_tier.ts";
import { openHotTier } from "../src/read/hot_tier.ts";
import { LedgerSynth } from "../src/synth/ledger_synth.ts";
import { findTransaction } from "../src/read/find_transaction.ts";
import { readLedger } from "../src/read/read_ledger.ts";
import { networkIdOf } from "../src/xdr/network_id.ts";
import { walkLedger } from "../src/xdr/walk_ledger.ts";
import {
  createStoreFixture,
  freezeChunksFromLake,
  freezeCoverage,
  ingestHotChunk,
  lakeLedgers,
  removeStoreFixture,
  storeCatalog,
  TEST_PASSPHRASE,
} from "../test/support/read_store.ts";

const ATTEMPTS = 2;
const TX_PROBES = 3000;
const LEDGER_READS = 3000;
const CHUNK = 0 as ChunkId;
const HOT_CHUNK = 1 as ChunkId;
const HOT_LEDGERS = 300;
const OPEN_ROUNDS = 50;
const TRAILER_READ_BYTES = 4096;
const COVERAGE = { windowId: 0 as WindowId, lo: CHUNK, hi: CHUNK };

function report(name: string, figure: { value: number; floor: number; unit: string }): void {
  console.log(
    `bench ${name}: ${figure.value.toFixed(1)} ${figure.unit} | floor ${figure.floor.toFixed(1)} ${figure.unit} | ratio ${(figure.value / figure.floor).toFixed(2)}`,
  );
}

function bestSeconds(run: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const started = performance.now();
    run();
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  return best;
}

/** Deterministic spread of `count` picks over `items` (every k-th). */
function spread<T>(items: readonly T[], count: number): T[] {
  return Array.from({ length: count }, (_, index) => items[Math.floor((index * items.length) / count)]!);
}

const fixture = await createStoreFixture({ lastChunkId: 0, chunksPerWindow: 1000, seed: 77, profile: "mixed" });
try {
  await freezeChunksFromLake(fixture, { lo: 0, hi: 0 });
  freezeCoverage(fixture, COVERAGE);
  const catalog = storeCatalog(fixture);
  const hashes: Uint8Array[] = [];
  for (const lcm of await lakeLedgers(fixture, 0)) {
    for (const tx of walkLedger(lcm).transactions) hashes.push(lcm.slice(tx.hashOffset, tx.hashOffset + 32));
  }
  const probes = spread(hashes, TX_PROBES);
  const ledgerSeqs = spread(
    Array.from({ length: LEDGERS_PER_CHUNK }, (_, index) => (chunkFirstLedger(CHUNK) + index) as LedgerSeq),
    LEDGER_READS,
  );
  const floor = { floorLedgerSeq: chunkFirstLedger(CHUNK), floorChunkId: CHUNK };
  const networkId = networkIdOf(TEST_PASSPHRASE);
  const tier = openColdTier(catalog);
  const pack = openLedgerPack(fixture.layout.ledgerPackPath(CHUNK), { firstLedgerSeq: chunkFirstLedger(CHUNK), ledgerCount: LEDGERS_PER_CHUNK });
  const index = openTxhashIndex(fixture.layout.indexPath(COVERAGE));
  try {
    const getTxSeconds = bestSeconds(() => {
      for (const hash of probes) if (findTransaction([tier], hash, { floor, networkId }) === undefined) throw new Error("bench: a known tx was not found");
    });
    const probeFloorSeconds = bestSeconds(() => {
      for (const hash of probes) for (const ledgerSeq of index.lookup(hash)) pack.ledger(ledgerSeq);
    });
    report("read_get_tx", { value: TX_PROBES / getTxSeconds, floor: TX_PROBES / probeFloorSeconds, unit: "lookups/s" });
    const getLedgerSeconds = bestSeconds(() => {
      for (const ledgerSeq of ledgerSeqs) readLedger([tier], ledgerSeq, floor);
    });
    const packFloorSeconds = bestSeconds(() => {
      for (const ledgerSeq of ledgerSeqs) pack.ledger(ledgerSeq);
    });
    report("read_get_ledger", { value: LEDGER_READS / getLedgerSeconds, floor: LEDGER_READS / packFloorSeconds, unit: "ledgers/s" });
  } finally {
    index.close();
    pack.close();
    tier.close();
  }
  benchHotReads(catalog, { floor, networkId });
  const snapshot = readCatalogSnapshot(catalog);
  const paths = [...ARTIFACT_KINDS.flatMap((kind) => fixture.layout.artifactPaths(CHUNK, kind)), fixture.layout.indexPath(COVERAGE)];
  const frozenKeyCount = ARTIFACT_KINDS.length + 1;
  const openSeconds = bestSeconds(() => {
    for (let round = 0; round < OPEN_ROUNDS; round++) {
      if (checkFrozenFiles(fixture.layout, snapshot, { missingPaths: new Set(), scrub: "none" }).violations.length > 0) throw new Error("bench: open check found damage");
    }
  });
  const openFloorSeconds = bestSeconds(() => {
    const tail = new Uint8Array(TRAILER_READ_BYTES);
    for (let round = 0; round < OPEN_ROUNDS; round++) {
      for (const path of paths) {
        const fd = openSync(path, "r");
        readSync(fd, tail, 0, tail.length, Math.max(0, fstatSync(fd).size - tail.length));
        closeSync(fd);
      }
    }
  });
  report("audit_open", { value: (OPEN_ROUNDS * frozenKeyCount) / openSeconds, floor: (OPEN_ROUNDS * frozenKeyCount) / openFloorSeconds, unit: "keys/s" });
  const megabytes = paths.reduce((total, path) => total + statSync(path).size, 0) / 1e6;
  const scrubSeconds = bestSeconds(() => {
    if (checkFrozenFiles(fixture.layout, snapshot, { missingPaths: new Set(), scrub: "all" }).violations.length > 0) throw new Error("bench: scrub found damage");
  });
  const crcFloorSeconds = bestSeconds(() => {
    for (const path of paths) crc32c(readFileSync(path));
  });
  report("audit_scrub", { value: megabytes / scrubSeconds, floor: megabytes / crcFloorSeconds, unit: "MB/s" });
} finally {
  removeStoreFixture(fixture);
}

/** The hot figures: chunk 1 live in a ready hot DB of HOT_LEDGERS mixed ledgers, read through [hot, cold]. */
function benchHotReads(catalog: Catalog, context: { floor: RetentionFloor; networkId: Uint8Array }): void {
  const synth = new LedgerSynth({ seed: 78, profile: "mixed", networkPassphrase: TEST_PASSPHRASE });
  const hotLedgers = Array.from({ length: HOT_LEDGERS }, (_, index) => synth.generate((chunkFirstLedger(HOT_CHUNK) + index) as LedgerSeq).lcm);
  ingestHotChunk(fixture, HOT_CHUNK, hotLedgers);
  const hotHashes = hotLedgers.flatMap((lcm) => walkLedger(lcm).transactions.map((tx) => lcm.slice(tx.hashOffset, tx.hashOffset + 32)));
  const probes = spread(hotHashes, TX_PROBES);
  const ledgerSeqs = spread(
    hotLedgers.map((_, index) => (chunkFirstLedger(HOT_CHUNK) + index) as LedgerSeq),
    LEDGER_READS,
  );
  const tiers = [openHotTier(catalog), openColdTier(catalog)];
  const db = openHotChunkDbReadOnly(fixture.layout.hotDbDir(HOT_CHUNK), { chunkId: HOT_CHUNK });
  try {
    const getTxSeconds = bestSeconds(() => {
      for (const hash of probes) if (findTransaction(tiers, hash, context) === undefined) throw new Error("bench: a known hot tx was not found");
    });
    const getFloorSeconds = bestSeconds(() => {
      for (const hash of probes) db.ledger(db.txLedgerSeq(hash)!);
    });
    report("read_get_tx_hot", { value: TX_PROBES / getTxSeconds, floor: TX_PROBES / getFloorSeconds, unit: "lookups/s" });
    const getLedgerSeconds = bestSeconds(() => {
      for (const ledgerSeq of ledgerSeqs) readLedger(tiers, ledgerSeq, context.floor);
    });
    const ledgerFloorSeconds = bestSeconds(() => {
      for (const ledgerSeq of ledgerSeqs) db.ledger(ledgerSeq);
    });
    report("read_get_ledger_hot", { value: LEDGER_READS / getLedgerSeconds, floor: LEDGER_READS / ledgerFloorSeconds, unit: "ledgers/s" });
  } finally {
    db.close();
    for (const tier of tiers) tier.close();
  }
}
