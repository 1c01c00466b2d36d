/**
 * The config schema (D3; reference §4.1 as changed by Appendix B): one zod schema that mirrors the
 * TOML file key for key (snake_case), strict at every level, with every default and bound. It is
 * the single source of truth: the TOML file, the `--section.key=value` flags (src/config/
 * _config_tree.ts walks this schema to derive them) and the docs all follow it, so they cannot
 * drift. Every leaf carries ONE "what is allowed" message, used whichever check failed.
 * @module
 */

import { availableParallelism } from "node:os";
import { z } from "zod";
import { DATASTORE_TYPES, LOG_FORMATS, LOG_LEVELS } from "./config.ts";
import { DURATION_FORMAT_HINT, formatDurationMs, parseDurationMs } from "./duration.ts";
import { EARLIEST_LEDGER_HINT, earliestLedgerAdvice, parseEarliestLedger } from "./earliest_ledger.ts";

const UINT32_MAX = 0xffff_ffff;
/** Bounds of pools and queues (style: everything has a limit). Documented in docs/configuration.md. */
const BACKFILL_WORKERS_MAX = 1024;
const RETRIES_MAX = 100;
const BSB_BUFFER_SIZE_MAX = 10_000;
const BSB_NUM_WORKERS_MAX = 256;
const RETRY_WAIT_MS_MAX = 3_600_000;
const POLL_INTERVAL_MS_MIN = 10;
const POLL_INTERVAL_MS_MAX = 600_000;
const PORT_MAX = 65_535;

/** `host:port`; host is a name, an IPv4 address or a bracketed IPv6 address. */
const HOST_PORT_RE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

function integerLeaf(bounds: { min: number; max: number; why: string }) {
  const allowed = `must be an integer ≥ ${bounds.min} and ≤ ${bounds.max} (${bounds.why})`;
  return z
    .number({ error: allowed })
    .int({ error: allowed })
    .min(bounds.min, { error: allowed })
    .max(bounds.max, { error: allowed });
}

function stringLeaf(allowed: string) {
  return z.string({ error: allowed }).min(1, { error: allowed });
}

function pathLeaf(what: string) {
  const allowed = `must be a non-empty path (${what}; absolute, or relative to the working directory)`;
  return stringLeaf(allowed).refine((path) => !path.includes("\0"), { error: allowed });
}

function enumLeaf<const Values extends readonly [string, ...string[]]>(values: Values) {
  return z.enum(values, { error: `must be one of ${values.map((value) => JSON.stringify(value)).join(", ")}` });
}

function durationLeaf(bounds: { minMs: number; maxMs: number; why: string }) {
  const allowed =
    `must be a duration from "${formatDurationMs(bounds.minMs)}" to "${formatDurationMs(bounds.maxMs)}" ` +
    `(${bounds.why}): ${DURATION_FORMAT_HINT}`;
  return z.string({ error: allowed }).transform((text, context) => {
    const durationMs = parseDurationMs(text);
    if (durationMs === undefined || durationMs < bounds.minMs || durationMs > bounds.maxMs) {
      context.addIssue({ code: "custom", message: allowed });
      return z.NEVER;
    }
    return durationMs;
  });
}

function hostPortIsValid(text: string): boolean {
  const match = HOST_PORT_RE.exec(text);
  if (match === null) return false;
  const port = Number(match[1]);
  return port >= 1 && port <= PORT_MAX;
}

function endpointLeaf(options: { offAllowed: boolean; what: string }) {
  const off = options.offAllowed ? '"" (off) or ' : "";
  const allowed = `must be ${off}host:port with a port from 1 to ${PORT_MAX}, e.g. "localhost:8000" or "0.0.0.0:8000" (${options.what})`;
  return z
    .string({ error: allowed })
    .refine((text) => (options.offAllowed && text === "") || hostPortIsValid(text), { error: allowed });
}

function earliestLedgerLeaf() {
  return z
    .string({
      error: (issue) =>
        typeof issue.input === "number" || typeof issue.input === "bigint"
          ? `must be a quoted string: write earliest_ledger = "${issue.input}"`
          : EARLIEST_LEDGER_HINT,
    })
    .transform((text, context) => {
      const earliestLedger = parseEarliestLedger(text);
      if (earliestLedger === undefined) {
        const advice = earliestLedgerAdvice(text);
        context.addIssue({ code: "custom", message: advice === undefined ? EARLIEST_LEDGER_HINT : `${EARLIEST_LEDGER_HINT} (${advice})` });
        return z.NEVER;
      }
      return earliestLedger;
    });
}

/** A section: unknown keys are errors; an absent section is `{}` so its defaults apply. */
function section<Shape extends z.ZodRawShape>(shape: Shape) {
  const schema = z.strictObject(shape);
  // `{}` is parsed, not returned, so each missing required key is still reported by its own dotted
  // name; zod types a prefault as a complete input, which an empty table is not.
  return schema.prefault({} as z.input<typeof schema>);
}

const storageSchema = section({
  default_data_dir: pathLeaf("required; roots left unset live under it"),
  catalog: pathLeaf("catalog RocksDB; default {default_data_dir}/catalog/rocksdb").optional(),
  ledgers: pathLeaf("ledger packs; default {default_data_dir}/ledgers").optional(),
  events: pathLeaf("events segments; default {default_data_dir}/events").optional(),
  txhash_raw: pathLeaf("tx-hash runs; default {default_data_dir}/txhash/raw").optional(),
  txhash_index: pathLeaf("tx-hash indexes; default {default_data_dir}/txhash/index").optional(),
  hot: pathLeaf("hot chunk RocksDBs; default {default_data_dir}/hot").optional(),
});

const retentionSchema = section({
  retention_chunks: integerLeaf({ min: 0, max: UINT32_MAX, why: "0 keeps full history" }).default(0),
  earliest_ledger: earliestLedgerLeaf().prefault("genesis"),
});

const datastoreSchema = section({
  type: enumLeaf(DATASTORE_TYPES),
  params: z.record(z.string(), z.string({ error: "must be a string" })).default({}),
  schema: section({
    ledgers_per_file: integerLeaf({ min: 1, max: UINT32_MAX, why: "only needed when the lake has no .config.json" }).optional(),
    files_per_partition: integerLeaf({ min: 1, max: UINT32_MAX, why: "only needed when the lake has no .config.json" }).optional(),
  }),
});

const bsbSchema = section({
  buffer_size: integerLeaf({ min: 1, max: BSB_BUFFER_SIZE_MAX, why: "lake objects downloaded ahead" }).default(100),
  num_workers: integerLeaf({ min: 1, max: BSB_NUM_WORKERS_MAX, why: "concurrent downloads, at most buffer_size" }).default(8),
  max_retries: integerLeaf({ min: 0, max: RETRIES_MAX, why: "0 tries each object once" }).default(3),
  retry_wait: durationLeaf({ minMs: 0, maxMs: RETRY_WAIT_MS_MAX, why: "pause before a download retry" }).prefault("5s"),
});

const backfillSchema = section({
  workers: integerLeaf({ min: 1, max: BACKFILL_WORKERS_MAX, why: "a zero pool deadlocks backfill" }).default(() =>
    Math.min(availableParallelism(), BACKFILL_WORKERS_MAX),
  ),
  max_retries: integerLeaf({ min: 0, max: RETRIES_MAX, why: "0 runs each chunk task once" }).default(3),
  datastore: datastoreSchema,
  bsb: bsbSchema,
});

const ingestionSchema = section({
  network_passphrase: stringLeaf(
    'must be the non-empty passphrase of the lake\'s network, e.g. "Public Global Stellar Network ; September 2015" (required)',
  ),
  poll_interval: durationLeaf({
    minMs: POLL_INTERVAL_MS_MIN,
    maxMs: POLL_INTERVAL_MS_MAX,
    why: "how often the lake tail polls for the next ledger",
  }).prefault("1s"),
});

const serviceSchema = section({
  endpoint: endpointLeaf({ offAllowed: false, what: "the JSON-RPC server" }).default("localhost:8000"),
  admin_endpoint: endpointLeaf({ offAllowed: true, what: "Prometheus /metrics" }).default(""),
});

const loggingSchema = section({
  level: enumLeaf(LOG_LEVELS).default("info"),
  format: enumLeaf(LOG_FORMATS).default("text"),
});

/** The whole TOML document. */
export const CONFIG_SCHEMA = z.strictObject({
  storage: storageSchema,
  retention: retentionSchema,
  backfill: backfillSchema,
  ingestion: ingestionSchema,
  service: serviceSchema,
  logging: loggingSchema,
});

/** The schema's output: the TOML document with defaults applied and durations in ms. */
export type ParsedToml = z.output<typeof CONFIG_SCHEMA>;
