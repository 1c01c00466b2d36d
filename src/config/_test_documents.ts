/**
 * Config documents shared by this folder's tests: the smallest valid file (every required key,
 * nothing else). Test-only; nothing in src/ imports it.
 * @module
 */

/** Required keys only: data dir, lake type and params, network passphrase. */
export const MINIMAL_CONFIG_TOML = `
[storage]
default_data_dir = "/srv/fh"

[backfill.datastore]
type = "Filesystem"
params = { destination_path = "/lake" }

[ingestion]
network_passphrase = "Test SDF Network ; September 2015"
`;
