/**
 * The one race a reader in another process expects from a live writer (docs/ffi.md "Read-only
 * opens"; bun-ffi.md §5.1): a read-only RocksDB open reads CURRENT, then the MANIFEST, then the
 * WAL segments and table files it names. A writer that flushes a memtable or rolls its MANIFEST in
 * between deletes a file the open is about to read, and the open fails with "No such file or
 * directory" on an SST, WAL or MANIFEST name. The next open reads the new file set, so the open is
 * retried a few times with a short backoff; any other failure (and the race past the last attempt)
 * is reported as it is.
 *
 * Both read-only opens use it: the catalog (`src/cli/_open_read_only.ts`, the daemon writes it at
 * every step) and a hot chunk DB (`hot_tier.ts`, the ingestion loop writes the live one).
 * @module
 */

import { RocksDbError } from "../../ffi/rocksdb.ts";
import { CatalogOpenError } from "../catalog/catalog.ts";
import { HotDbOpenError } from "../hot/hot_errors.ts";

/** Read-only opens tried before the race is reported as the failure it then is. */
export const WRITER_RACE_ATTEMPTS_MAX = 5;
const RETRY_WAIT_MS_BASE = 20;
/** A RocksDB file a writer replaces: table files, WAL segments, the MANIFEST. */
const REPLACED_FILE_RE = /(\d{6}\.(sst|ldb|log)|MANIFEST-\d+)\b.*No such file or directory|No such file or directory.*(\d{6}\.(sst|ldb|log)|MANIFEST-\d+)/;

/** True for the open failure a live writer's flush or MANIFEST roll causes (see the module comment). */
export function isRacedByWriter(err: unknown): boolean {
  if (!(err instanceof CatalogOpenError) && !(err instanceof HotDbOpenError)) return false;
  if (!(err.cause instanceof RocksDbError)) return false;
  return REPLACED_FILE_RE.test(err.cause.detail);
}

/** How long to wait before attempt `attempt + 1` (40, 80, 160, 320 ms: about 0.6 s in all). */
export function writerRaceWaitMs(attempt: number): number {
  return RETRY_WAIT_MS_BASE << attempt;
}

/**
 * Runs `open`, retrying it while it fails with the writer race. Synchronous, so it sleeps
 * synchronously: the read tiers answer synchronously (`read_tier.ts`) and open their files lazily,
 * inside a read; the read commands are one-shot processes with nothing else to run meanwhile.
 */
export function openRacingWriterSync<T>(open: () => T): T {
  // Bounded: the last attempt rethrows whatever it met.
  for (let attempt = 1; ; attempt++) {
    try {
      return open();
    } catch (err) {
      if (attempt >= WRITER_RACE_ATTEMPTS_MAX || !isRacedByWriter(err)) throw err;
      Bun.sleepSync(writerRaceWaitMs(attempt));
    }
  }
}
