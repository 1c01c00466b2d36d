/**
 * A synthetic lake and a data dir for the end-to-end backfill tests: the lake is written once per
 * suite (`synth-lake` as a child, sparse profile so three chunks take seconds), each test gets its
 * own data dir and config. `storeSnapshot` captures what a run must not change: every catalog key
 * and value (through the typed reads, read-only) and every artifact file's bytes and mtime.
 * @module
 */

import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { chunkArtifactEntries } from "../../src/catalog/artifact_reads.ts";
import { closeCatalog, openCatalog } from "../../src/catalog/catalog.ts";
import { allCoverages } from "../../src/catalog/coverage_reads.ts";
import { earliestLedger } from "../../src/catalog/earliest_ledger.ts";
import { hotChunkEntries } from "../../src/catalog/hot_reads.ts";
import { SYNTH_PASSPHRASE_DEFAULT } from "../../src/cli/synth_lake_command.ts";
import { loadConfig } from "../../src/config/load_config.ts";
import { Layout, STORAGE_ROOT_NAMES } from "../../src/geometry/layout.ts";
import { WindowGeometry } from "../../src/geometry/windows.ts";
import { runCli } from "./e2e_cli.ts";

/** The seed `synth-lake` uses by default (its lakes are regenerated in-process to know their hashes). */
export const SYNTH_SEED_DEFAULT = 1;

/** The passphrase `synth-lake` writes by default. */
export const E2E_PASSPHRASE = SYNTH_PASSPHRASE_DEFAULT;

/** Writes a sparse lake of ledgers [2, last] (100 ledgers per object) into a new temp dir. */
export async function writeE2eLake(options: { lastLedgerSeq: number; profile: string }): Promise<string> {
  const lakeDir = mkdtempSync(join(tmpdir(), "fullhistory-e2e-lake-"));
  const run = await runCli(
    ["synth-lake", "--out", lakeDir, "--first", "2", "--last", String(options.lastLedgerSeq), "--profile", options.profile, "--ledgers-per-file", "100"],
    { cwd: lakeDir },
  );
  if (run.exitCode !== 0) throw new Error(`synth-lake failed: ${run.stderr}`);
  return lakeDir;
}

/** A data dir and the config file that points it at `lakeDir`. */
export interface E2eStore {
  readonly dataDir: string;
  readonly configPath: string;
  readonly layout: Layout;
}

/** A fresh data dir with `fullhistory.toml` (json logs, 2 workers) reading `lakeDir`. */
export async function createE2eStore(lakeDir: string): Promise<E2eStore> {
  const dataDir = mkdtempSync(join(tmpdir(), "fullhistory-e2e-data-"));
  const configPath = join(dataDir, "fullhistory.toml");
  writeFileSync(
    configPath,
    [
      "[storage]",
      `default_data_dir = ${JSON.stringify(join(dataDir, "store"))}`,
      "[backfill]",
      "workers = 2",
      "[backfill.datastore]",
      'type = "Filesystem"',
      `params = { destination_path = ${JSON.stringify(lakeDir)} }`,
      "[ingestion]",
      `network_passphrase = ${JSON.stringify(E2E_PASSPHRASE)}`,
      "[logging]",
      'format = "json"',
      "",
    ].join("\n"),
  );
  const config = await loadConfig(configPath);
  return { dataDir, configPath, layout: new Layout(config.storage.roots, new WindowGeometry()) };
}

/** Every catalog key, parsed, read through a read-only catalog (no LOCK: safe while nothing writes). */
export function catalogDump(layout: Layout): string {
  const catalog = openCatalog(layout, { readOnly: true });
  try {
    return JSON.stringify({
      earliest: earliestLedger(catalog),
      chunks: chunkArtifactEntries(catalog),
      coverages: allCoverages(catalog),
      hot: hotChunkEntries(catalog),
    });
  } finally {
    closeCatalog(catalog);
  }
}

/** Catalog keys plus every artifact file (not the catalog's own files) as path → sha256 and mtime. */
export function storeSnapshot(layout: Layout): { catalog: string; files: Record<string, string> } {
  const files: Record<string, string> = {};
  for (const rootName of STORAGE_ROOT_NAMES) {
    if (rootName === "catalog") continue;
    const root = layout.roots[rootName];
    for (const path of filesUnder(root)) {
      const digest = createHash("sha256").update(readFileSync(path)).digest("hex");
      files[`${rootName}/${relative(root, path)}`] = `${digest} ${statSync(path).mtimeMs}`;
    }
  }
  return { catalog: catalogDump(layout), files };
}

/** Regular files below `dir`, depth-first (test data: a few hundred files at most). */
function filesUnder(dir: string): string[] {
  const paths: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) paths.push(...filesUnder(path));
    else if (entry.isFile()) paths.push(path);
  }
  return paths;
}
