/**
 * Child process for test/backfill_crash.test.ts (and its compiled-binary check): two catch-up-like
 * passes of `runBackfill` over the lake in LAKE_DIR into the data dir DATA_DIR, with windows of
 * `BACKFILL_DRIVER_CHUNKS_PER_WINDOW` chunks so that terminal coverages, a rolled predecessor and
 * both sweeps happen:
 *
 *   pass 1: chunks [0, 0]  → chunk 0, non-terminal coverage [0, 0] of window 0
 *   pass 2: chunks [0, 2]  → chunk 1, terminal [0, 1] (demotes [0, 0] and the .bins of 0 and 1,
 *                            then sweeps them), chunk 2 and non-terminal [2, 2] of window 1
 *
 * Like the daemon, every pass derives its work from the catalog, so the same command is both the
 * crashing run (started with FULLHISTORY_CRASH_AT) and the convergence run. Prints "backfill
 * complete" on success.
 *
 * Usage: bun test/support/backfill_driver.ts DATA_DIR LAKE_DIR
 * @module
 */

import { closeCatalog, openCatalog } from "../../src/catalog/catalog.ts";
import { type ChunkId } from "../../src/geometry/chunk.ts";
import { runBackfill } from "../../src/backfill/run_backfill.ts";
import { fixtureLayout } from "./catalog_fixture.ts";
import { BACKFILL_DRIVER_CHUNKS_PER_WINDOW, BACKFILL_DRIVER_PASSES } from "./backfill_driver_plan.ts";
import { lakeOptionsOf, testBackfillDeps } from "./backfill_fixture.ts";

const [dataDir, lakeDir] = process.argv.slice(2);
if (dataDir === undefined || lakeDir === undefined) throw new Error("usage: bun test/support/backfill_driver.ts DATA_DIR LAKE_DIR");
const catalog = openCatalog(fixtureLayout(dataDir, { chunksPerWindow: BACKFILL_DRIVER_CHUNKS_PER_WINDOW }), { readOnly: false });
try {
  const deps = testBackfillDeps(catalog, lakeOptionsOf(lakeDir), { workerCount: 2 });
  for (const [rangeStart, rangeEnd] of BACKFILL_DRIVER_PASSES) {
    await runBackfill(deps, { rangeStart: rangeStart as ChunkId, rangeEnd: rangeEnd as ChunkId });
  }
} finally {
  closeCatalog(catalog);
}
console.log("backfill complete");
