/**
 * The loaded config (D3): a deeply frozen plain object with camelCase fields and units in names,
 * built only by `loadConfig` / `parseConfig` (src/config/load_config.ts) after every check passed.
 * Each section is its own interface so a module takes just the part it needs.
 * Every field ↔ TOML key ↔ flag is listed in docs/configuration.md.
 * @module
 */

import type { StorageRoots } from "../geometry/layout.ts";
import type { EarliestLedger } from "./earliest_ledger.ts";

/** `[logging] level` values (strict; reference §4.1 accepted any logrus level, we do not). */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `[logging] format` values (strict; the reference silently mapped unknown formats to text). */
export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** `[backfill.datastore] type` values: where the ledger lake lives. */
export const DATASTORE_TYPES = ["Filesystem", "S3"] as const;
export type DatastoreType = (typeof DATASTORE_TYPES)[number];

/** `[storage]`: every root absolute, distinct and not nested in another (D3, D4). */
export interface StorageConfig {
  /** `default_data_dir`, absolute: the parent of every root left at its default. */
  readonly defaultDataDir: string;
  /** The six roots, ready for `new Layout(roots, new WindowGeometry())`. */
  readonly roots: StorageRoots;
}

/** `[retention]` (reference §6). */
export interface RetentionConfig {
  /** `retention_chunks`: chunks kept below the tip; 0 keeps full history down to `earliestLedger`. */
  readonly retentionChunks: number;
  /** `earliest_ledger`, parsed; pinned in the catalog at first start. */
  readonly earliestLedger: EarliestLedger;
}

/** `[backfill.datastore]`: the ledger lake (lake-and-xdr.md). */
export interface DatastoreConfig {
  readonly type: DatastoreType;
  /** `params`: type-specific settings (e.g. `destination_path`), checked by the lake module. */
  readonly params: Readonly<Record<string, string>>;
  /** `schema.ledgers_per_file`; only needed when the lake has no `.config.json` manifest. */
  readonly ledgersPerFile: number | undefined;
  /** `schema.files_per_partition`; only needed when the lake has no `.config.json` manifest. */
  readonly filesPerPartition: number | undefined;
}

/** `[backfill.bsb]`: the download prefetcher in front of the lake. */
export interface BsbConfig {
  /** `buffer_size`: lake objects downloaded ahead of the consumer, at most. */
  readonly bufferObjectCount: number;
  /** `num_workers`: concurrent downloads; never more than `bufferObjectCount`. */
  readonly workerCount: number;
  /** `max_retries`: further attempts per object after the first fails. */
  readonly maxRetries: number;
  /** `retry_wait`: pause before each retry. */
  readonly retryWaitMs: number;
}

/** `[backfill]`. */
export interface BackfillConfig {
  /** `workers`: chunk builds run concurrently. */
  readonly workerCount: number;
  /** `max_retries`: further attempts per failed chunk task; 0 runs each once. */
  readonly maxRetries: number;
  readonly datastore: DatastoreConfig;
  readonly bsb: BsbConfig;
}

/** `[ingestion]`: the live source tails the lake (D12). */
export interface IngestionConfig {
  /** `network_passphrase`: must match the lake's manifest; hashes transaction envelopes. */
  readonly networkPassphrase: string;
  /** `poll_interval`: how often the lake tail looks for the next ledger object. */
  readonly pollIntervalMs: number;
}

/** `[service]`. */
export interface ServiceConfig {
  /** `endpoint`: host:port of the JSON-RPC server. */
  readonly endpoint: string;
  /** `admin_endpoint`: host:port of Prometheus `/metrics`; undefined when `""` (off). */
  readonly adminEndpoint: string | undefined;
}

/** `[logging]`. */
export interface LoggingConfig {
  readonly level: LogLevel;
  readonly format: LogFormat;
}

/** The whole config. */
export interface Config {
  readonly storage: StorageConfig;
  readonly retention: RetentionConfig;
  readonly backfill: BackfillConfig;
  readonly ingestion: IngestionConfig;
  readonly service: ServiceConfig;
  readonly logging: LoggingConfig;
}
