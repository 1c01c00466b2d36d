/**
 * Reads a ledger pack `{chunk:08d}.pack` (reference §8.4, D5). The caller says which ledgers the
 * pack must hold (its chunk's first ledger and count); open rejects a pack whose format, appData
 * or count differ, so a misplaced or stale file is never served. Ledgers are returned as raw
 * LedgerCloseMeta XDR; each record's zstd frame checksum guards its bytes (§8.3).
 * @module
 */

import { assert } from "../assert.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { decodeLedgerPackAppData, LEDGER_PACK_LAYOUT } from "./ledger_pack.ts";
import { openPackfile, type PackfileReader } from "./packfile_reader.ts";

const U32_MAX = 0xffff_ffff;

/** The ledgers a pack must hold. */
export interface LedgerPackExpectation {
  firstLedgerSeq: LedgerSeq;
  ledgerCount: number;
}

/** Opens `path` and checks it holds exactly `expected`; throws `CorruptFileError` otherwise. */
export function openLedgerPack(path: string, expected: LedgerPackExpectation): LedgerPackReader {
  assert(expected.ledgerCount >= 1, `expected ledger count ${expected.ledgerCount} must be at least 1`);
  assert(
    expected.firstLedgerSeq + expected.ledgerCount - 1 <= U32_MAX,
    `expected ledgers ${expected.firstLedgerSeq} + ${expected.ledgerCount} overflow u32`,
  );
  const pack = openPackfile(path, LEDGER_PACK_LAYOUT);
  try {
    const firstLedgerSeq = decodeLedgerPackAppData(pack.appData, path);
    const ledgerCount = pack.itemCount;
    if (firstLedgerSeq !== expected.firstLedgerSeq || ledgerCount !== expected.ledgerCount) {
      throw new CorruptFileError(
        path,
        `holds ${ledgerCount} ledgers from ${firstLedgerSeq}, ` +
          `want ${expected.ledgerCount} ledgers from ${expected.firstLedgerSeq}`,
      );
    }
    return new LedgerPackReader(pack, firstLedgerSeq);
  } catch (err) {
    pack.close();
    throw err;
  }
}

/** An open, validated ledger pack. */
export class LedgerPackReader {
  readonly firstLedgerSeq: LedgerSeq;
  readonly #pack: PackfileReader;

  /** Use `openLedgerPack`. */
  constructor(pack: PackfileReader, firstLedgerSeq: LedgerSeq) {
    this.#pack = pack;
    this.firstLedgerSeq = firstLedgerSeq;
  }

  get ledgerCount(): number {
    return this.#pack.itemCount;
  }

  get lastLedgerSeq(): LedgerSeq {
    return (this.firstLedgerSeq + this.#pack.itemCount - 1) as LedgerSeq;
  }

  /** The raw LedgerCloseMeta XDR of `ledgerSeq` (one read + one zstd decode). */
  ledger(ledgerSeq: LedgerSeq): Uint8Array {
    this.#assertHolds(ledgerSeq);
    return this.#checked(ledgerSeq, this.#pack.readItem(ledgerSeq - this.firstLedgerSeq));
  }

  /** Ledgers fromSeq..toSeq inclusive, ascending, read in coalesced runs. */
  *ledgers(fromSeq: LedgerSeq, toSeq: LedgerSeq): Generator<Uint8Array> {
    assert(fromSeq <= toSeq, `ledger range [${fromSeq}, ${toSeq}] is reversed`);
    this.#assertHolds(fromSeq);
    this.#assertHolds(toSeq);
    let ledgerSeq = fromSeq;
    for (const lcmBytes of this.#pack.items(fromSeq - this.firstLedgerSeq, toSeq - this.firstLedgerSeq + 1)) {
      yield this.#checked(ledgerSeq, lcmBytes);
      ledgerSeq = (ledgerSeq + 1) as LedgerSeq;
    }
  }

  close(): void {
    this.#pack.close();
  }

  #checked(ledgerSeq: LedgerSeq, lcmBytes: Uint8Array): Uint8Array {
    if (lcmBytes.length === 0) throw new CorruptFileError(this.#pack.path, `ledger ${ledgerSeq} is empty`);
    return lcmBytes;
  }

  #assertHolds(ledgerSeq: LedgerSeq): void {
    assert(ledgerSeq >= this.firstLedgerSeq, `ledger ${ledgerSeq} is before this pack's first ${this.firstLedgerSeq}`);
    assert(ledgerSeq <= this.lastLedgerSeq, `ledger ${ledgerSeq} is after this pack's last ${this.lastLedgerSeq}`);
  }
}
