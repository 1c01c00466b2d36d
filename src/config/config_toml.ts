/**
 * The resolved config as a TOML document (what `fullhistory check-config` prints): every key
 * written out with its effective value (defaults filled, roots absolute, durations normalized).
 * Feeding the output back as a config file yields the same `Config`, so an operator can diff it
 * against their file or keep it as a complete one.
 * @module
 */

import { stringify } from "smol-toml";
import type { Config } from "./config.ts";
import { formatDurationMs } from "./duration.ts";
import { formatEarliestLedger } from "./earliest_ledger.ts";
import { STORAGE_ROOT_KEYS } from "./storage_roots.ts";

function storageTable(config: Config): Record<string, string> {
  const { defaultDataDir, roots } = config.storage;
  const { catalog, ledgers, events, txhashRaw, txhashIndex, hot } = STORAGE_ROOT_KEYS;
  return {
    default_data_dir: defaultDataDir,
    [catalog.key]: roots.catalog,
    [ledgers.key]: roots.ledgers,
    [events.key]: roots.events,
    [txhashRaw.key]: roots.txhashRaw,
    [txhashIndex.key]: roots.txhashIndex,
    [hot.key]: roots.hot,
  };
}

function datastoreTable(config: Config): Record<string, unknown> {
  const { type, params, ledgersPerFile, filesPerPartition } = config.backfill.datastore;
  const schema: Record<string, number> = {};
  if (ledgersPerFile !== undefined) schema.ledgers_per_file = ledgersPerFile;
  if (filesPerPartition !== undefined) schema.files_per_partition = filesPerPartition;
  // An empty [backfill.datastore.schema] header says nothing; leave it out.
  return Object.keys(schema).length === 0 ? { type, params: { ...params } } : { type, params: { ...params }, schema };
}

/** `config` as TOML, sections in schema order. */
export function formatConfigToml(config: Config): string {
  const { retention, backfill, ingestion, service, logging } = config;
  return stringify({
    storage: storageTable(config),
    retention: {
      retention_chunks: retention.retentionChunks,
      earliest_ledger: formatEarliestLedger(retention.earliestLedger),
    },
    backfill: {
      workers: backfill.workerCount,
      max_retries: backfill.maxRetries,
      datastore: datastoreTable(config),
      bsb: {
        buffer_size: backfill.bsb.bufferObjectCount,
        num_workers: backfill.bsb.workerCount,
        max_retries: backfill.bsb.maxRetries,
        retry_wait: formatDurationMs(backfill.bsb.retryWaitMs),
      },
    },
    ingestion: { network_passphrase: ingestion.networkPassphrase, poll_interval: formatDurationMs(ingestion.pollIntervalMs) },
    service: { endpoint: service.endpoint, admin_endpoint: service.adminEndpoint ?? "" },
    logging: { level: logging.level, format: logging.format },
  });
}
