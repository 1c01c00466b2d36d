/**
 * String-key access to the catalog RocksDB, private to `src/catalog` (reference §2: default CF,
 * string keys and values, EVERY write synced, batches atomic). Every scan is bounded by the
 * caller's `maxEntries`: the key space is finite (uint32 chunks × three kinds), and a scan that
 * outgrows it means the catalog is not ours.
 * @module
 */

import {
  batchDelete,
  batchPut,
  createBatch,
  destroyBatch,
  get,
  RocksDbError,
  scanPrefix,
  scanRange,
  writeBatch,
} from "../../ffi/rocksdb.ts";
import { assert } from "../assert.ts";
import { FullhistoryError } from "../errors.ts";
import { CHUNKS_PER_WINDOW_MAX } from "../geometry/windows.ts";
import { type Catalog } from "./catalog.ts";

/** One write of a synced batch: a put, or a delete. */
export type CatalogWrite = { key: string; value: string } | { key: string; deleted: true };

/** A catalog write (synced batch) failed; nothing of the batch is applied (RocksDB atomicity). */
export class CatalogWriteError extends FullhistoryError {
  override name = "CatalogWriteError";
}

/** The most writes one batch may hold: a 1000-chunk window's demotions plus headroom. */
export const CATALOG_BATCH_WRITES_MAX = 16_384;

// commitIndex on a terminal coverage writes the coverage, its predecessor and one txhash key per chunk.
assert(CATALOG_BATCH_WRITES_MAX >= CHUNKS_PER_WINDOW_MAX + 2, "a terminal index commit must fit one catalog batch");

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The value of `key`, or undefined when absent (a miss is not an error, reference §11.1). */
export function readValue(catalog: Catalog, key: string): string | undefined {
  const bytes = get(catalog.db, encoder.encode(key));
  return bytes === undefined ? undefined : decoder.decode(bytes);
}

/** Every entry whose key starts with `prefix`, ascending; more than `maxEntries` is an InvariantError. */
export function* scanValues(
  catalog: Catalog,
  prefix: string,
  options: { maxEntries: number },
): Generator<{ key: string; value: string }> {
  let entryCount = 0;
  for (const entry of scanPrefix(catalog.db, encoder.encode(prefix))) {
    entryCount += 1;
    assert(entryCount <= options.maxEntries, `catalog scan "${prefix}" passed ${options.maxEntries} entries`);
    yield { key: decoder.decode(entry.key), value: decoder.decode(entry.value) };
  }
}

/** Every entry with fromKey ≤ key < toKeyExclusive, ascending; bounded like `scanValues`. */
export function* scanValuesInRange(
  catalog: Catalog,
  options: { fromKey: string; toKeyExclusive: string; maxEntries: number },
): Generator<{ key: string; value: string }> {
  assert(options.fromKey < options.toKeyExclusive, `catalog range ["${options.fromKey}", "${options.toKeyExclusive}") is empty`);
  let entryCount = 0;
  const range = { fromKey: encoder.encode(options.fromKey), toKeyExclusive: encoder.encode(options.toKeyExclusive) };
  for (const entry of scanRange(catalog.db, range)) {
    entryCount += 1;
    assert(entryCount <= options.maxEntries, `catalog range from "${options.fromKey}" passed ${options.maxEntries} entries`);
    yield { key: decoder.decode(entry.key), value: decoder.decode(entry.value) };
  }
}

/**
 * Applies `writes` as ONE atomic synced batch (reference §2). The batch is the unit of every
 * protocol step: a crash leaves all of it or none of it.
 */
export function writeSynced(catalog: Catalog, writes: readonly CatalogWrite[]): void {
  assert(!catalog.readOnly, "catalog write through a read-only handle");
  assert(writes.length >= 1, "catalog batch is empty");
  assert(writes.length <= CATALOG_BATCH_WRITES_MAX, `catalog batch of ${writes.length} writes exceeds ${CATALOG_BATCH_WRITES_MAX}`);
  const batch = createBatch();
  try {
    for (const write of writes) {
      if ("deleted" in write) batchDelete(batch, encoder.encode(write.key));
      else batchPut(batch, encoder.encode(write.key), encoder.encode(write.value));
    }
    writeBatch(catalog.db, batch, { sync: true });
  } catch (err) {
    if (!(err instanceof RocksDbError)) throw err;
    throw new CatalogWriteError(
      `Cannot write the catalog (${describeWrites(writes)}): ${err.detail}; ` +
        "check the catalog volume (space, errors) and restart: the step is redone from the keys",
      { cause: err },
    );
  } finally {
    destroyBatch(batch);
  }
}

function describeWrites(writes: readonly CatalogWrite[]): string {
  const first = writes[0]!;
  const firstText = "deleted" in first ? `delete "${first.key}"` : `"${first.key}" = "${first.value}"`;
  return writes.length === 1 ? firstText : `${firstText} and ${writes.length - 1} more in one batch`;
}
