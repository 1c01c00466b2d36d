/**
 * LedgerOffsets v1 (reference §8.5a): the `-events.pack` appData mapping each ledger of the chunk
 * to its chunk-relative event ids. All integers big-endian:
 *
 *   off  size  field
 *    0    1    version 0x01
 *    1    4    startLedger (u32)
 *    5    4    ledgerCount N (u32)
 *    9   4·N   cumulative event count through ledger startLedger + i (u32)
 *
 * Ledger i's events are ids [cum[i−1], cum[i]) with cum[−1] = 0. Every ledger has an entry,
 * zero-event ledgers included. Keeps: cumulative counts never decrease and the last ledger fits a
 * u32; the decoder rejects an unknown version, a wrong length and a decreasing count.
 * @module
 */

import { assert } from "../assert.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";

export const LEDGER_OFFSETS_VERSION = 0x01;
const HEADER_BYTES = 9;
const U32_MAX = 0xffff_ffff;

/** Per-ledger cumulative event counts from `startLedgerSeq`. */
export interface LedgerOffsets {
  startLedgerSeq: LedgerSeq;
  /** Entry i = events in ledgers startLedgerSeq..startLedgerSeq + i; non-decreasing. */
  cumulativeEventCounts: Uint32Array;
}

/** Half-open range of chunk-relative event ids. */
export interface EventIdRange {
  fromEventId: number;
  endEventId: number;
}

export function encodeLedgerOffsets(offsets: LedgerOffsets): Uint8Array {
  const counts = offsets.cumulativeEventCounts;
  assert(Number.isInteger(offsets.startLedgerSeq), `start ledger ${offsets.startLedgerSeq} is not an integer`);
  assert(offsets.startLedgerSeq >= 0, `start ledger ${offsets.startLedgerSeq} is negative`);
  assert(offsets.startLedgerSeq + counts.length - 1 <= U32_MAX, "last ledger exceeds u32");
  const bytes = new Uint8Array(HEADER_BYTES + 4 * counts.length);
  const view = new DataView(bytes.buffer);
  bytes[0] = LEDGER_OFFSETS_VERSION;
  view.setUint32(1, offsets.startLedgerSeq, false);
  view.setUint32(5, counts.length, false);
  for (let i = 0; i < counts.length; i++) {
    if (i > 0) assert(counts[i]! >= counts[i - 1]!, `cumulative event count decreases at ledger index ${i}`);
    view.setUint32(HEADER_BYTES + 4 * i, counts[i]!, false);
  }
  return bytes;
}

/** Decodes LedgerOffsets read from `path`; every violation is a `CorruptFileError`. */
export function decodeLedgerOffsets(bytes: Uint8Array, path: string): LedgerOffsets {
  const fail = (detail: string): never => {
    throw new CorruptFileError(path, `ledger offsets (appData): ${detail}`);
  };
  if (bytes.length < HEADER_BYTES) fail(`${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  if (bytes[0] !== LEDGER_OFFSETS_VERSION) fail(`unknown version 0x${bytes[0]!.toString(16).padStart(2, "0")}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const startLedgerSeq = view.getUint32(1, false) as LedgerSeq;
  const ledgerCount = view.getUint32(5, false);
  if (bytes.length !== HEADER_BYTES + 4 * ledgerCount) {
    fail(`${bytes.length} bytes, but ${ledgerCount} ledgers need ${HEADER_BYTES + 4 * ledgerCount}`);
  }
  if (ledgerCount > 0 && startLedgerSeq + ledgerCount - 1 > U32_MAX) {
    fail(`ledgers ${startLedgerSeq} + ${ledgerCount} overflow u32`);
  }
  const counts = new Uint32Array(ledgerCount);
  for (let i = 0; i < ledgerCount; i++) {
    counts[i] = view.getUint32(HEADER_BYTES + 4 * i, false);
    if (i > 0 && counts[i]! < counts[i - 1]!) {
      fail(`cumulative count ${counts[i]} at ledger ${startLedgerSeq + i} is below ${counts[i - 1]} before it`);
    }
  }
  return { startLedgerSeq, cumulativeEventCounts: counts };
}

/** Events in all ledgers. */
export function totalEventCount(offsets: LedgerOffsets): number {
  const counts = offsets.cumulativeEventCounts;
  return counts.length === 0 ? 0 : counts[counts.length - 1]!;
}

/** The ids of the events in ledgers fromSeq..toSeq inclusive; both must be covered. */
export function eventIdRangeOfLedgers(
  offsets: LedgerOffsets,
  ledgers: { fromSeq: LedgerSeq; toSeq: LedgerSeq },
): EventIdRange {
  const { fromSeq, toSeq } = ledgers;
  const counts = offsets.cumulativeEventCounts;
  const fromIndex = fromSeq - offsets.startLedgerSeq;
  const toIndex = toSeq - offsets.startLedgerSeq;
  assert(fromIndex >= 0, `ledger ${fromSeq} is before the first covered ledger ${offsets.startLedgerSeq}`);
  assert(toIndex < counts.length, `ledger ${toSeq} is after the last covered ledger`);
  assert(fromIndex <= toIndex, `ledger range [${fromSeq}, ${toSeq}] is reversed`);
  return { fromEventId: fromIndex === 0 ? 0 : counts[fromIndex - 1]!, endEventId: counts[toIndex]! };
}
