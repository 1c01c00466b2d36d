import { expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../errors.ts";
import { configFlagNames, parseConfigArgs } from "./config_args.ts";

const REPO_ROOT = join(import.meta.dir, "..", "..");

test("parseConfigArgs() takes --config FILE and --config=FILE", () => {
  expect(parseConfigArgs(["--config", "a.toml"])).toEqual({ configPath: "a.toml", overrides: [] });
  expect(parseConfigArgs(["--config=b.toml"])).toEqual({ configPath: "b.toml", overrides: [] });
});

test("parseConfigArgs() reads --section.key=value and --section.key value alike", () => {
  const joined = parseConfigArgs(["--config", "a.toml", "--logging.level=debug"]);
  const spaced = parseConfigArgs(["--logging.level", "debug", "--config", "a.toml"]);
  expect(joined.overrides).toEqual([{ path: ["logging", "level"], value: "debug", flag: "--logging.level" }]);
  expect(spaced.overrides).toEqual(joined.overrides);
});

test("parseConfigArgs() types integer leaves as numbers and leaves strings alone", () => {
  const { overrides } = parseConfigArgs(["--config=a", "--backfill.workers=4", "--retention.earliest_ledger=30002", "--backfill.max_retries", "-1"]);
  expect(overrides.map((override) => override.value)).toEqual([4, "30002", -1]);
});

test("parseConfigArgs() passes a non-numeric value for an integer leaf through for the schema to reject", () => {
  expect(parseConfigArgs(["--config=a", "--backfill.workers=many"]).overrides[0]!.value).toBe("many");
});

test("parseConfigArgs() makes a map entry a leaf, even when its name has dots", () => {
  const { overrides } = parseConfigArgs([
    "--config=a",
    "--backfill.datastore.params.destination_path=/x",
    "--backfill.datastore.params.a.b=c",
  ]);
  expect(overrides).toEqual([
    { path: ["backfill", "datastore", "params", "destination_path"], value: "/x", flag: "--backfill.datastore.params.destination_path" },
    { path: ["backfill", "datastore", "params", "a.b"], value: "c", flag: "--backfill.datastore.params.a.b" },
  ]);
});

test("parseConfigArgs() keeps an empty value and a value containing '='", () => {
  const { overrides } = parseConfigArgs(["--config=a", "--service.admin_endpoint=", "--backfill.datastore.params.k=a=b"]);
  expect(overrides.map((override) => override.value)).toEqual(["", "a=b"]);
});

test.each([
  [[], "Missing --config: pass the path of your fullhistory.toml, e.g. --config fullhistory.toml"],
  [["--config"], "Flag --config needs a value: --config=VALUE or --config VALUE"],
  [["--config="], "Flag --config needs a non-empty path"],
  [["--config=a", "--config=b"], "Flag --config is given twice; give it once"],
  [["--config=a", "--backfill.wokers=2"], "Unknown flag --backfill.wokers (did you mean --backfill.workers?)"],
  [["--config=a", "--frobnicate=2"], "Unknown flag --frobnicate (run with --help for every flag)"],
  [["--config=a", "--backfill=2"], "Flag --backfill names a section, not a key: give one key, e.g. --backfill.workers=VALUE"],
  [["--config=a", "--backfill.datastore.params=x"], "Flag --backfill.datastore.params names a map: give one entry, --backfill.datastore.params.KEY=VALUE"],
  [["--config=a", "--backfill.datastore.params.=x"], "Flag --backfill.datastore.params. has an empty entry name: --backfill.datastore.params.KEY=VALUE"],
  [["--config=a", "--backfill.workers.x=1"], "Unknown flag --backfill.workers.x (did you mean --backfill.workers?)"],
  [["--config=a", "--logging.level"], "Flag --logging.level needs a value: --logging.level=VALUE or --logging.level VALUE"],
  [["--config=a", "--logging.level", "--logging.format=json"], "Flag --logging.level needs a value: --logging.level=VALUE or --logging.level VALUE"],
  [["--config=a", "--json"], "Unknown flag --json (run with --help for every flag)"],
  [["--config=a", "--backfill.wokers", "--json"], "Unknown flag --backfill.wokers (did you mean --backfill.workers?)"],
  [["--config=a", "--logging.level=info", "--logging.level=debug"], "Flag --logging.level is given twice; give it once"],
  [["--config=a", "extra"], 'Unexpected argument "extra": flags look like --config FILE or --section.key=VALUE'],
  [["-c", "a"], 'Unexpected argument "-c": flags look like --config FILE or --section.key=VALUE'],
])("parseConfigArgs(%p) is a usage error: %s", (argv, message) => {
  expect(() => parseConfigArgs(argv)).toThrow(UsageError);
  expect(() => parseConfigArgs(argv)).toThrow(message);
});

test("configFlagNames() has one flag per config key, in schema order", () => {
  expect(configFlagNames()).toEqual([
    "--storage.default_data_dir",
    "--storage.catalog",
    "--storage.ledgers",
    "--storage.events",
    "--storage.txhash_raw",
    "--storage.txhash_index",
    "--storage.hot",
    "--retention.retention_chunks",
    "--retention.earliest_ledger",
    "--backfill.workers",
    "--backfill.max_retries",
    "--backfill.datastore.type",
    "--backfill.datastore.params.KEY",
    "--backfill.datastore.schema.ledgers_per_file",
    "--backfill.datastore.schema.files_per_partition",
    "--backfill.bsb.buffer_size",
    "--backfill.bsb.num_workers",
    "--backfill.bsb.max_retries",
    "--backfill.bsb.retry_wait",
    "--ingestion.network_passphrase",
    "--ingestion.poll_interval",
    "--service.endpoint",
    "--service.admin_endpoint",
    "--logging.level",
    "--logging.format",
  ]);
});

test("every config flag parses, so the flag set and the file schema cannot drift", () => {
  for (const flag of configFlagNames()) {
    const { overrides } = parseConfigArgs(["--config=a", `${flag.replace(/\.KEY$/, ".k")}=1`]);
    expect(overrides).toHaveLength(1);
  }
});

test("docs/configuration.md documents every config key", async () => {
  const docs = await readFile(join(REPO_ROOT, "docs", "configuration.md"), "utf8");
  for (const flag of configFlagNames()) {
    expect(docs).toContain(`\`${flag.slice(2).replace(/\.KEY$/, ".*")}\``);
  }
});
