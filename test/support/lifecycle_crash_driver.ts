/**
 * Child process for test/lifecycle_crash.test.ts: one `runLifecycle` over the store in DATA_DIR
 * (test/support/lifecycle_crash_scenario.ts), freezing from its hot DBs or the lake in LAKE_DIR.
 * Like the daemon's run, it derives all its work from the catalog, so the same command is the
 * crashing run (started with FULLHISTORY_CRASH_AT) and the convergence run. Prints "run complete".
 *
 * Usage: bun test/support/lifecycle_crash_driver.ts DATA_DIR LAKE_DIR
 * @module
 */

import { closeCatalog, openCatalog } from "../../src/catalog/catalog.ts";
import { runLifecycle } from "../../src/lifecycle/lifecycle_loop.ts";
import { lakeOptionsOf } from "./backfill_fixture.ts";
import { fixtureLayout } from "./catalog_fixture.ts";
import { lifecycleDepsOf } from "./lifecycle_fixture.ts";
import { LIFECYCLE_CRASH_CHUNKS_PER_WINDOW, LIFECYCLE_CRASH_RETENTION_CHUNKS } from "./lifecycle_crash_scenario.ts";

const [dataDir, lakeDir] = process.argv.slice(2);
if (dataDir === undefined || lakeDir === undefined) throw new Error("usage: bun test/support/lifecycle_crash_driver.ts DATA_DIR LAKE_DIR");
const catalog = openCatalog(fixtureLayout(dataDir, { chunksPerWindow: LIFECYCLE_CRASH_CHUNKS_PER_WINDOW }), { readOnly: false });
try {
  const deps = lifecycleDepsOf(catalog, { lake: lakeOptionsOf(lakeDir), retentionChunks: LIFECYCLE_CRASH_RETENTION_CHUNKS });
  await runLifecycle(deps, { signal: new AbortController().signal });
} finally {
  closeCatalog(catalog);
}
console.log("run complete");
