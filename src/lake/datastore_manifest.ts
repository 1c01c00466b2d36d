/**
 * The datastore manifest `<root>/.config.json` (lake-and-xdr §1.3; Go `DatastoreManifest`) and the
 * schema resolution the SDK's `LoadSchema` does: the manifest wins when present and must agree with
 * any configured value; without it both schema values must come from config (D3).
 *
 *   { "networkPassphrase": "Test SDF Network ; September 2015", "version": "1.0",
 *     "compression": "zstd", "ledgersPerBatch": 1, "batchesPerPartition": 64000 }
 *
 * The manifest's passphrase is checked against the configured one before any ledger is read, so a
 * daemon pointed at the wrong network fails at once, naming both.
 * @module
 */

import { z } from "zod";
import { LakeConfigError, LakeCorruptObjectError } from "./lake_errors.ts";
import { schemaProblem } from "./datastore_schema.ts";

/** The manifest's key under the datastore root. */
export const MANIFEST_KEY = ".config.json";
/** The manifest version the SDK writes (`Version = "1.0"`). */
export const MANIFEST_VERSION = "1.0";
/** The only compression a lake uses; its objects still end in `.xdr.zst` (§1.3). */
export const MANIFEST_COMPRESSION = "zstd";

/** The fields of `.config.json` we read. */
export interface DatastoreManifest {
  readonly networkPassphrase: string;
  readonly version: string;
  readonly compression: string;
  readonly ledgersPerBatch: number;
  readonly batchesPerPartition: number;
}

/** Schema values from `[backfill.datastore] schema.*`; absent when the operator did not set them. */
export interface ConfiguredSchema {
  readonly ledgersPerFile?: number | undefined;
  readonly filesPerPartition?: number | undefined;
}

/** The schema a lake is read with, and where it came from (for logs and errors). */
export interface ResolvedSchema {
  readonly ledgersPerFile: number;
  readonly filesPerPartition: number;
  readonly from: "manifest" | "config";
}

// Unknown fields are allowed: SEP-0054 v0.2.0 adds `ledgersPath`, and a newer writer may add more.
const MANIFEST_SHAPE = z.object({
  networkPassphrase: z.string().min(1),
  version: z.string(),
  compression: z.string(),
  ledgersPerBatch: z.number().int(),
  batchesPerPartition: z.number().int(),
});

/** Parses manifest bytes read from `location`; bytes that are not a manifest are a corrupt object. */
export function parseManifest(bytes: Uint8Array, location: string): DatastoreManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    if (!(err instanceof SyntaxError) && !(err instanceof TypeError)) throw err;
    throw new LakeCorruptObjectError(location, `not UTF-8 JSON (${err.message})`, { cause: err });
  }
  const parsed = MANIFEST_SHAPE.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? "manifest" : `field "${issue.path.join(".")}"`;
    throw new LakeCorruptObjectError(location, `not a datastore manifest: ${where}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** The manifest bytes a writer stores (what Galexie writes, 2-space JSON). */
export function encodeManifest(manifest: DatastoreManifest): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * Checks the manifest against the configured network and schema and returns the schema to read
 * with (lake-and-xdr §1.3 `LoadSchema`). `manifest` is undefined when the lake has none.
 */
export function resolveSchema(
  manifest: DatastoreManifest | undefined,
  options: { location: string; networkPassphrase: string; configured: ConfiguredSchema },
): ResolvedSchema {
  const { location, networkPassphrase, configured } = options;
  if (manifest === undefined) return schemaFromConfig(location, configured);
  if (manifest.networkPassphrase !== networkPassphrase) {
    throw new LakeConfigError(
      `Cannot use lake "${location}": its manifest is for network "${manifest.networkPassphrase}" but ` +
        `[ingestion] network_passphrase is "${networkPassphrase}"; point [backfill.datastore] at a lake ` +
        `of your network, or fix network_passphrase`,
    );
  }
  if (manifest.compression !== MANIFEST_COMPRESSION) {
    throw new LakeConfigError(
      `Cannot use lake "${location}": manifest compression is "${manifest.compression}", ` +
        `only "${MANIFEST_COMPRESSION}" is supported`,
    );
  }
  const problem = schemaProblem(manifest.ledgersPerBatch, manifest.batchesPerPartition);
  if (problem !== undefined) throw new LakeConfigError(`Cannot use lake "${location}": manifest ${problem}`);
  checkAgrees(location, "ledgers_per_file", configured.ledgersPerFile, manifest.ledgersPerBatch);
  checkAgrees(location, "files_per_partition", configured.filesPerPartition, manifest.batchesPerPartition);
  return {
    ledgersPerFile: manifest.ledgersPerBatch,
    filesPerPartition: manifest.batchesPerPartition,
    from: "manifest",
  };
}

function checkAgrees(location: string, key: string, configured: number | undefined, fromManifest: number): void {
  if (configured === undefined || configured === fromManifest) return;
  throw new LakeConfigError(
    `Cannot use lake "${location}": [backfill.datastore] schema.${key} = ${configured} but the lake's ` +
      `manifest says ${fromManifest}; remove schema.${key} from the config (the manifest is authoritative)`,
  );
}

function schemaFromConfig(location: string, configured: ConfiguredSchema): ResolvedSchema {
  const { ledgersPerFile, filesPerPartition } = configured;
  if (ledgersPerFile === undefined || filesPerPartition === undefined) {
    throw new LakeConfigError(
      `Cannot use lake "${location}": it has no ${MANIFEST_KEY} manifest, so [backfill.datastore] ` +
        `schema.ledgers_per_file and schema.files_per_partition are both required`,
    );
  }
  const problem = schemaProblem(ledgersPerFile, filesPerPartition);
  if (problem !== undefined) throw new LakeConfigError(`Cannot use lake "${location}": [backfill.datastore] schema: ${problem}`);
  return { ledgersPerFile, filesPerPartition, from: "config" };
}
