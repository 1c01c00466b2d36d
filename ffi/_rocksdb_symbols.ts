/**
 * The whole librocksdb C ABI fullhistory uses, as one `dlopen` table (style: "the whole C signature
 * table sits in one dlopen"). Signatures follow `rocksdb/c.h` of RocksDB 7.8 (D13); every function
 * here also exists, unchanged, in 8.x–10.x. Conventions (bun-ffi.md §2.2): opaque handles and
 * `char*` are `ptr`; `size_t` arguments are `usize` (a JS number is fine); no function returning a
 * 64-bit integer is used, so no BigInt comes back; `unsigned char` flags are `u8`.
 * @module
 */

import { type FFIFunction, type Library } from "bun:ffi";

export const ROCKSDB_SYMBOLS = {
  // Options (ownership: copied by open; destroyed right after it, see rocksdb.ts openDb)
  rocksdb_options_create: { args: [], returns: "ptr" },
  rocksdb_options_destroy: { args: ["ptr"], returns: "void" },
  rocksdb_options_set_create_if_missing: { args: ["ptr", "u8"], returns: "void" },
  rocksdb_options_set_create_missing_column_families: { args: ["ptr", "u8"], returns: "void" },
  rocksdb_options_set_write_buffer_size: { args: ["ptr", "usize"], returns: "void" },
  rocksdb_options_set_max_write_buffer_number: { args: ["ptr", "i32"], returns: "void" },
  rocksdb_options_set_min_write_buffer_number_to_merge: { args: ["ptr", "i32"], returns: "void" },
  rocksdb_options_set_level0_file_num_compaction_trigger: { args: ["ptr", "i32"], returns: "void" },
  rocksdb_options_set_level0_slowdown_writes_trigger: { args: ["ptr", "i32"], returns: "void" },
  rocksdb_options_set_level0_stop_writes_trigger: { args: ["ptr", "i32"], returns: "void" },
  rocksdb_options_set_disable_auto_compactions: { args: ["ptr", "i32"], returns: "void" },
  rocksdb_options_set_target_file_size_base: { args: ["ptr", "u64"], returns: "void" },
  rocksdb_options_set_target_file_size_multiplier: { args: ["ptr", "i32"], returns: "void" },
  rocksdb_options_set_max_bytes_for_level_base: { args: ["ptr", "u64"], returns: "void" },
  rocksdb_options_set_max_bytes_for_level_multiplier: { args: ["ptr", "f64"], returns: "void" },
  rocksdb_options_set_max_background_jobs: { args: ["ptr", "i32"], returns: "void" },
  rocksdb_options_set_max_open_files: { args: ["ptr", "i32"], returns: "void" },
  rocksdb_options_set_max_total_wal_size: { args: ["ptr", "u64"], returns: "void" },
  rocksdb_options_set_compaction_style: { args: ["ptr", "i32"], returns: "void" },
  rocksdb_options_set_compression: { args: ["ptr", "i32"], returns: "void" },
  rocksdb_options_set_block_based_table_factory: { args: ["ptr", "ptr"], returns: "void" },
  rocksdb_block_based_options_create: { args: [], returns: "ptr" },
  rocksdb_block_based_options_destroy: { args: ["ptr"], returns: "void" },
  rocksdb_block_based_options_set_block_size: { args: ["ptr", "usize"], returns: "void" },
  rocksdb_block_based_options_set_block_cache: { args: ["ptr", "ptr"], returns: "void" },
  // Takes ownership of the policy: never destroy a policy handed to it.
  rocksdb_block_based_options_set_filter_policy: { args: ["ptr", "ptr"], returns: "void" },
  rocksdb_filterpolicy_create_bloom_full: { args: ["f64"], returns: "ptr" },
  rocksdb_cache_create_lru: { args: ["usize"], returns: "ptr" },
  // Frees the C wrapper only; tables already configured keep the cache alive (shared_ptr).
  rocksdb_cache_destroy: { args: ["ptr"], returns: "void" },
  rocksdb_readoptions_create: { args: [], returns: "ptr" },
  rocksdb_readoptions_destroy: { args: ["ptr"], returns: "void" },
  // Keeps the pointer, not a copy: the bound's bytes must outlive the iterator (bun-ffi.md §2.2).
  rocksdb_readoptions_set_iterate_upper_bound: { args: ["ptr", "ptr", "usize"], returns: "void" },
  rocksdb_readoptions_set_iterate_lower_bound: { args: ["ptr", "ptr", "usize"], returns: "void" },
  rocksdb_writeoptions_create: { args: [], returns: "ptr" },
  rocksdb_writeoptions_destroy: { args: ["ptr"], returns: "void" },
  rocksdb_writeoptions_set_sync: { args: ["ptr", "u8"], returns: "void" },
  rocksdb_flushoptions_create: { args: [], returns: "ptr" },
  rocksdb_flushoptions_destroy: { args: ["ptr"], returns: "void" },
  rocksdb_flushoptions_set_wait: { args: ["ptr", "u8"], returns: "void" },

  // Open / close / column families
  rocksdb_list_column_families: { args: ["ptr", "ptr", "ptr", "ptr"], returns: "ptr" },
  rocksdb_list_column_families_destroy: { args: ["ptr", "usize"], returns: "void" },
  rocksdb_open_column_families: {
    args: ["ptr", "ptr", "i32", "ptr", "ptr", "ptr", "ptr"],
    returns: "ptr",
  },
  rocksdb_open_for_read_only_column_families: {
    args: ["ptr", "ptr", "i32", "ptr", "ptr", "ptr", "u8", "ptr"],
    returns: "ptr",
  },
  rocksdb_column_family_handle_destroy: { args: ["ptr"], returns: "void" },
  rocksdb_column_family_handle_get_id: { args: ["ptr"], returns: "u32" },
  rocksdb_close: { args: ["ptr"], returns: "void" },
  rocksdb_flush_cf: { args: ["ptr", "ptr", "ptr", "ptr"], returns: "void" },

  // Point operations (all through a column family handle; "default" has one too)
  rocksdb_get_cf: { args: ["ptr", "ptr", "ptr", "ptr", "usize", "ptr", "ptr"], returns: "ptr" },
  rocksdb_put_cf: { args: ["ptr", "ptr", "ptr", "ptr", "usize", "ptr", "usize", "ptr"], returns: "void" },
  rocksdb_delete_cf: { args: ["ptr", "ptr", "ptr", "ptr", "usize", "ptr"], returns: "void" },
  rocksdb_free: { args: ["ptr"], returns: "void" },

  // Write batches
  rocksdb_writebatch_create: { args: [], returns: "ptr" },
  rocksdb_writebatch_create_from: { args: ["ptr", "usize"], returns: "ptr" },
  rocksdb_writebatch_destroy: { args: ["ptr"], returns: "void" },
  rocksdb_writebatch_count: { args: ["ptr"], returns: "i32" },
  rocksdb_writebatch_put: { args: ["ptr", "ptr", "usize", "ptr", "usize"], returns: "void" },
  rocksdb_writebatch_delete: { args: ["ptr", "ptr", "usize"], returns: "void" },
  rocksdb_writebatch_put_cf: { args: ["ptr", "ptr", "ptr", "usize", "ptr", "usize"], returns: "void" },
  rocksdb_writebatch_delete_cf: { args: ["ptr", "ptr", "ptr", "usize"], returns: "void" },
  rocksdb_write: { args: ["ptr", "ptr", "ptr", "ptr"], returns: "void" },

  // Iterators (key/value pointers are borrowed until the next move, bun-ffi.md §4)
  rocksdb_create_iterator_cf: { args: ["ptr", "ptr", "ptr"], returns: "ptr" },
  rocksdb_iter_destroy: { args: ["ptr"], returns: "void" },
  rocksdb_iter_valid: { args: ["ptr"], returns: "u8" },
  rocksdb_iter_seek_to_first: { args: ["ptr"], returns: "void" },
  rocksdb_iter_seek_to_last: { args: ["ptr"], returns: "void" },
  rocksdb_iter_seek: { args: ["ptr", "ptr", "usize"], returns: "void" },
  rocksdb_iter_next: { args: ["ptr"], returns: "void" },
  rocksdb_iter_prev: { args: ["ptr"], returns: "void" },
  rocksdb_iter_key: { args: ["ptr", "ptr"], returns: "ptr" },
  rocksdb_iter_value: { args: ["ptr", "ptr"], returns: "ptr" },
  rocksdb_iter_get_error: { args: ["ptr", "ptr"], returns: "void" },
} as const satisfies Record<string, FFIFunction>;

/** The callable symbols of a loaded librocksdb. */
export type RocksSymbols = Library<typeof ROCKSDB_SYMBOLS>["symbols"];
