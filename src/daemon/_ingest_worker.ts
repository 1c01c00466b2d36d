/**
 * Entry point of the ingestion loop's Worker (`_ingest_worker_loop.ts`, `docs/ingestion.md`): it
 * opens the lake with `openLakeSource` from the plain options the main thread sends, and fetches
 * and prepares each ledger's hot-DB batch on the second core while the main thread blocks in the
 * synced commit of the previous one (reference §7.11).
 *
 * The Worker runs at a higher nice value than the committer: it works ahead, in the committer's
 * slack, so when both are runnable the commit should get the core (docs/ingestion.md "Measured").
 *
 * `bun build --compile` must list this file as an extra entrypoint (the Makefile's `build:` line);
 * `_ingest_pipeline.ts` finds it in the binary.
 * @module
 */

import { lowerCallingThreadPriority } from "../../ffi/libc.ts";
import { openLakeSource } from "../lake/open_lake_source.ts";
import { serveIngestWorker } from "./_ingest_worker_loop.ts";

declare const self: Worker;

/** Nice +10 (0 → 10: the kernel's weight 1024 → 110), so the committer wins a contended core ~9:1. */
const PREPARE_NICE_INCREMENT = 10;

lowerCallingThreadPriority(PREPARE_NICE_INCREMENT);
serveIngestWorker(self, { openSource: openLakeSource });
