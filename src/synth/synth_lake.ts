/**
 * Writes a synthetic ledger lake in the Galexie/SDK layout (lake-and-xdr §1): `.config.json`, then
 * one zstd(LedgerCloseMetaBatch) object per batch at the key `objectKeyOf` gives. The lake is what
 * a Filesystem datastore (or, uploaded, an S3 one) serves to the daemon, the tests and the demo.
 *
 * Ends of the range: Galexie only ever writes whole, aligned batches, so the requested
 * [first, last] is widened to whole batches: the lake covers
 * [max(2, batchStart(first)), batchEnd(last)] (ledgers 0 and 1 do not exist, so the first batch of
 * the network starts at genesis). With ledgers_per_file = 1 nothing is widened.
 *
 * Writing into a directory that already holds a different manifest is refused (the SDK's
 * PutFileIfNotExists): two lakes must never be mixed. Objects are written whole, then renamed into
 * place, so a reader never sees half an object.
 * @module
 */

import { mkdir, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { assert } from "../assert.ts";
import { FullhistoryError } from "../errors.ts";
import { FIRST_LEDGER_SEQ, type LedgerSeq } from "../geometry/chunk.ts";
import {
  encodeManifest,
  MANIFEST_COMPRESSION,
  MANIFEST_KEY,
  MANIFEST_VERSION,
  parseManifest,
} from "../lake/datastore_manifest.ts";
import { batchRangeOf, type DatastoreSchema, objectKeyOf, schemaProblem } from "../lake/datastore_schema.ts";
import { LedgerSynth } from "./ledger_synth.ts";
import { type SynthProfileName } from "./synth_profile.ts";

/** zstd level of the objects: Galexie's klauspost default corresponds to level 3. */
const OBJECT_ZSTD_LEVEL = 3;

export interface SynthLakeOptions {
  readonly outDir: string;
  readonly first: LedgerSeq;
  readonly last: LedgerSeq;
  readonly profile: SynthProfileName;
  readonly seed: number;
  readonly networkPassphrase: string;
  readonly ledgersPerFile: number;
  readonly filesPerPartition: number;
}

/** What was written. */
export interface SynthLakeReport {
  readonly first: LedgerSeq;
  readonly last: LedgerSeq;
  readonly objectCount: number;
  readonly ledgerBytes: number;
  readonly objectBytes: number;
}

export class SynthLakeError extends FullhistoryError {
  override name = "SynthLakeError";
}

/** Generates ledgers [first, last] widened to whole batches, and writes them as a lake under `outDir`. */
export async function writeSynthLake(options: SynthLakeOptions): Promise<SynthLakeReport> {
  const problem = schemaProblem(options.ledgersPerFile, options.filesPerPartition);
  if (problem !== undefined) throw new SynthLakeError(`Cannot write a lake: ${problem}`);
  if (options.first < FIRST_LEDGER_SEQ) {
    throw new SynthLakeError(`Cannot write a lake from ledger ${options.first}: the first ledger is ${FIRST_LEDGER_SEQ}`);
  }
  if (options.last < options.first) {
    throw new SynthLakeError(`Cannot write a lake of ledgers [${options.first}, ${options.last}]: last is before first`);
  }
  const schema: DatastoreSchema = {
    ledgersPerFile: options.ledgersPerFile,
    filesPerPartition: options.filesPerPartition,
    fileExtension: "zst",
  };
  await writeManifest(options);
  const synth = new LedgerSynth({ seed: options.seed, profile: options.profile, networkPassphrase: options.networkPassphrase });
  const firstBatch = batchRangeOf(schema, options.first);
  const lastBatch = batchRangeOf(schema, options.last);
  let objectCount = 0;
  let ledgerBytes = 0;
  let objectBytes = 0;
  for (let batchStart: number = firstBatch.first; batchStart <= lastBatch.first; batchStart += options.ledgersPerFile) {
    const batch = batchRangeOf(schema, batchStart as LedgerSeq);
    const startSeq = Math.max(batch.first, FIRST_LEDGER_SEQ) as LedgerSeq;
    const ledgers = [];
    for (let ledgerSeq: number = startSeq; ledgerSeq <= batch.last; ledgerSeq++) {
      ledgers.push(synth.generate(ledgerSeq as LedgerSeq).lcm);
    }
    const batchBytes = encodeLedgerBatch(startSeq, ledgers);
    const compressed = Bun.zstdCompressSync(batchBytes, { level: OBJECT_ZSTD_LEVEL });
    await writeWhole(join(options.outDir, objectKeyOf(schema, startSeq)), compressed);
    objectCount++;
    ledgerBytes += batchBytes.length - BATCH_HEADER_BYTES;
    objectBytes += compressed.length;
  }
  return {
    first: Math.max(firstBatch.first, FIRST_LEDGER_SEQ) as LedgerSeq,
    last: lastBatch.last,
    objectCount,
    ledgerBytes,
    objectBytes,
  };
}

const BATCH_HEADER_BYTES = 12;

/** `LedgerCloseMetaBatch { u32 startSequence; u32 endSequence; LedgerCloseMeta ledgerCloseMetas<> }`. */
export function encodeLedgerBatch(startSeq: LedgerSeq, ledgers: readonly Uint8Array[]): Uint8Array {
  assert(ledgers.length >= 1, "a batch holds at least one ledger");
  let byteLength = BATCH_HEADER_BYTES;
  for (const ledger of ledgers) byteLength += ledger.length;
  const bytes = new Uint8Array(byteLength);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, startSeq);
  view.setUint32(4, startSeq + ledgers.length - 1);
  view.setUint32(8, ledgers.length);
  let byteOffset = BATCH_HEADER_BYTES;
  for (const ledger of ledgers) {
    assert(ledger.length % 4 === 0, "an XDR ledger is a whole number of words");
    bytes.set(ledger, byteOffset);
    byteOffset += ledger.length;
  }
  return bytes;
}

async function writeManifest(options: SynthLakeOptions): Promise<void> {
  const manifestPath = join(options.outDir, MANIFEST_KEY);
  const manifest = {
    networkPassphrase: options.networkPassphrase,
    version: MANIFEST_VERSION,
    compression: MANIFEST_COMPRESSION,
    ledgersPerBatch: options.ledgersPerFile,
    batchesPerPartition: options.filesPerPartition,
  };
  const existing = Bun.file(manifestPath);
  if (await existing.exists()) {
    const found = parseManifest(await existing.bytes(), manifestPath);
    const same =
      found.networkPassphrase === manifest.networkPassphrase &&
      found.ledgersPerBatch === manifest.ledgersPerBatch &&
      found.batchesPerPartition === manifest.batchesPerPartition;
    if (!same) {
      throw new SynthLakeError(
        `Cannot write into "${options.outDir}": it already holds a lake with a different manifest ` +
          `(network "${found.networkPassphrase}", ${found.ledgersPerBatch} ledgers per file, ` +
          `${found.batchesPerPartition} files per partition); choose an empty --out directory`,
      );
    }
    return;
  }
  await writeWhole(manifestPath, encodeManifest(manifest));
}

/** Writes `bytes` to a temporary sibling, then renames it over `path`: readers see all or nothing. */
async function writeWhole(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp`;
  await Bun.write(temporary, bytes);
  await rename(temporary, path);
}
