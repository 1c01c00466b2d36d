/**
 * The catalog handle (reference §2, §8.10; D2): a small RocksDB, default column family only, string
 * keys and string values, every write synced. It records which file is in which state; progress
 * is never stored in it but derived from it (reference §7.8).
 *
 * Everything else in `src/catalog` is a function over a `Catalog`: typed reads (`artifact_reads`,
 * `coverage_reads`, `hot_reads`, `earliest_ledger`), the one-write protocol (`write_protocol`), the
 * two deletion bodies (`sweeps`, `window_sweep`) and the hot-DB bracket (`hot_bracket`). Callers never
 * touch RocksDB; `Catalog.db` is for files in this folder only.
 *
 * A read-only catalog (status, get-tx while the daemon runs) takes no RocksDB LOCK and sees the
 * data as of open time (bun-ffi.md §5.1); writing through it is a bug.
 * @module
 */

import { type Db, closeDb, openDb, RocksDbError } from "../../ffi/rocksdb.ts";
import { FullhistoryError } from "../errors.ts";
import { type Layout } from "../geometry/layout.ts";

/** An open catalog over one storage layout. */
export interface Catalog {
  /** The one key ↔ path map (and window size) every key in this catalog is interpreted with. */
  readonly layout: Layout;
  /** Opened without the RocksDB LOCK; every write asserts this is false. */
  readonly readOnly: boolean;
  /** The RocksDB handle. Only `src/catalog/*` uses it. */
  readonly db: Db;
}

/** The catalog RocksDB could not be opened. The message names the directory and what to do. */
export class CatalogOpenError extends FullhistoryError {
  override name = "CatalogOpenError";
}

/**
 * Opens the catalog at `layout.catalogDbDir()`. Read-write creates it when missing (the directory's
 * own entry was made durable when its root was locked, reference §5.8); read-only never creates.
 */
export function openCatalog(layout: Layout, options: { readOnly: boolean }): Catalog {
  const dir = layout.catalogDbDir();
  try {
    const db = openDb(dir, { createIfMissing: !options.readOnly, readOnly: options.readOnly, profile: "catalog" });
    return { layout, readOnly: options.readOnly, db };
  } catch (err) {
    if (!(err instanceof RocksDbError)) throw err;
    const remedy = options.readOnly
      ? "check [storage] catalog points at a data dir the daemon has written"
      : "check [storage] catalog, its permissions and free space, then restart";
    // err.detail, not err.message: the message repeats "Cannot open … (RocksDB dir)"; err stays the cause.
    throw new CatalogOpenError(`Cannot open catalog "${dir}": ${err.detail}; ${remedy}`, { cause: err });
  }
}

/** Closes the catalog (idempotent). RocksDB flushes on close; the synced WAL already holds every write. */
export function closeCatalog(catalog: Catalog): void {
  closeDb(catalog.db);
}
