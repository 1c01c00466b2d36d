import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseToml, stringify } from "smol-toml";
import type { LedgerSeq } from "../geometry/chunk.ts";
import type { ConfigOverride } from "./config_args.ts";
import { MINIMAL_CONFIG_TOML } from "./_test_documents.ts";
import { ConfigError } from "./config_error.ts";
import { loadConfig, parseConfig } from "./load_config.ts";

const MINIMAL = MINIMAL_CONFIG_TOML;

// Every key set to a non-default value (TestParseConfig_FullDocument).
const FULL = `
[storage]
default_data_dir = "/srv/fh"
catalog = "/mnt/a/catalog"
ledgers = "/mnt/b/ledgers"
events = "/mnt/c/events"
txhash_raw = "/mnt/d/raw"
txhash_index = "/mnt/d/index"
hot = "/mnt/e/hot"

[retention]
retention_chunks = 100
earliest_ledger = "now"

[backfill]
workers = 8
max_retries = 5

[backfill.datastore]
type = "S3"
params = { destination_bucket_path = "bucket/ledgers", region = "us-east-1" }
schema = { ledgers_per_file = 64, files_per_partition = 10 }

[backfill.bsb]
buffer_size = 200
num_workers = 16
max_retries = 4
retry_wait = "250ms"

[ingestion]
network_passphrase = "Public Global Stellar Network ; September 2015"
poll_interval = "2s"

[service]
endpoint = "0.0.0.0:8001"
admin_endpoint = "localhost:6061"

[logging]
level = "debug"
format = "json"
`;

/** MINIMAL with `patch` merged in, table by table; a non-table patch value replaces the table. */
function minimalWith(patch: Record<string, unknown>): string {
  const merge = (base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> => {
    const merged = { ...base };
    for (const [key, value] of Object.entries(extra)) {
      const current = merged[key];
      const bothTables = typeof value === "object" && value !== null && typeof current === "object" && current !== null;
      merged[key] = bothTables ? merge(current as Record<string, unknown>, value as Record<string, unknown>) : value;
    }
    return merged;
  };
  return stringify(merge(parseToml(MINIMAL), patch));
}

function parse(text: string, overrides: readonly ConfigOverride[] = []) {
  return parseConfig(text, { configPath: "test.toml", cwd: "/work", overrides });
}

/** The message `parse(text)` rejects with; fails the test if it is accepted or throws anything else. */
function rejection(text: string, overrides: readonly ConfigOverride[] = []): string {
  try {
    parse(text, overrides);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as ConfigError).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("config was accepted");
}

describe("parseConfig() accepts valid documents", () => {
  test("every field of the full document is read (TestParseConfig_FullDocument)", () => {
    expect(parse(FULL)).toEqual({
      storage: {
        defaultDataDir: "/srv/fh",
        roots: {
          catalog: "/mnt/a/catalog",
          ledgers: "/mnt/b/ledgers",
          events: "/mnt/c/events",
          txhashRaw: "/mnt/d/raw",
          txhashIndex: "/mnt/d/index",
          hot: "/mnt/e/hot",
        },
      },
      retention: { retentionChunks: 100, earliestLedger: { kind: "now" } },
      backfill: {
        workerCount: 8,
        maxRetries: 5,
        datastore: {
          type: "S3",
          params: { destination_bucket_path: "bucket/ledgers", region: "us-east-1" },
          ledgersPerFile: 64,
          filesPerPartition: 10,
        },
        bsb: { bufferObjectCount: 200, workerCount: 16, maxRetries: 4, retryWaitMs: 250 },
      },
      ingestion: { networkPassphrase: "Public Global Stellar Network ; September 2015", pollIntervalMs: 2000 },
      service: { endpoint: "0.0.0.0:8001", adminEndpoint: "localhost:6061" },
      logging: { level: "debug", format: "json" },
    });
  });

  test("a minimal document gets every default (TestParseConfig_MinimalAppliesDefaults)", () => {
    const config = parse(MINIMAL);
    expect(config.storage.roots).toEqual({
      catalog: "/srv/fh/catalog/rocksdb",
      ledgers: "/srv/fh/ledgers",
      events: "/srv/fh/events",
      txhashRaw: "/srv/fh/txhash/raw",
      txhashIndex: "/srv/fh/txhash/index",
      hot: "/srv/fh/hot",
    });
    expect(config.retention).toEqual({ retentionChunks: 0, earliestLedger: { kind: "genesis" } });
    expect(config.backfill.workerCount).toBe(Math.min(availableParallelism(), 1024));
    expect(config.backfill.maxRetries).toBe(3);
    expect(config.backfill.datastore.ledgersPerFile).toBeUndefined();
    expect(config.backfill.datastore.filesPerPartition).toBeUndefined();
    expect(config.backfill.bsb).toEqual({ bufferObjectCount: 100, workerCount: 8, maxRetries: 3, retryWaitMs: 5000 });
    expect(config.ingestion.pollIntervalMs).toBe(1000);
    expect(config.service).toEqual({ endpoint: "localhost:8000", adminEndpoint: undefined });
    expect(config.logging).toEqual({ level: "info", format: "text" });
  });

  test("explicit zeros and the smallest pool are kept where allowed (TestParseConfig_ExplicitZeroPreserved, TestValidateConfig_AcceptsMaxCPIAndZeroRetries)", () => {
    const config = parse(minimalWith({ retention: { retention_chunks: 0 }, backfill: { workers: 1, max_retries: 0, bsb: { max_retries: 0, retry_wait: "0s" } } }));
    expect(config.retention.retentionChunks).toBe(0);
    expect(config.backfill.workerCount).toBe(1);
    expect(config.backfill.maxRetries).toBe(0);
    expect(config.backfill.bsb.maxRetries).toBe(0);
    expect(config.backfill.bsb.retryWaitMs).toBe(0);
  });

  test("a chunk-aligned earliest ledger string is parsed to its ledger", () => {
    expect(parse(`${MINIMAL}\n[retention]\nearliest_ledger = "30002"\n`).retention.earliestLedger).toEqual({
      kind: "ledger",
      ledgerSeq: 30_002 as LedgerSeq,
    });
  });

  test("the loaded config is deeply frozen", () => {
    const config = parse(FULL);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.storage.roots)).toBe(true);
    expect(Object.isFrozen(config.backfill.datastore.params)).toBe(true);
    expect(Object.isFrozen(config.backfill.bsb)).toBe(true);
    expect(Object.isFrozen(config.retention.earliestLedger)).toBe(true);
  });
});

describe("parseConfig() rejects, in one line naming the key, the value and what is allowed", () => {
  test("malformed TOML names the file, line and column (TestParseConfig_Malformed)", () => {
    expect(rejection("[storage]\ndefault_data_dir = \n")).toBe('Cannot parse config "test.toml": invalid value at line 2, column 20');
  });

  test.each([
    ["a typo'd key", MINIMAL.replace("[storage]", "[storage]\ndefault_dta_dir = 1"), "unknown key storage.default_dta_dir (did you mean storage.default_data_dir?)"],
    ["a typo'd earliest_ledger", `${MINIMAL}[retention]\nearliest_ledgr = "now"\n`, "unknown key retention.earliest_ledgr (did you mean retention.earliest_ledger?)"],
    ["an unknown top-level key", `top = 1\n${MINIMAL}`, "unknown key top (the file takes sections storage, retention, backfill, ingestion, service, logging)"],
    ["an unknown section", `${MINIMAL}[retension]\nretention_chunks = 1\n`, "unknown section [retension] (did you mean [retention]?)"],
    ["an unknown nested key", `${MINIMAL}[backfill.datastore.schema]\nledgers_per_fil = 1\n`, "unknown key backfill.datastore.schema.ledgers_per_fil (did you mean backfill.datastore.schema.ledgers_per_file?)"],
    ["a key in the wrong section", `${MINIMAL}[service]\nworkers = 2\n`, "unknown key service.workers (did you mean backfill.workers?)"],
    ["the reference's [layout] section", `${MINIMAL}[layout]\nchunks_per_txhash_index = 1000\n`, "unknown section [layout]: the tx-hash index window is fixed at 1000 chunks (README D1); remove the section"],
    ["the reference's [service] default_data_dir", `${MINIMAL}[service]\ndefault_data_dir = "/x"\n`, "unknown key service.default_data_dir: it moved: write default_data_dir under [storage]"],
    ["an unknown key with no near match", `${MINIMAL}[logging]\ncolour = true\n`, "unknown key logging.colour ([logging] takes level, format)"],
    ["a datastore param of the other type", MINIMAL.replace('type = "Filesystem"', 'type = "S3"'), 'unknown [backfill.datastore.params] key "destination_path" for type "S3": allowed are destination_bucket_path, region, endpoint_url, access_key_id, secret_access_key'],
    ["a missing datastore param", MINIMAL.replace('destination_path = "/lake"', 'destination_path = ""'), 'missing [backfill.datastore.params] destination_path: type "Filesystem" requires it'],
  ])("unknown keys: %s (TestParseConfig_RejectsUnknownKeys)", (_name, text, want) => {
    expect(rejection(text)).toBe(`Invalid config: ${want}`);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ["backfill.workers = 0", { backfill: { workers: 0 } }, "backfill.workers = 0: must be an integer ≥ 1 and ≤ 1024 (a zero pool deadlocks backfill)"],
    ["backfill.workers = -1", { backfill: { workers: -1 } }, "backfill.workers = -1: must be an integer ≥ 1"],
    ["backfill.workers = 2.5", { backfill: { workers: 2.5 } }, "backfill.workers = 2.5: must be an integer"],
    ['backfill.workers = "4"', { backfill: { workers: "4" } }, 'backfill.workers = "4": must be an integer'],
    ["backfill.workers = 1025", { backfill: { workers: 1025 } }, "backfill.workers = 1025: must be an integer ≥ 1 and ≤ 1024"],
    ["backfill.max_retries = -1", { backfill: { max_retries: -1 } }, "backfill.max_retries = -1: must be an integer ≥ 0"],
    ["retention_chunks = -1", { retention: { retention_chunks: -1 } }, "retention.retention_chunks = -1: must be an integer ≥ 0 and ≤ 4294967295"],
    ["retention_chunks past uint32", { retention: { retention_chunks: 2 ** 32 } }, "retention.retention_chunks = 4294967296: must be an integer ≥ 0 and ≤ 4294967295"],
    ["earliest_ledger as a bare integer", { retention: { earliest_ledger: 30_002 } }, 'retention.earliest_ledger = 30002: must be a quoted string: write earliest_ledger = "30002"'],
    ['earliest_ledger = "yesterday"', { retention: { earliest_ledger: "yesterday" } }, 'retention.earliest_ledger = "yesterday": must be "genesis", "now" or a chunk-aligned ledger number'],
    ['earliest_ledger = "1"', { retention: { earliest_ledger: "1" } }, 'retention.earliest_ledger = "1": must be "genesis", "now" or a chunk-aligned ledger number ≥ 2 as a string, e.g. "30002" (1 is below genesis ledger 2; use "genesis")'],
    ['earliest_ledger = "12345"', { retention: { earliest_ledger: "12345" } }, 'retention.earliest_ledger = "12345": must be "genesis", "now" or a chunk-aligned ledger number ≥ 2 as a string, e.g. "30002" (12345 is not the first ledger of its chunk; use "10002" or "20002")'],
    ["datastore type in lower case", { backfill: { datastore: { type: "s3" } } }, 'backfill.datastore.type = "s3": must be one of "Filesystem", "S3"'],
    ["a non-string params value", { backfill: { datastore: { params: { region: 5 } } } }, "backfill.datastore.params.region = 5: must be a string"],
    ["params as a string", { backfill: { datastore: { params: "x" } } }, 'backfill.datastore.params = "x": must be a table ([backfill.datastore.params])'],
    ["schema.ledgers_per_file = 0", { backfill: { datastore: { schema: { ledgers_per_file: 0 } } } }, "backfill.datastore.schema.ledgers_per_file = 0: must be an integer ≥ 1"],
    ["bsb.buffer_size = 0", { backfill: { bsb: { buffer_size: 0 } } }, "backfill.bsb.buffer_size = 0: must be an integer ≥ 1 and ≤ 10000"],
    ["bsb.retry_wait as a number", { backfill: { bsb: { retry_wait: 5 } } }, "backfill.bsb.retry_wait = 5: must be a duration"],
    ['bsb.retry_wait = "1.5s"', { backfill: { bsb: { retry_wait: "1.5s" } } }, 'backfill.bsb.retry_wait = "1.5s": must be a duration from "0s" to "1h"'],
    ['bsb.retry_wait = "2h"', { backfill: { bsb: { retry_wait: "2h" } } }, 'backfill.bsb.retry_wait = "2h": must be a duration from "0s" to "1h"'],
    ['poll_interval = "5ms"', { ingestion: { poll_interval: "5ms" } }, 'ingestion.poll_interval = "5ms": must be a duration from "10ms" to "10m"'],
    ["an empty network passphrase", { ingestion: { network_passphrase: "" } }, 'ingestion.network_passphrase = "": must be the non-empty passphrase'],
    ["endpoint without a host", { service: { endpoint: ":8000" } }, 'service.endpoint = ":8000": must be host:port'],
    ["endpoint without a port", { service: { endpoint: "localhost" } }, 'service.endpoint = "localhost": must be host:port'],
    ["endpoint port 0", { service: { endpoint: "localhost:0" } }, 'service.endpoint = "localhost:0": must be host:port with a port from 1 to 65535'],
    ["endpoint port 70000", { service: { endpoint: "localhost:70000" } }, 'service.endpoint = "localhost:70000": must be host:port with a port from 1 to 65535'],
    ["endpoint as a URL", { service: { endpoint: "http://localhost:8000" } }, 'service.endpoint = "http://localhost:8000": must be host:port'],
    ["admin_endpoint garbage", { service: { admin_endpoint: "off" } }, 'service.admin_endpoint = "off": must be "" (off) or host:port'],
    ['logging.level = "trace"', { logging: { level: "trace" } }, 'logging.level = "trace": must be one of "debug", "info", "warn", "error"'],
    ['logging.format = "JSON"', { logging: { format: "JSON" } }, 'logging.format = "JSON": must be one of "text", "json"'],
    ["an empty storage root", { storage: { hot: "" } }, 'storage.hot = "": must be a non-empty path'],
    ["a section given as a value", { logging: 5 }, "logging = 5: must be a table ([logging])"],
  ])("%s", (_name, patch, want) => {
    expect(rejection(minimalWith(patch))).toStartWith(`Invalid config: ${want}`);
  });

  test("accepted endpoints: names, IPv4, bracketed IPv6; admin off", () => {
    for (const endpoint of ["localhost:8000", "0.0.0.0:1", "rpc.example.org:65535", "[::1]:8000", "[::]:8000"]) {
      expect(parse(minimalWith({ service: { endpoint, admin_endpoint: endpoint } })).service).toEqual({ endpoint, adminEndpoint: endpoint });
    }
  });

  test.each([
    ["storage.default_data_dir", MINIMAL.replace('default_data_dir = "/srv/fh"', "")],
    ["backfill.datastore.type", MINIMAL.replace('type = "Filesystem"', "")],
    ["ingestion.network_passphrase", MINIMAL.replace('network_passphrase = "Test SDF Network ; September 2015"', "")],
  ])("a missing required key %s is named as missing", (key, text) => {
    expect(rejection(text)).toStartWith(`Invalid config: ${key} is missing: must be`);
  });

  test("bsb.num_workers above bsb.buffer_size is rejected naming both", () => {
    expect(rejection(`${MINIMAL}\n[backfill.bsb]\nbuffer_size = 4\nnum_workers = 5\n`)).toBe(
      "Invalid config: backfill.bsb.num_workers = 5 is more than backfill.bsb.buffer_size = 4: " +
        "each download needs a buffer slot; lower num_workers or raise buffer_size",
    );
  });
});

describe("flags beat the file, which beats the default (D3)", () => {
  const flag = (path: string, value: string | number): ConfigOverride => ({ path: path.split("."), value, flag: `--${path}` });

  test("a flag replaces the file's value and a default", () => {
    const config = parse(FULL, [flag("backfill.workers", 3), flag("logging.level", "warn")]);
    expect(config.backfill.workerCount).toBe(3);
    expect(config.logging.level).toBe("warn");
    expect(parse(MINIMAL, [flag("backfill.bsb.retry_wait", "1m")]).backfill.bsb.retryWaitMs).toBe(60_000);
  });

  test("a map entry flag merges into the file's map per entry", () => {
    const config = parse(FULL, [flag("backfill.datastore.params.region", "eu-west-1")]);
    expect(config.backfill.datastore.params).toEqual({ destination_bucket_path: "bucket/ledgers", region: "eu-west-1" });
  });

  test("a flag can supply a section the file leaves out, including a required key", () => {
    const withoutIngestion = MINIMAL.replace(/\[ingestion\][^[]*$/, "");
    const config = parse(withoutIngestion, [flag("ingestion.network_passphrase", "Standalone Network ; February 2017")]);
    expect(config.ingestion.networkPassphrase).toBe("Standalone Network ; February 2017");
  });

  test("a bad flag value is reported with the flag that set it", () => {
    expect(rejection(MINIMAL, [flag("backfill.workers", 0)])).toBe(
      "Invalid config: backfill.workers = 0 (from --backfill.workers): must be an integer ≥ 1 and ≤ 1024 (a zero pool deadlocks backfill)",
    );
    expect(rejection(MINIMAL, [flag("backfill.workers", "many")])).toStartWith('Invalid config: backfill.workers = "many" (from --backfill.workers)');
  });
});

describe("storage roots", () => {
  test("overrides win over defaults, which stay under default_data_dir (TestResolvePaths_*)", () => {
    const config = parse(MINIMAL.replace("[storage]", '[storage]\nhot = "/fast/hot"'));
    expect(config.storage.roots.hot).toBe("/fast/hot");
    expect(config.storage.roots.ledgers).toBe("/srv/fh/ledgers");
  });

  test("relative paths resolve against the working directory", () => {
    const config = parse(MINIMAL.replace('"/srv/fh"', '"data"').replace("[storage]", '[storage]\nhot = "../hot"'));
    expect(config.storage.defaultDataDir).toBe("/work/data");
    expect(config.storage.roots.catalog).toBe("/work/data/catalog/rocksdb");
    expect(config.storage.roots.hot).toBe("/hot");
  });

  test("two roots on the same directory are rejected naming both keys", () => {
    expect(rejection(MINIMAL.replace("[storage]", '[storage]\nevents = "/srv/fh/ledgers/"'))).toBe(
      'Invalid config: storage.ledgers ("/srv/fh/ledgers", its default) and storage.events ("/srv/fh/ledgers") are the same directory: ' +
        "give each storage root its own directory",
    );
  });

  test("a root inside another root is rejected naming both keys", () => {
    expect(rejection(MINIMAL.replace("[storage]", '[storage]\nhot = "/srv/fh/events/hot"'))).toBe(
      'Invalid config: storage.hot ("/srv/fh/events/hot") is inside storage.events ("/srv/fh/events", its default): ' +
        "storage roots must not nest, each is locked and walked on its own",
    );
  });

  test("a root equal to the data dir holds the default roots, so it is rejected as nesting", () => {
    expect(rejection(MINIMAL.replace("[storage]", '[storage]\ncatalog = "/srv/fh"'))).toContain("is inside storage.catalog");
  });
});

describe("loadConfig() reads one file and touches nothing else", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "fullhistory-config-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("a valid file loads, and the data dir it names is not created", async () => {
    const path = join(dir, "good.toml");
    await writeFile(path, MINIMAL.replace('"/srv/fh"', JSON.stringify(join(dir, "data"))));
    const config = await loadConfig(path);
    expect(config.storage.defaultDataDir).toBe(join(dir, "data"));
    expect((await readdir(dir)).sort()).toEqual(["good.toml"]);
  });

  test("a missing file is a one-line ConfigError saying to pass --config", async () => {
    const path = join(dir, "absent.toml");
    await expect(loadConfig(path)).rejects.toBeInstanceOf(ConfigError);
    await expect(loadConfig(path)).rejects.toThrow(`Cannot read config "${path}": no such file; pass --config with the path of your fullhistory.toml`);
  });

  test("a directory, a device or a FIFO is not read (a FIFO without a writer does not block)", async () => {
    await expect(loadConfig(dir)).rejects.toThrow(`Cannot read config "${dir}": not a regular file`);
    await expect(loadConfig("/dev/zero")).rejects.toThrow('Cannot read config "/dev/zero": not a regular file');
    const fifo = join(dir, "config.fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    await expect(loadConfig(fifo)).rejects.toThrow(`Cannot read config "${fifo}": not a regular file`);
  });

  test("a file that is not UTF-8 is rejected", async () => {
    const path = join(dir, "latin1.toml");
    await writeFile(path, new Uint8Array([0x61, 0x20, 0x3d, 0x20, 0x22, 0xe9, 0x22, 0x0a]));
    await expect(loadConfig(path)).rejects.toThrow(`Cannot read config "${path}": not valid UTF-8`);
  });

  test("a file over 1 MiB is rejected before it is read", async () => {
    const path = join(dir, "huge.toml");
    await writeFile(path, `# ${"x".repeat(1 << 20)}\n`);
    await expect(loadConfig(path)).rejects.toThrow("is more than a config file's 1048576");
  });
});
