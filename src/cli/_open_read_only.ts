/**
 * The shared start of the read-only commands (`get-tx`, `get-ledger`, `status`, `audit`): load the
 * config exactly as the daemon does (D3), build the one `Layout` (D1 windows), and open the
 * catalog READ-ONLY. A read-only RocksDB open takes no LOCK and no root `flock` is taken (D4 locks
 * belong to the writer), so these commands run beside a live daemon and see the catalog as of
 * their open (bun-ffi.md §5.1).
 *
 * One race is expected and retried: a read-only open that meets the daemon's compaction or flush
 * deleting a file it is about to read fails with "No such file or directory" on an SST, WAL or
 * MANIFEST file (docs/ffi.md "Read-only opens"). The next open reads the new file set.
 * @module
 */

import { RocksDbError } from "../../ffi/rocksdb.ts";
import { type Catalog, CatalogOpenError, closeCatalog, openCatalog } from "../catalog/catalog.ts";
import { parseConfigArgs } from "../config/config_args.ts";
import type { Config } from "../config/config.ts";
import { loadConfig } from "../config/load_config.ts";
import { Layout } from "../geometry/layout.ts";
import { WindowGeometry } from "../geometry/windows.ts";
import { openColdTier } from "../read/cold_tier.ts";
import type { ReadTier } from "../read/read_tier.ts";
import { type RetainedRange, retainedRange } from "../read/retained_range.ts";

/** Read-only opens tried before the race is reported as the failure it then is. */
export const CATALOG_OPEN_ATTEMPTS_MAX = 5;
const RETRY_WAIT_MS_BASE = 20;
/** A RocksDB file a writer replaces: table files, WAL segments, the MANIFEST. */
const REPLACED_FILE_RE = /(\d{6}\.(sst|ldb|log)|MANIFEST-\d+)\b.*No such file or directory|No such file or directory.*(\d{6}\.(sst|ldb|log)|MANIFEST-\d+)/;

/** A loaded config and its catalog, opened read-only. */
export interface ReadOnlyStore {
  readonly config: Config;
  readonly catalog: Catalog;
}

/**
 * Loads the config from `configArgv` (`--config FILE [--section.key=VALUE ...]`), opens the catalog
 * read-only, runs `use`, and closes the catalog whatever happens.
 */
export async function withReadOnlyStore<T>(configArgv: readonly string[], use: (store: ReadOnlyStore) => Promise<T> | T): Promise<T> {
  const { configPath, overrides } = parseConfigArgs(configArgv);
  const config = await loadConfig(configPath, { overrides });
  const catalog = await openCatalogReadOnly(new Layout(config.storage.roots, new WindowGeometry()));
  try {
    return await use({ config, catalog });
  } finally {
    closeCatalog(catalog);
  }
}

/** What a read command serves from: the read tiers (newest first) behind the retention gate. */
export interface StoreReads {
  readonly config: Config;
  readonly tiers: readonly ReadTier[];
  readonly retained: RetainedRange;
}

/** `withReadOnlyStore`, plus the read tiers (closed afterwards) and the retained range. */
export function withStoreReads<T>(configArgv: readonly string[], use: (reads: StoreReads) => T): Promise<T> {
  return withReadOnlyStore(configArgv, ({ config, catalog }) => {
    const retained = retainedRange(catalog, config.retention);
    const coldTier = openColdTier(catalog);
    try {
      return use({ config, tiers: [coldTier], retained });
    } finally {
      coldTier.close();
    }
  });
}

/** Opens the catalog read-only, retrying an open that raced the writer replacing a file. */
export async function openCatalogReadOnly(layout: Layout): Promise<Catalog> {
  // Bounded: the last attempt rethrows whatever it met.
  for (let attempt = 1; ; attempt++) {
    try {
      return openCatalog(layout, { readOnly: true });
    } catch (err) {
      if (attempt >= CATALOG_OPEN_ATTEMPTS_MAX || !isRacedByWriter(err)) throw err;
      await Bun.sleep(RETRY_WAIT_MS_BASE << attempt);
    }
  }
}

/** True for the open failure a live writer's compaction or flush causes (see the module comment). */
export function isRacedByWriter(err: unknown): boolean {
  if (!(err instanceof CatalogOpenError) || !(err.cause instanceof RocksDbError)) return false;
  return REPLACED_FILE_RE.test(err.cause.detail);
}
