/**
 * Ledger pack `{chunk:08d}.pack` format facts (reference §8.4, D5): a packfile v1 of format id 1,
 * one raw LedgerCloseMeta XDR per record (itemsPerRecord 1), zstd records, no content hash, and
 * appData = the first ledger sequence as a u32 BIG-endian. Item i is ledger firstSeq + i. The
 * writer and reader live in `ledger_pack_writer.ts` and `ledger_pack_reader.ts`.
 * @module
 */

import { assert } from "../assert.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import type { PackfileWriterOptions } from "./packfile_writer.ts";
import { ZSTD_CODEC } from "./zstd_codec.ts";

/** The packfile layout of a ledger pack; the reader opens with the same values. */
export const LEDGER_PACK_LAYOUT: PackfileWriterOptions = { format: 1, itemsPerRecord: 1, codec: ZSTD_CODEC };
export const LEDGER_PACK_APP_DATA_BYTES = 4;
const U32_MAX = 0xffff_ffff;

/** appData: the first ledger sequence, u32 big-endian (§8.4). */
export function encodeLedgerPackAppData(firstLedgerSeq: LedgerSeq): Uint8Array {
  assert(Number.isInteger(firstLedgerSeq), `first ledger ${firstLedgerSeq} is not an integer`);
  assert(firstLedgerSeq >= 0, `first ledger ${firstLedgerSeq} is negative`);
  assert(firstLedgerSeq <= U32_MAX, `first ledger ${firstLedgerSeq} exceeds u32`);
  const appData = new Uint8Array(LEDGER_PACK_APP_DATA_BYTES);
  new DataView(appData.buffer).setUint32(0, firstLedgerSeq, false);
  return appData;
}

/** Reads the first ledger sequence back out of a ledger pack's appData. */
export function decodeLedgerPackAppData(appData: Uint8Array, path: string): LedgerSeq {
  if (appData.length !== LEDGER_PACK_APP_DATA_BYTES) {
    throw new CorruptFileError(path, `appData is ${appData.length} bytes, want ${LEDGER_PACK_APP_DATA_BYTES} (first ledger, u32 BE)`);
  }
  return new DataView(appData.buffer, appData.byteOffset, appData.length).getUint32(0, false) as LedgerSeq;
}
