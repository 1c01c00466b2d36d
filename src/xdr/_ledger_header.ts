/**
 * Reads the header fields of one `LedgerCloseMeta` (lake-and-xdr §2.2, §3.1; reference §9.3) without
 * walking the rest: LCM version, ledger sequence, close time, protocol version. Folder-private:
 * shared by `ledgerSeqOf`, `splitLedgerBatch` and `walkLedger`.
 *
 * Layout (all versions): `u32 v`; for v ≥ 1 a `LedgerCloseMetaExt` union (variable: read its
 * discriminant, never assume a fixed offset); then `LedgerHeaderHistoryEntry { Hash hash;
 * LedgerHeader header; ext }` with `LedgerHeader { u32 ledgerVersion; Hash previousLedgerHash;
 * StellarValue scpValue { Hash txSetHash; u64 closeTime; upgrades<6>; ext }; Hash txSetResultHash;
 * Hash bucketListHash; u32 ledgerSeq; … }`.
 * @module
 */

import { skipLedgerCloseMetaExt, skipStellarValue } from "./_skip_generated.ts";
import { truncated, u32, u64Number, XdrFault } from "./_xdr_read.ts";

/** The `LedgerCloseMeta` union arms this build reads (lake-and-xdr §2.1: no V3 exists). */
export const LCM_VERSION_MAX = 2;

const HASH_BYTES = 32;

/** What `readLedgerHeader` found. Offsets are into the buffer it was given. */
export interface LedgerHeaderFields {
  lcmVersion: number;
  ledgerSeq: number;
  closeTimeSec: number;
  protocolVersion: number;
  /** Where the `LedgerHeaderHistoryEntry` starts (after the version and, for v ≥ 1, the ext). */
  headerEntryOffset: number;
}

/** Reads the header of the `LedgerCloseMeta` starting at `byteOffset`; throws XdrFault. */
export function readLedgerHeader(bytes: Uint8Array, byteOffset: number): LedgerHeaderFields {
  if (byteOffset + 4 > bytes.length) throw truncated(bytes, byteOffset, 4, "LedgerCloseMeta");
  const lcmVersion = u32(bytes, byteOffset);
  if (lcmVersion > LCM_VERSION_MAX) {
    throw new XdrFault(byteOffset, `LedgerCloseMeta has unknown version ${lcmVersion}`);
  }
  const headerEntryOffset = lcmVersion === 0 ? byteOffset + 4 : skipLedgerCloseMetaExt(bytes, byteOffset + 4);
  const ledgerVersionOffset = headerEntryOffset + HASH_BYTES;
  const scpValueOffset = ledgerVersionOffset + 4 + HASH_BYTES;
  const closeTimeOffset = scpValueOffset + HASH_BYTES;
  if (closeTimeOffset + 8 > bytes.length) {
    throw truncated(bytes, headerEntryOffset, closeTimeOffset + 8 - headerEntryOffset, "LedgerHeader");
  }
  const ledgerSeqOffset = skipStellarValue(bytes, scpValueOffset) + 2 * HASH_BYTES;
  if (ledgerSeqOffset + 4 > bytes.length) throw truncated(bytes, ledgerSeqOffset, 4, "LedgerHeader");
  return {
    lcmVersion,
    ledgerSeq: u32(bytes, ledgerSeqOffset),
    closeTimeSec: u64Number(bytes, closeTimeOffset, "LedgerHeader closeTime"),
    protocolVersion: u32(bytes, ledgerVersionOffset),
    headerEntryOffset,
  };
}
