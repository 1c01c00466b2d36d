/**
 * The lake as a `LedgerSource` (reference §9.2 "Datastore source"; lake-and-xdr §1): Galexie/SDK
 * objects read through an `ObjectStore`, prefetched and retried per `[backfill.bsb]` (D3).
 *
 * Opening reads `.config.json` (when present) and checks the network before anything else;
 * the schema comes from the manifest, else from config (`datastore_manifest.ts`).
 * Tip discovery never lists the lake: keys sort newest first, so the first object of the first
 * partition (two listing calls of one page each) names the newest ledger, as the SDK's
 * `FindLatestLedgerSequence` does. That look also learns the extension (`zst` or older `zstd`).
 * @module
 */

import { assert } from "../assert.ts";
import { FIRST_LEDGER_SEQ, type LedgerSeq } from "../geometry/chunk.ts";
import { type ConfiguredSchema, MANIFEST_KEY, parseManifest, resolveSchema } from "./datastore_manifest.ts";
import {
  batchRangeOf,
  type DatastoreSchema,
  isPartitionName,
  type ObjectExtension,
  objectKeyOf,
  parseObjectName,
} from "./datastore_schema.ts";
import { type DecodedObject, decodeLakeObject } from "./decode_lake_object.ts";
import { LakeMissingObjectError, LakeNotReadyError, LakeUnavailableError, TransientStoreError } from "./lake_errors.ts";
import { type LedgerRange, type LedgerSource, type SourceCallOptions } from "./ledger_source.ts";
import { LIST_PAGE_NAMES_MAX, type ObjectStore } from "./object_store.ts";
import { assertPrefetchOptions, type PrefetchOptions, prefetchOrdered } from "./prefetch_ordered.ts";

/** What a datastore source needs besides its store: plain values, not the config (testable alone). */
export interface DatastoreSourceOptions {
  /** `[ingestion] network_passphrase`: must equal the manifest's. */
  readonly networkPassphrase: string;
  /** `[backfill.datastore] schema.*`, used only when the lake has no manifest. */
  readonly schema: ConfiguredSchema;
  /** `[backfill.bsb]`: per-stream prefetch bounds and retries. */
  readonly prefetch: Omit<PrefetchOptions, "signal">;
  /** What the store is, for `description` (`Filesystem`, `S3`). */
  readonly storeKind: string;
}

/** Partitions looked at when the newest is empty (a writer made its directory but no file yet). */
const TIP_PARTITIONS_MAX = 2;

/** Reads the manifest, checks the network, and returns the source. */
export async function openDatastoreSource(store: ObjectStore, options: DatastoreSourceOptions): Promise<LedgerSource> {
  assertPrefetchOptions(options.prefetch);
  const manifestBytes = await fetchOne(store, MANIFEST_KEY, options.prefetch);
  const manifestLocation = store.locate(MANIFEST_KEY);
  const manifest = manifestBytes === undefined ? undefined : parseManifest(manifestBytes, manifestLocation);
  const resolved = resolveSchema(manifest, {
    location: store.locate(""),
    networkPassphrase: options.networkPassphrase,
    configured: options.schema,
  });
  const schema: DatastoreSchema = {
    ledgersPerFile: resolved.ledgersPerFile,
    filesPerPartition: resolved.filesPerPartition,
    fileExtension: "zst",
  };
  const source = new DatastoreSource(store, { schema, prefetch: options.prefetch, storeKind: options.storeKind });
  // Learn the extension now when the lake has objects; an empty lake keeps "zst" until a tip look.
  await source.networkTip().catch((err: unknown) => {
    if (!(err instanceof LakeNotReadyError)) throw err; // an empty lake is fine to open
  });
  return source;
}

class DatastoreSource implements LedgerSource {
  readonly description: string;
  readonly #store: ObjectStore;
  #schema: DatastoreSchema;
  readonly #prefetch: Omit<PrefetchOptions, "signal">;
  /** The last object `ledger()` decoded: the live tail reads a multi-ledger object once. */
  #lastObject: { key: string; decoded: DecodedObject } | undefined;

  constructor(store: ObjectStore, options: { schema: DatastoreSchema; prefetch: Omit<PrefetchOptions, "signal">; storeKind: string }) {
    this.#store = store;
    this.#schema = options.schema;
    this.#prefetch = options.prefetch;
    this.description = `${options.storeKind} lake "${store.locate("")}"`;
  }

  async networkTip(options: SourceCallOptions = {}): Promise<LedgerSeq> {
    options.signal?.throwIfAborted();
    let newest;
    try {
      newest = await this.#newestObject();
    } catch (err) {
      if (!(err instanceof TransientStoreError)) throw err;
      throw new LakeUnavailableError(`Cannot sample the tip of ${this.description}: ${err.message}`, { cause: err });
    }
    if (newest === undefined) {
      throw new LakeNotReadyError(`${this.description} holds no ledger objects yet; wait for Galexie to export some`);
    }
    this.#schema = { ...this.#schema, fileExtension: newest.extension };
    if (newest.range.last < FIRST_LEDGER_SEQ) {
      throw new LakeNotReadyError(
        `${this.description}: tip ${newest.range.last} is below genesis ${FIRST_LEDGER_SEQ}, the lake is not ready`,
      );
    }
    return newest.range.last;
  }

  async *ledgers(range: LedgerRange, options: SourceCallOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    assert(range.first >= FIRST_LEDGER_SEQ, `range starts at ${range.first}, below genesis`);
    assert(range.first <= range.last, `range [${range.first}, ${range.last}] is reversed`);
    const { ledgersPerFile } = this.#schema;
    const firstBatchStart = batchRangeOf(this.#schema, range.first).first;
    const objectCount = (batchRangeOf(this.#schema, range.last).first - firstBatchStart) / ledgersPerFile + 1;
    const batchStartAt = (index: number): LedgerSeq => (firstBatchStart + index * ledgersPerFile) as LedgerSeq;
    // The key is built once per object, by the fetch; the consumer takes it from there.
    const fetchAt = async (index: number): Promise<{ key: string; compressed: Uint8Array }> => {
      const key = objectKeyOf(this.#schema, batchStartAt(index));
      const compressed = await this.#store.get(key);
      if (compressed !== undefined) return { key, compressed };
      throw new LakeMissingObjectError(this.#store.locate(key), `needed for ledgers [${range.first}, ${range.last}]`);
    };
    let nextSeq: number = range.first;
    let index = 0;
    for await (const { key, compressed } of prefetchOrdered(objectCount, fetchAt, { ...this.#prefetch, signal: options.signal })) {
      const decoded = this.#decode({ key, keyRange: batchRangeOf(this.#schema, batchStartAt(index)) }, compressed);
      index++;
      const lastInObject = decoded.firstSeq + decoded.ledgers.length - 1;
      // decodeLakeObject proved the object is exactly its key's batch, so ranges chain (§1.2).
      assert(decoded.firstSeq <= nextSeq, `object ${index - 1} starts at ${decoded.firstSeq}, after ${nextSeq}`);
      for (; nextSeq <= Math.min(lastInObject, range.last); nextSeq++) {
        options.signal?.throwIfAborted();
        yield decoded.ledgers[nextSeq - decoded.firstSeq]!;
      }
    }
    assert(nextSeq === range.last + 1, `stream ended at ${nextSeq - 1}, want ${range.last}`);
  }

  async ledger(ledgerSeq: LedgerSeq, options: SourceCallOptions = {}): Promise<Uint8Array | undefined> {
    assert(ledgerSeq >= FIRST_LEDGER_SEQ, `ledger ${ledgerSeq} is below genesis`);
    const key = objectKeyOf(this.#schema, ledgerSeq);
    let decoded = this.#lastObject?.key === key ? this.#lastObject.decoded : undefined;
    if (decoded === undefined) {
      const compressed = await fetchOne(this.#store, key, { ...this.#prefetch, signal: options.signal });
      if (compressed === undefined) return undefined;
      decoded = this.#decode({ key, keyRange: batchRangeOf(this.#schema, ledgerSeq) }, compressed);
      this.#lastObject = { key, decoded };
    }
    const ledger = decoded.ledgers[ledgerSeq - decoded.firstSeq];
    assert(ledger !== undefined, `object "${key}" decoded without ledger ${ledgerSeq}`);
    return ledger;
  }

  /**
   * Decodes the object `key`; `keyRange` is the range its name promises, `batchRangeOf` of the
   * ledger `objectKeyOf` built the key from (the same numbers, without parsing the name back).
   */
  #decode(object: { key: string; keyRange: LedgerRange }, compressed: Uint8Array): DecodedObject {
    return decodeLakeObject(compressed, { location: this.#store.locate(object.key), keyRange: object.keyRange });
  }

  /** The newest object's range and extension, or undefined when the lake has none. */
  async #newestObject(): Promise<{ range: LedgerRange; extension: ObjectExtension } | undefined> {
    const rootNames = await this.#store.listChildren("", LIST_PAGE_NAMES_MAX);
    if (this.#schema.filesPerPartition === 1) return firstObjectIn(rootNames);
    const partitions = rootNames.filter((name) => name.endsWith("/") && isPartitionName(name.slice(0, -1)));
    for (const partition of partitions.slice(0, TIP_PARTITIONS_MAX)) {
      const newest = firstObjectIn(await this.#store.listChildren(partition, LIST_PAGE_NAMES_MAX));
      if (newest !== undefined) return newest;
    }
    return undefined;
  }
}

function firstObjectIn(names: readonly string[]): { range: LedgerRange; extension: ObjectExtension } | undefined {
  for (const name of names) {
    const parsed = parseObjectName(name);
    if (parsed !== undefined) return parsed;
  }
  return undefined;
}

/** One object through the same retry discipline as a stream, or undefined when it is absent. */
async function fetchOne(
  store: ObjectStore,
  key: string,
  prefetch: Omit<PrefetchOptions, "signal"> & { signal?: AbortSignal | undefined },
): Promise<Uint8Array | undefined> {
  const fetched = prefetchOrdered(1, () => store.get(key), { ...prefetch, bufferSize: 1, workerCount: 1 });
  for await (const bytes of fetched) return bytes;
  assert(false, "a one-item prefetch yielded nothing");
}
