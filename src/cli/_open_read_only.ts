/**
 * The shared start of the read-only commands (`get-tx`, `get-ledger`, `status`, `audit`): load the
 * config exactly as the daemon does (D3), build the one `Layout` (D1 windows), and open the
 * catalog READ-ONLY. A read-only RocksDB open takes no LOCK and no root `flock` is taken (D4 locks
 * belong to the writer), so these commands run beside a live daemon and see the catalog as of
 * their open (bun-ffi.md §5.1).
 *
 * Two races with a live daemon are expected and retried:
 *   1. the catalog open meets the daemon replacing one of its files (`writer_race.ts`): the open
 *      is retried with a short backoff;
 *   2. (`withStoreReads`) a key the snapshot shows as visible names data the daemon has retired
 *      since (a pruned file, a discarded hot DB: `VisibleDataGoneError`, or the hot watermark
 *      probe's `HotVolumeLostError`): the whole read is redone ONCE on a fresh snapshot, where the
 *      key is gone and the data is read from where it moved. A second miss is damage, reported.
 * @module
 */

import { type Catalog, closeCatalog, openCatalog } from "../catalog/catalog.ts";
import { HotVolumeLostError } from "../catalog/hot_bracket.ts";
import { parseConfigArgs } from "../config/config_args.ts";
import type { Config } from "../config/config.ts";
import { loadConfig } from "../config/load_config.ts";
import { Layout } from "../geometry/layout.ts";
import { WindowGeometry } from "../geometry/windows.ts";
import { openColdTier } from "../read/cold_tier.ts";
import { openHotTier } from "../read/hot_tier.ts";
import type { ReadTier } from "../read/read_tier.ts";
import { type RetainedRange, retainedRange } from "../read/retained_range.ts";
import { VisibleDataGoneError } from "../read/visible_data_gone_error.ts";
import { isRacedByWriter, WRITER_RACE_ATTEMPTS_MAX, writerRaceWaitMs } from "../read/writer_race.ts";

/** Snapshots a read is tried on: the first, and one fresh one after a retired key (module step 2). */
export const SNAPSHOT_ATTEMPTS_MAX = 2;

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
  return withCatalog(await loadReadConfig(configArgv), use);
}

/** What a read command serves from: the read tiers (newest first) behind the retention gate. */
export interface StoreReads {
  readonly config: Config;
  readonly tiers: readonly ReadTier[];
  readonly retained: RetainedRange;
}

/**
 * `withReadOnlyStore`, plus the read tiers (hot, then cold; closed afterwards) and the retained
 * range up to the hot tier's real watermark. `use` runs again on a fresh snapshot when the first
 * one named retired data (module step 2), so it must not write anything before it returns.
 */
export async function withStoreReads<T>(configArgv: readonly string[], use: (reads: StoreReads) => T): Promise<T> {
  const config = await loadReadConfig(configArgv);
  // Bounded: the last attempt rethrows whatever it met.
  for (let attempt = 1; ; attempt++) {
    try {
      return await withCatalog(config, ({ catalog }) => readSnapshot(catalog, { config, use }));
    } catch (err) {
      if (attempt >= SNAPSHOT_ATTEMPTS_MAX || !isRetiredSinceSnapshot(err)) throw err;
    }
  }
}

function readSnapshot<T>(catalog: Catalog, context: { config: Config; use: (reads: StoreReads) => T }): T {
  const hotTier = openHotTier(catalog);
  const coldTier = openColdTier(catalog);
  try {
    const retained = retainedRange(catalog, { retentionChunks: context.config.retention.retentionChunks, probe: hotTier.probe() });
    return context.use({ config: context.config, tiers: [hotTier, coldTier], retained });
  } finally {
    hotTier.close();
    coldTier.close();
  }
}

/** Data a snapshot showed as visible is gone: retired by a running daemon since, or damage. */
function isRetiredSinceSnapshot(err: unknown): boolean {
  return err instanceof VisibleDataGoneError || err instanceof HotVolumeLostError;
}

async function loadReadConfig(configArgv: readonly string[]): Promise<Config> {
  const { configPath, overrides } = parseConfigArgs(configArgv);
  return loadConfig(configPath, { overrides });
}

async function withCatalog<T>(config: Config, use: (store: ReadOnlyStore) => Promise<T> | T): Promise<T> {
  const catalog = await openCatalogReadOnly(new Layout(config.storage.roots, new WindowGeometry()));
  try {
    return await use({ config, catalog });
  } finally {
    closeCatalog(catalog);
  }
}

/** Opens the catalog read-only, retrying an open that raced the writer replacing a file. */
export async function openCatalogReadOnly(layout: Layout): Promise<Catalog> {
  // Bounded: the last attempt rethrows whatever it met.
  for (let attempt = 1; ; attempt++) {
    try {
      return openCatalog(layout, { readOnly: true });
    } catch (err) {
      if (attempt >= WRITER_RACE_ATTEMPTS_MAX || !isRacedByWriter(err)) throw err;
      await Bun.sleep(writerRaceWaitMs(attempt));
    }
  }
}
