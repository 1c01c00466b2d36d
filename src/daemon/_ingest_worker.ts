/**
 * Entry point of the ingestion loop's Worker (`_ingest_worker_loop.ts`, `docs/ingestion.md`): it
 * opens the lake with `openLakeSource` from the plain options the main thread sends, and fetches
 * and prepares each ledger's hot-DB batch on the second core while the main thread blocks in the
 * synced commit of the previous one (reference §7.11).
 *
 * `bun build --compile` must list this file as an extra entrypoint (the Makefile's `build:` line);
 * `_ingest_pipeline.ts` finds it in the binary.
 * @module
 */

import { openLakeSource } from "../lake/open_lake_source.ts";
import { serveIngestWorker } from "./_ingest_worker_loop.ts";

declare const self: Worker;

serveIngestWorker(self, { openSource: openLakeSource });
