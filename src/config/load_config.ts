/**
 * Loading the config (D3): read the ONE TOML file named by `--config`, lay the command-line flags
 * over it (flag beats file beats default), validate it against `CONFIG_SCHEMA`, resolve the storage
 * roots and return a deeply frozen `Config`. Every rejection is a `ConfigError` with a one-line
 * message. Loading reads the file and nothing else: a bad config changes nothing on disk, and no
 * environment variable is consulted.
 * @module
 */

import { constants as fsConstants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { parse, TomlError, type TomlTable } from "smol-toml";
import { errnoCode } from "../errors.ts";
import { datastoreParamsProblem } from "./datastore_params.ts";
import { configIssueMessage, describeValue } from "./_config_issue.ts";
import type { ConfigOverride } from "./config_args.ts";
import type { Config } from "./config.ts";
import { ConfigError } from "./config_error.ts";
import { CONFIG_SCHEMA, type ParsedToml } from "./config_schema.ts";
import { resolveStorageRoots } from "./storage_roots.ts";

/** The deepest table nesting the schema has is 4 ([backfill.datastore.schema] + a value). */
const TOML_DEPTH_MAX = 8;
/** A config file is a few KiB; anything far larger is the wrong file. */
const CONFIG_FILE_BYTES_MAX = 1 << 20;

export interface ConfigSourceOptions {
  /** Flags from `parseConfigArgs`; each replaces one leaf of the file. */
  readonly overrides?: readonly ConfigOverride[];
  /** Anchors relative storage paths; default `process.cwd()`. */
  readonly cwd?: string;
}

function parseToml(tomlText: string, configPath: string): TomlTable {
  try {
    // Options spelled out (style: pass library options explicitly): plain numbers (a lossy integer
    // is an error), no prototype-polluting keys, bounded nesting.
    return parse(tomlText, { integersAsBigInt: false, unsafeKeyBehaviour: "throw", maxDepth: TOML_DEPTH_MAX });
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const reason = err.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
    throw new ConfigError(`Cannot parse config "${configPath}": ${reason} at line ${err.line}, column ${err.column}`, { cause: err });
  }
}

/** Sets each override's leaf in `document`, creating tables on the way (flag beats file). */
function applyOverrides(document: TomlTable, overrides: readonly ConfigOverride[]): void {
  for (const override of overrides) {
    let table: Record<string, unknown> = document;
    for (const name of override.path.slice(0, -1)) {
      const next = table[name];
      if (typeof next !== "object" || next === null || Array.isArray(next)) table[name] = {};
      table = table[name] as Record<string, unknown>;
    }
    table[override.path.at(-1)!] = override.value;
  }
}

function checkBsb(parsed: ParsedToml): void {
  const { buffer_size: bufferSize, num_workers: numWorkers } = parsed.backfill.bsb;
  if (numWorkers > bufferSize) {
    throw new ConfigError(
      `Invalid config: backfill.bsb.num_workers = ${describeValue(numWorkers)} is more than backfill.bsb.buffer_size = ` +
        `${describeValue(bufferSize)}: each download needs a buffer slot; lower num_workers or raise buffer_size`,
    );
  }
}

/** The params the datastore type takes, checked here so a bad entry touches nothing on disk (D3). */
function checkDatastoreParams(parsed: ParsedToml): void {
  const problem = datastoreParamsProblem(parsed.backfill.datastore.type, parsed.backfill.datastore.params);
  if (problem !== undefined) throw new ConfigError(`Invalid config: ${problem}`);
}

function toConfig(parsed: ParsedToml, cwd: string): Config {
  const { backfill, ingestion, service, logging, retention } = parsed;
  const { datastore, bsb } = backfill;
  return Object.freeze({
    storage: resolveStorageRoots(parsed.storage, cwd),
    retention: Object.freeze({
      retentionChunks: retention.retention_chunks,
      earliestLedger: Object.freeze(retention.earliest_ledger),
    }),
    backfill: Object.freeze({
      workerCount: backfill.workers,
      maxRetries: backfill.max_retries,
      datastore: Object.freeze({
        type: datastore.type,
        params: Object.freeze({ ...datastore.params }),
        ledgersPerFile: datastore.schema.ledgers_per_file,
        filesPerPartition: datastore.schema.files_per_partition,
      }),
      bsb: Object.freeze({
        bufferObjectCount: bsb.buffer_size,
        workerCount: bsb.num_workers,
        maxRetries: bsb.max_retries,
        retryWaitMs: bsb.retry_wait,
      }),
    }),
    ingestion: Object.freeze({ networkPassphrase: ingestion.network_passphrase, pollIntervalMs: ingestion.poll_interval }),
    service: Object.freeze({
      endpoint: service.endpoint,
      adminEndpoint: service.admin_endpoint === "" ? undefined : service.admin_endpoint,
    }),
    logging: Object.freeze({ level: logging.level, format: logging.format }),
  });
}

/** Validates `tomlText` (the contents of `configPath`) with `options.overrides` laid over it. */
export function parseConfig(tomlText: string, options: ConfigSourceOptions & { configPath: string }): Config {
  const document = parseToml(tomlText, options.configPath);
  const overrides = options.overrides ?? [];
  applyOverrides(document, overrides);
  const result = CONFIG_SCHEMA.safeParse(document);
  if (!result.success) {
    const flagByPath = new Map(overrides.map((override) => [override.path.join("."), override.flag]));
    throw new ConfigError(configIssueMessage(result.error.issues, document, flagByPath));
  }
  checkBsb(result.data);
  checkDatastoreParams(result.data);
  return toConfig(result.data, options.cwd ?? process.cwd());
}

function decodeUtf8(bytes: Uint8Array, configPath: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    throw new ConfigError(`Cannot read config "${configPath}": not valid UTF-8`, { cause: err });
  }
}

/** The file's bytes; a missing, unreadable, special or oversized file is a `ConfigError`. */
async function readConfigFile(configPath: string): Promise<Uint8Array> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; the stat
    // below then rejects it. A regular file ignores the flag.
    handle = await open(configPath, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (err) {
    const code = errnoCode(err);
    if (code === undefined) throw err;
    const advice = code === "ENOENT" ? "no such file; pass --config with the path of your fullhistory.toml" : code;
    throw new ConfigError(`Cannot read config "${configPath}": ${advice}`, { cause: err });
  }
  try {
    // Size before reading: a device such as /dev/zero would otherwise be read forever.
    const stats = await handle.stat();
    if (!stats.isFile()) throw new ConfigError(`Cannot read config "${configPath}": not a regular file`);
    if (stats.size > CONFIG_FILE_BYTES_MAX) {
      throw new ConfigError(
        `Cannot read config "${configPath}": ${stats.size} bytes is more than a config file's ${CONFIG_FILE_BYTES_MAX}; is it the right file?`,
      );
    }
    return await handle.readFile();
  } catch (err) {
    const code = errnoCode(err);
    if (code === undefined) throw err;
    throw new ConfigError(`Cannot read config "${configPath}": ${code}`, { cause: err });
  } finally {
    await handle.close();
  }
}

/** Reads `configPath` and returns the validated config; see `parseConfig`. */
export async function loadConfig(configPath: string, options: ConfigSourceOptions = {}): Promise<Config> {
  const bytes = await readConfigFile(configPath);
  return parseConfig(decodeUtf8(bytes, configPath), { ...options, configPath });
}
