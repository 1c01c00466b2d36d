/**
 * The production `HotProbe` (reference §7.8): opens a `ready` chunk's hot DB read-only (no RocksDB
 * LOCK, nothing written; startup runs before ingestion, so no writer holds it) and reads its max
 * committed ledger.
 * @module
 */

import { assert } from "../assert.ts";
import { type HotChunkDb, openHotChunkDbReadOnly } from "../hot/hot_chunk_db.ts";
import type { HotProbe } from "../catalog/last_committed.ts";

/** Reads a closed hot DB's frontier through `src/hot`. */
export function hotChunkProbe(): HotProbe<HotChunkDb> {
  return {
    opener: (chunkId) => ({
      open: (dir, options) => {
        assert(!options.create, `the startup probe never creates a hot DB (chunk ${chunkId})`);
        return openHotChunkDbReadOnly(dir, { chunkId });
      },
      close: (db) => db.close(),
    }),
    maxCommittedLedger: (db) => db.maxCommittedSeq(),
  };
}
