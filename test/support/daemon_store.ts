/**
 * Lakes, data dirs and configs for the daemon tests (test/daemon_e2e.test.ts,
 * test/daemon_crash.test.ts). The lake is a sparse synthetic lake (100 ledgers per object) that a
 * test grows while the daemon runs: `appendLake` writes each object to a temp file and renames it
 * into place, so the live tail never sees half an object. Ledgers are a pure function of their
 * sequence (src/synth/ledger_synth.ts), so the tx hashes of any range are regenerated in-process.
 * @module
 */

import { cpSync, mkdirSync, mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { loadConfig } from "../../src/config/load_config.ts";
import { type LedgerSeq } from "../../src/geometry/chunk.ts";
import { Layout } from "../../src/geometry/layout.ts";
import { type DatastoreSchema, objectKeyOf } from "../../src/lake/datastore_schema.ts";
import { WindowGeometry } from "../../src/geometry/windows.ts";
import { LedgerSynth } from "../../src/synth/ledger_synth.ts";
import { writeSynthLake } from "../../src/synth/synth_lake.ts";
import { E2E_PASSPHRASE, SYNTH_SEED_DEFAULT } from "./e2e_store.ts";

const LEDGERS_PER_FILE = 100;
const FILES_PER_PARTITION = 64_000;
const LAKE_SCHEMA: DatastoreSchema = { ledgersPerFile: LEDGERS_PER_FILE, filesPerPartition: FILES_PER_PARTITION, fileExtension: "zst" };

/** Appends ledgers [first, last] (widened to whole objects) to the sparse lake at `lakeDir`, atomically per object. */
export async function appendLake(lakeDir: string, range: { first: number; last: number }): Promise<void> {
  await writeSynthLake({
    outDir: lakeDir,
    first: range.first as LedgerSeq,
    last: range.last as LedgerSeq,
    profile: "sparse",
    seed: SYNTH_SEED_DEFAULT,
    networkPassphrase: E2E_PASSPHRASE,
    ledgersPerFile: LEDGERS_PER_FILE,
    filesPerPartition: FILES_PER_PARTITION,
  });
}

/** Puts bytes that are no zstd frame where the object holding `ledgerSeq` belongs (temp file, then rename). */
export function corruptLakeObject(lakeDir: string, ledgerSeq: number): string {
  const path = join(lakeDir, objectKeyOf(LAKE_SCHEMA, ledgerSeq as LedgerSeq));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, "not a zstd frame");
  renameSync(`${path}.tmp`, path);
  return path;
}

/** The last ledger a lake holds after `appendLake(…, { last })`: the end of `last`'s object. */
export function lakeEndOf(lastLedgerSeq: number): number {
  return Math.floor(lastLedgerSeq / LEDGERS_PER_FILE) * LEDGERS_PER_FILE + LEDGERS_PER_FILE - 1;
}

/** A data dir, its config and layout. */
export interface DaemonStore {
  readonly dataDir: string;
  readonly configPath: string;
  readonly layout: Layout;
}

/** Settings of `writeDaemonStore`. */
export interface DaemonStoreOptions {
  readonly lakeDir: string;
  /** `[retention] retention_chunks`; 0 (full history) when absent. */
  readonly retentionChunks?: number;
  /** `[service] admin_endpoint` port on 127.0.0.1 (see `freePort`). */
  readonly adminPort: number;
}

/**
 * Writes `fullhistory.toml` into `dataDir` (a new temp dir when absent): storage under
 * `{dataDir}/store`, json logs at debug (the tests follow them), one backfill worker, a 20 ms poll.
 */
export async function writeDaemonStore(options: DaemonStoreOptions, dataDir = mkdtempSync(join(tmpdir(), "fullhistory-daemon-"))): Promise<DaemonStore> {
  const configPath = join(dataDir, "fullhistory.toml");
  writeFileSync(
    configPath,
    [
      "[storage]",
      `default_data_dir = ${JSON.stringify(join(dataDir, "store"))}`,
      "[retention]",
      `retention_chunks = ${options.retentionChunks ?? 0}`,
      "[backfill]",
      "workers = 1",
      "max_retries = 0",
      "[backfill.datastore]",
      'type = "Filesystem"',
      `params = { destination_path = ${JSON.stringify(options.lakeDir)} }`,
      "[ingestion]",
      `network_passphrase = ${JSON.stringify(E2E_PASSPHRASE)}`,
      'poll_interval = "20ms"',
      "[service]",
      `admin_endpoint = "127.0.0.1:${options.adminPort}"`,
      "[logging]",
      'format = "json"',
      'level = "debug"',
      "",
    ].join("\n"),
  );
  const config = await loadConfig(configPath);
  return { dataDir, configPath, layout: new Layout(config.storage.roots, new WindowGeometry()) };
}

/** A copy of `template`'s storage in a new data dir, with its own config (a new admin port). */
export async function copyDaemonStore(template: DaemonStore, options: DaemonStoreOptions): Promise<DaemonStore> {
  const dataDir = mkdtempSync(join(tmpdir(), "fullhistory-daemon-copy-"));
  cpSync(join(template.dataDir, "store"), join(dataDir, "store"), { recursive: true });
  return writeDaemonStore(options, dataDir);
}

/** A TCP port on 127.0.0.1 nobody listens on right now (bound, read, released). */
export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/** One tx hash of the lake: outer, or a fee bump's inner hash (D8). */
export interface LakeTxHash {
  readonly hex: string;
  readonly bytes: Uint8Array;
  readonly ledgerSeq: LedgerSeq;
  readonly inner: boolean;
}

/** Every outer and inner tx hash of ledgers [first, last] of the sparse test lake, in ledger order. */
export function lakeTxHashes(range: { first: number; last: number }): LakeTxHash[] {
  const synth = new LedgerSynth({ seed: SYNTH_SEED_DEFAULT, profile: "sparse", networkPassphrase: E2E_PASSPHRASE });
  const hashes: LakeTxHash[] = [];
  for (let seq = range.first; seq <= range.last; seq++) {
    const ledgerSeq = seq as LedgerSeq;
    const { summary } = synth.generate(ledgerSeq);
    for (const bytes of summary.txHashes) hashes.push({ hex: Buffer.from(bytes).toString("hex"), bytes: bytes.slice(), ledgerSeq, inner: false });
    for (const bytes of summary.innerHashes) hashes.push({ hex: Buffer.from(bytes).toString("hex"), bytes: bytes.slice(), ledgerSeq, inner: true });
  }
  return hashes;
}
