/**
 * Child process for test/crash_points.test.ts: opens (or creates) the catalog under DATA_DIR and
 * runs the catalog scenario (test/support/catalog_scenario.ts) to the end. Started with
 * FULLHISTORY_CRASH_AT it dies by SIGKILL at that point; started without it, it is the
 * convergence pass. Prints "scenario complete" on success.
 *
 * Usage: bun test/support/crash_driver.ts DATA_DIR
 * @module
 */

import { closeCatalog, openCatalog } from "../../src/catalog/catalog.ts";
import { fixtureLayout } from "./catalog_fixture.ts";
import { runScenario, SCENARIO_CHUNKS_PER_WINDOW } from "./catalog_scenario.ts";

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error("usage: bun test/support/crash_driver.ts DATA_DIR");
const layout = fixtureLayout(dataDir, { chunksPerWindow: SCENARIO_CHUNKS_PER_WINDOW });
const catalog = openCatalog(layout, { readOnly: false });
try {
  runScenario(catalog);
} finally {
  closeCatalog(catalog);
}
console.log("scenario complete");
