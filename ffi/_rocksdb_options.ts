/**
 * RocksDB option sets per profile (reference §8.9, §8.10), built as C `rocksdb_options_t` objects
 * for one `open`. RocksDB copies options into the DB at open, so the caller destroys the whole set
 * right after `open` returns (success or failure); nothing here outlives the call.
 *
 * Ownership inside a set: a block-based table config is copied into each options' table factory,
 * the bloom policy is owned by the table config (never destroyed on its own), and the LRU cache is
 * a shared_ptr that the factories keep alive, so its C wrapper is destroyed as soon as it is set.
 * @module
 */

import { type Pointer } from "bun:ffi";
import { nonNullPointer } from "./_libc.ts";
import { type RocksSymbols } from "./_rocksdb_symbols.ts";

/** "catalog": RocksDB defaults (§8.10). "hot": the per-chunk hot DB tuning of §8.9. */
export type RocksProfile = "catalog" | "hot";

const MIB = 1024 * 1024;
const KIB = 1024;

// Reference §8.9, applied to every column family of a hot DB.
const HOT_WRITE_BUFFER_BYTES = 64 * MIB;
const HOT_WRITE_BUFFERS_MAX = 2;
const HOT_WRITE_BUFFERS_TO_MERGE_MIN = 1;
// Compaction is off for the chunk's short life; L0 files must never stall or stop writes.
const HOT_LEVEL0_TRIGGER_FILES = 999;
const HOT_TARGET_FILE_BYTES = 64 * MIB;
const HOT_TARGET_FILE_SIZE_MULTIPLIER = 1;
const HOT_LEVEL1_BYTES_MAX = 256 * MIB;
const HOT_LEVEL_BYTES_MULTIPLIER = 10;
const HOT_BACKGROUND_JOBS_MAX = 8;
const HOT_OPEN_FILES_MAX = 10_000;
const HOT_WAL_TOTAL_BYTES_MAX = 1024 * MIB;
// One LRU cache per hot DB, shared by its column families (§8.9 "shared LRU block cache").
const HOT_BLOCK_CACHE_BYTES = 512 * MIB;
const HOT_BLOOM_BITS_PER_KEY = 12;
const HOT_BLOCK_BYTES_DEFAULT = 4 * KIB;

// c.h enums.
const COMPACTION_STYLE_LEVEL = 0;
const COMPRESSION_NONE = 0;
const COMPRESSION_ZSTD = 7;

/** §8.9 per-CF overrides of the hot DB (events payloads compress well; index CFs use small blocks). */
const HOT_COLUMN_FAMILY_OVERRIDES: Readonly<Record<string, { compression: number; blockBytes: number }>> = {
  events_data: { compression: COMPRESSION_ZSTD, blockBytes: 32 * KIB },
  events_index: { compression: COMPRESSION_NONE, blockBytes: 4 * KIB },
  events_offsets: { compression: COMPRESSION_NONE, blockBytes: 4 * KIB },
};

/** The C options of one open: `dbOptions` for the DB, `columnFamilyOptions[i]` for CF i. */
export interface OpenOptionSet {
  readonly dbOptions: Pointer;
  readonly columnFamilyOptions: readonly Pointer[];
}

/** Creates the options for opening `columnFamilyNames` (in that order) under `profile`. */
export function createOpenOptions(
  R: RocksSymbols,
  options: { profile: RocksProfile; createIfMissing: boolean; columnFamilyNames: readonly string[] },
): OpenOptionSet {
  const dbOptions = createProfileOptions(R, { profile: options.profile, cache: null, columnFamilyName: "default" });
  R.rocksdb_options_set_create_if_missing(dbOptions, options.createIfMissing ? 1 : 0);
  R.rocksdb_options_set_create_missing_column_families(dbOptions, options.createIfMissing ? 1 : 0);
  if (options.profile === "catalog") {
    // §8.10: defaults everywhere; one options object serves the DB and every CF.
    return { dbOptions, columnFamilyOptions: options.columnFamilyNames.map(() => dbOptions) };
  }
  const cache = nonNullPointer(R.rocksdb_cache_create_lru(HOT_BLOCK_CACHE_BYTES), "rocksdb_cache_create_lru");
  try {
    const columnFamilyOptions = options.columnFamilyNames.map((columnFamilyName) =>
      createProfileOptions(R, { profile: "hot", cache, columnFamilyName }),
    );
    return { dbOptions, columnFamilyOptions };
  } finally {
    R.rocksdb_cache_destroy(cache); // the table factories hold the cache (shared_ptr)
  }
}

/** Destroys every distinct options object of a set exactly once. */
export function destroyOpenOptions(R: RocksSymbols, set: OpenOptionSet): void {
  const distinct = new Set<Pointer>([set.dbOptions, ...set.columnFamilyOptions]);
  for (const options of distinct) R.rocksdb_options_destroy(options);
}

function createProfileOptions(
  R: RocksSymbols,
  context: { profile: RocksProfile; cache: Pointer | null; columnFamilyName: string },
): Pointer {
  const options = nonNullPointer(R.rocksdb_options_create(), "rocksdb_options_create");
  switch (context.profile) {
    case "catalog":
      return options;
    case "hot":
      applyHotTuning(R, options, context);
      return options;
  }
}

function applyHotTuning(R: RocksSymbols, options: Pointer, context: { cache: Pointer | null; columnFamilyName: string }): void {
  const override = HOT_COLUMN_FAMILY_OVERRIDES[context.columnFamilyName];
  R.rocksdb_options_set_write_buffer_size(options, HOT_WRITE_BUFFER_BYTES);
  R.rocksdb_options_set_max_write_buffer_number(options, HOT_WRITE_BUFFERS_MAX);
  R.rocksdb_options_set_min_write_buffer_number_to_merge(options, HOT_WRITE_BUFFERS_TO_MERGE_MIN);
  R.rocksdb_options_set_level0_file_num_compaction_trigger(options, HOT_LEVEL0_TRIGGER_FILES);
  R.rocksdb_options_set_level0_slowdown_writes_trigger(options, HOT_LEVEL0_TRIGGER_FILES);
  R.rocksdb_options_set_level0_stop_writes_trigger(options, HOT_LEVEL0_TRIGGER_FILES);
  R.rocksdb_options_set_disable_auto_compactions(options, 1);
  R.rocksdb_options_set_compaction_style(options, COMPACTION_STYLE_LEVEL);
  R.rocksdb_options_set_target_file_size_base(options, HOT_TARGET_FILE_BYTES);
  R.rocksdb_options_set_target_file_size_multiplier(options, HOT_TARGET_FILE_SIZE_MULTIPLIER);
  R.rocksdb_options_set_max_bytes_for_level_base(options, HOT_LEVEL1_BYTES_MAX);
  R.rocksdb_options_set_max_bytes_for_level_multiplier(options, HOT_LEVEL_BYTES_MULTIPLIER);
  R.rocksdb_options_set_max_background_jobs(options, HOT_BACKGROUND_JOBS_MAX);
  R.rocksdb_options_set_max_open_files(options, HOT_OPEN_FILES_MAX);
  R.rocksdb_options_set_max_total_wal_size(options, HOT_WAL_TOTAL_BYTES_MAX);
  R.rocksdb_options_set_compression(options, override?.compression ?? COMPRESSION_NONE);
  if (context.cache === null) return; // DB-level options: no table factory needed
  const table = nonNullPointer(R.rocksdb_block_based_options_create(), "rocksdb_block_based_options_create");
  try {
    R.rocksdb_block_based_options_set_block_size(table, override?.blockBytes ?? HOT_BLOCK_BYTES_DEFAULT);
    R.rocksdb_block_based_options_set_block_cache(table, context.cache);
    const bloom = nonNullPointer(R.rocksdb_filterpolicy_create_bloom_full(HOT_BLOOM_BITS_PER_KEY), "rocksdb_filterpolicy_create_bloom_full");
    R.rocksdb_block_based_options_set_filter_policy(table, bloom); // the table config owns it now
    R.rocksdb_options_set_block_based_table_factory(options, table); // copies the config
  } finally {
    R.rocksdb_block_based_options_destroy(table);
  }
}
