/**
 * The Galexie / SDK datastore key layout (lake-and-xdr §1.2; SEP-0054). Pure: numbers in, key
 * strings out, and the strict inverse for the names a listing returns.
 *
 *   {root}/FFFFFFFF--0-63999/FFFFFC1A--997.xdr.zst        ledgersPerFile 1, filesPerPartition 64000
 *   {root}/FFFFFFFF--0-639/FFFFFFFF--0-63.xdr.zst         ledgersPerFile 64, filesPerPartition 10
 *   {root}/FFFFFC1A--997.xdr.zst                          filesPerPartition 1: no directory level
 *
 * Batches and partitions are aligned from ledger 0, not from genesis; the hex is uppercase, 8
 * digits, of 0xFFFFFFFF − start, so keys sort newest first (what tip discovery relies on).
 * @module
 */

import { assert } from "../assert.ts";
import { LEDGER_SEQ_MAX, type LedgerSeq } from "../geometry/chunk.ts";
import type { LedgerRange } from "./ledger_source.ts";

/** The extensions a reader accepts: `zst` is current, `zstd` is what older Galexie wrote. */
export const OBJECT_EXTENSIONS = ["zst", "zstd"] as const;
export type ObjectExtension = (typeof OBJECT_EXTENSIONS)[number];

/** How ledgers are grouped into objects and objects into partition directories. */
export interface DatastoreSchema {
  readonly ledgersPerFile: number;
  readonly filesPerPartition: number;
  readonly fileExtension: ObjectExtension;
}

/** What an object's base name says: its ledger range and extension. */
export interface ObjectName {
  readonly range: LedgerRange;
  readonly extension: ObjectExtension;
}

// Both regexes are anchored: a listing may hold other files (the manifest, temp files), which
// are not objects, and a name that almost matches must not be taken for one.
const OBJECT_NAME = /^([0-9A-F]{8})--(\d{1,10})(?:-(\d{1,10}))?\.xdr\.(zst|zstd)$/;
const PARTITION_NAME = /^([0-9A-F]{8})--(\d{1,10})-(\d{1,10})$/;

/** Why a schema is unusable, or undefined when it is fine. Callers wrap it in their own error. */
export function schemaProblem(ledgersPerFile: number, filesPerPartition: number): string | undefined {
  if (!Number.isSafeInteger(ledgersPerFile) || ledgersPerFile < 1) {
    return `ledgers per file must be an integer >= 1, got ${ledgersPerFile}`;
  }
  if (!Number.isSafeInteger(filesPerPartition) || filesPerPartition < 1) {
    return `files per partition must be an integer >= 1, got ${filesPerPartition}`;
  }
  if (ledgersPerFile * filesPerPartition > LEDGER_SEQ_MAX + 1) {
    return `a partition of ${ledgersPerFile} × ${filesPerPartition} ledgers exceeds the uint32 ledger space`;
  }
  return undefined;
}

function hex8(value: number): string {
  return value.toString(16).toUpperCase().padStart(8, "0");
}

/** The batch (object) holding `ledgerSeq`: aligned from 0, e.g. 64 per file → 997 is in [960, 1023]. */
export function batchRangeOf(schema: DatastoreSchema, ledgerSeq: LedgerSeq): LedgerRange {
  const first = Math.floor(ledgerSeq / schema.ledgersPerFile) * schema.ledgersPerFile;
  const last = Math.min(first + schema.ledgersPerFile - 1, LEDGER_SEQ_MAX);
  return { first: first as LedgerSeq, last: last as LedgerSeq };
}

/** The key (relative to the datastore root) of the object holding `ledgerSeq` (SDK GetObjectKeyFromSequenceNumber). */
export function objectKeyOf(schema: DatastoreSchema, ledgerSeq: LedgerSeq): string {
  assert(schemaProblem(schema.ledgersPerFile, schema.filesPerPartition) === undefined, "schema was validated");
  const batch = batchRangeOf(schema, ledgerSeq);
  let name = `${hex8(LEDGER_SEQ_MAX - batch.first)}--${batch.first}`;
  if (batch.first !== batch.last) name += `-${batch.last}`;
  name += `.xdr.${schema.fileExtension}`;
  if (schema.filesPerPartition === 1) return name;
  return `${partitionDirOf(schema, ledgerSeq)}/${name}`;
}

/** The partition directory (no trailing slash) holding `ledgerSeq`; only when filesPerPartition > 1. */
export function partitionDirOf(schema: DatastoreSchema, ledgerSeq: LedgerSeq): string {
  assert(schema.filesPerPartition > 1, "a schema with one file per partition has no partition directories");
  const partitionSize = schema.ledgersPerFile * schema.filesPerPartition;
  const first = Math.floor(ledgerSeq / partitionSize) * partitionSize;
  // The newer SDK clamps the partition end to MaxUint32 (lake-and-xdr §1.2 step 1).
  const last = Math.min(first + partitionSize - 1, LEDGER_SEQ_MAX);
  return `${hex8(LEDGER_SEQ_MAX - first)}--${first}-${last}`;
}

/**
 * Parses an object's base name (`FFFFFC1A--997.xdr.zst`), or undefined when it is not one. The hex
 * must agree with the start (a name whose two halves disagree is not an object we wrote or trust).
 */
export function parseObjectName(baseName: string): ObjectName | undefined {
  const match = OBJECT_NAME.exec(baseName);
  if (match === null) return undefined;
  const first = Number(match[2]);
  const last = match[3] === undefined ? first : Number(match[3]);
  if (first > LEDGER_SEQ_MAX || last > LEDGER_SEQ_MAX || last < first) return undefined;
  if (match[1] !== hex8(LEDGER_SEQ_MAX - first)) return undefined;
  const extension = match[4] === "zstd" ? "zstd" : "zst";
  return { range: { first: first as LedgerSeq, last: last as LedgerSeq }, extension };
}

/** True when `baseName` is a partition directory name (`FFFFFFFF--0-63999`) whose hex agrees with its start. */
export function isPartitionName(baseName: string): boolean {
  const match = PARTITION_NAME.exec(baseName);
  if (match === null) return false;
  const first = Number(match[2]);
  return first <= LEDGER_SEQ_MAX && match[1] === hex8(LEDGER_SEQ_MAX - first);
}
