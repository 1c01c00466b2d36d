import { expect, test } from "bun:test";
import { MINIMAL_CONFIG_TOML } from "./_test_documents.ts";
import { formatConfigToml } from "./config_toml.ts";
import { parseConfig } from "./load_config.ts";

// A relative data dir, so the output must show it resolved against the working directory.
const MINIMAL = MINIMAL_CONFIG_TOML.replace('"/srv/fh"', '"data"');

const TUNED = `${MINIMAL}
[retention]
retention_chunks = 7
earliest_ledger = "30002"
[backfill.datastore.schema]
ledgers_per_file = 64
[backfill.bsb]
retry_wait = "90s"
[service]
admin_endpoint = "localhost:6061"
`;

function parse(text: string, cwd = "/work") {
  return parseConfig(text, { configPath: "test.toml", cwd });
}

test.each([
  ["minimal", MINIMAL],
  ["tuned", TUNED],
])("formatConfigToml() of the %s config parses back to the same config", (_name, text) => {
  const config = parse(text);
  expect(parse(formatConfigToml(config), "/elsewhere")).toEqual(config);
});

test("formatConfigToml() writes every default and absolute roots", () => {
  const toml = formatConfigToml(parse(MINIMAL));
  expect(toml).toContain('catalog = "/work/data/catalog/rocksdb"');
  expect(toml).toContain('txhash_index = "/work/data/txhash/index"');
  expect(toml).toContain('earliest_ledger = "genesis"');
  expect(toml).toContain('retry_wait = "5s"');
  expect(toml).toContain('poll_interval = "1s"');
  expect(toml).toContain('admin_endpoint = ""');
  expect(toml).toContain('format = "text"');
  expect(toml).not.toContain("[backfill.datastore.schema]");
});

test("formatConfigToml() writes a pinned ledger as a quoted string and keeps the schema table when set", () => {
  const toml = formatConfigToml(parse(TUNED));
  expect(toml).toContain('earliest_ledger = "30002"');
  expect(toml).toContain("[backfill.datastore.schema]\nledgers_per_file = 64");
  expect(toml).toContain('retry_wait = "90s"');
});
