/**
 * The store test/lifecycle_crash.test.ts kills a lifecycle run in, and the constants its driver
 * (test/support/lifecycle_crash_driver.ts) shares. Windows of 2 chunks, `retention_chunks` = 2,
 * a 3-chunk sparse lake. Built once per test file, copied per case:
 *
 *   chunks 0, 1   frozen from the lake, terminal coverage [0, 1] (swept)
 *   index [0, 0]  `freezing` with a partial `.idx`: a rebuild that crashed before its commit
 *   hot 0         a leftover hot DB (empty), below the floor once chunk 2 is complete
 *   hot 2         closed and complete (10,000 ledgers): the chunk to freeze
 *   hot 3         the live chunk (empty)
 *
 * One run: snapshot (last complete chunk 2, floor chunk 1) → freeze chunk 2 from hot 2 and build
 * the rolling coverage [2, 2] → discard hot 0 (below the floor), then hot 2 (served by cold) →
 * prune index [0, 0] (debris), then chunk 0's ledgers and events (below the floor).
 * @module
 */

import { writeFileSync } from "node:fs";
import { runBackfill } from "../../src/backfill/run_backfill.ts";
import { closeCatalog, openCatalog } from "../../src/catalog/catalog.ts";
import { pinEarliestLedger } from "../../src/catalog/earliest_ledger.ts";
import { createIndexDir, markIndexFreezing } from "../../src/catalog/write_protocol.ts";
import { type ChunkId, FIRST_LEDGER_SEQ } from "../../src/geometry/chunk.ts";
import { chunkLedgersOf, testBackfillDeps } from "./backfill_fixture.ts";
import { coverageOf, fixtureLayout } from "./catalog_fixture.ts";
import { openLiveHotDb } from "./lifecycle_fixture.ts";
import type { LakeSourceOptions } from "../../src/lake/open_lake_source.ts";

export const LIFECYCLE_CRASH_CHUNKS_PER_WINDOW = 2;
export const LIFECYCLE_CRASH_RETENTION_CHUNKS = 2;
/** Chunks 0..2 in the lake. */
export const LIFECYCLE_CRASH_LAKE_CHUNKS = 3;

/** Builds the scenario's store (see the module comment) in `dataDir` from the lake. */
export async function buildLifecycleCrashStore(dataDir: string, lake: LakeSourceOptions): Promise<void> {
  const catalog = openCatalog(fixtureLayout(dataDir, { chunksPerWindow: LIFECYCLE_CRASH_CHUNKS_PER_WINDOW }), { readOnly: false });
  try {
    pinEarliestLedger(catalog, FIRST_LEDGER_SEQ);
    await runBackfill(testBackfillDeps(catalog, lake), { rangeStart: 0 as ChunkId, rangeEnd: 1 as ChunkId });
    const debris = coverageOf(0, 0, 0);
    markIndexFreezing(catalog, debris);
    createIndexDir(catalog, debris);
    writeFileSync(catalog.layout.indexPath(debris), "partial");
    openLiveHotDb(catalog, 0 as ChunkId, []).close();
    openLiveHotDb(catalog, 2 as ChunkId, await chunkLedgersOf(lake, 2 as ChunkId)).close();
    openLiveHotDb(catalog, 3 as ChunkId, []).close();
  } finally {
    closeCatalog(catalog);
  }
}
