/**
 * Read-path and audit costs against their physical floor, measured in the same run on the same
 * store: one chunk of the `mixed` synthetic profile (10,000 ledgers, tens of txs each, fee bumps),
 * frozen and indexed with the real protocol, page-cache resident, one core. Best of two timings
 * (the machine is shared).
 *   read_get_tx      — verified `findTransaction` lookups/s over the cold tier (catalog snapshot,
 *                      `.idx` probe, pack read, walk, full-hash check, envelope pairing), vs the
 *                      bare probe + pack read + zstd decode of the same candidate ledgers.
 *   read_get_ledger  — `readLedger` ledgers/s through the tier (catalog point get, header seq
 *                      check), vs the bare pack read + zstd decode of the same ledgers.
 *   audit_scrub      — MB/s of the integrity scrub of every frozen file (`checkFrozenFiles`), vs
 *                      reading the same files once and CRC32C-ing every byte (the cheapest scrub).
 * Prints `bench <name>: <value> <unit> | floor <value> <unit> | ratio <value/floor>`.
 */

import { readFileSync, statSync } from "node:fs";
import { readCatalogSnapshot } from "../src/audit/catalog_snapshot.ts";
import { checkFrozenFiles } from "../src/audit/check_frozen_files.ts";
import { crc32c } from "../src/formats/crc32c.ts";
import { openLedgerPack } from "../src/formats/ledger_pack_reader.ts";
import { openTxhashIndex } from "../src/formats/txhash_index_reader.ts";
import { type ChunkId, type LedgerSeq, type WindowId, chunkFirstLedger, LEDGERS_PER_CHUNK } from "../src/geometry/chunk.ts";
import { ARTIFACT_KINDS } from "../src/geometry/keys.ts";
import { openColdTier } from "../src/read/cold_tier.ts";
import { findTransaction } from "../src/read/find_transaction.ts";
import { readLedger } from "../src/read/read_ledger.ts";
import { networkIdOf } from "../src/xdr/network_id.ts";
import { walkLedger } from "../src/xdr/walk_ledger.ts";
import {
  createStoreFixture,
  freezeChunksFromLake,
  freezeCoverage,
  lakeLedgers,
  removeStoreFixture,
  storeCatalog,
  TEST_PASSPHRASE,
} from "../test/support/read_store.ts";

const ATTEMPTS = 2;
const TX_PROBES = 3000;
const LEDGER_READS = 3000;
const CHUNK = 0 as ChunkId;
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
  const snapshot = readCatalogSnapshot(catalog);
  const paths = [...ARTIFACT_KINDS.flatMap((kind) => fixture.layout.artifactPaths(CHUNK, kind)), fixture.layout.indexPath(COVERAGE)];
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
