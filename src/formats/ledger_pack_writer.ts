/**
 * Writes a ledger pack `{chunk:08d}.pack` (reference §8.4, D5; format facts in `ledger_pack.ts`)
 * in one streaming pass: ledgers must arrive as exactly firstSeq, firstSeq + 1, … — a gap or an
 * out-of-order ledger is rejected before anything is written for it, and a pack with zero ledgers
 * is never finished. Durability and partial-file removal are the packfile writer's (§8.2).
 * @module
 */

import { assert } from "../assert.ts";
import { FullhistoryError } from "../errors.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { decodeLedgerPackAppData, encodeLedgerPackAppData, LEDGER_PACK_LAYOUT } from "./ledger_pack.ts";
import { createPackfileWriter, type PackfileWriter } from "./packfile_writer.ts";

const U32_MAX = 0xffff_ffff;

/** A caller handed the writer ledgers it cannot pack: a gap, a repeat, or none at all. */
export class LedgerPackError extends FullhistoryError {
  override name = "LedgerPackError";
}

/** Creates (truncating) `path` for the ledgers starting at `firstLedgerSeq`. */
export function createLedgerPackWriter(path: string, firstLedgerSeq: LedgerSeq): LedgerPackWriter {
  // Encoding validates the u32 range before a file is created.
  const appData = encodeLedgerPackAppData(firstLedgerSeq);
  return new LedgerPackWriter(createPackfileWriter(path, LEDGER_PACK_LAYOUT), appData);
}

/** One ledger pack being written; `finish()` or `close()` it. */
export class LedgerPackWriter {
  readonly firstLedgerSeq: LedgerSeq;
  readonly #pack: PackfileWriter;
  readonly #appData: Uint8Array;

  /** Use `createLedgerPackWriter`; `appData` is the encoded first ledger. */
  constructor(pack: PackfileWriter, appData: Uint8Array) {
    this.#pack = pack;
    this.#appData = appData;
    this.firstLedgerSeq = decodeLedgerPackAppData(appData, pack.path);
  }

  get path(): string {
    return this.#pack.path;
  }

  get ledgerCount(): number {
    return this.#pack.itemCount;
  }

  /** The only sequence `append` accepts next. */
  get nextLedgerSeq(): LedgerSeq {
    return (this.firstLedgerSeq + this.#pack.itemCount) as LedgerSeq;
  }

  /** Appends the raw LedgerCloseMeta XDR of `ledgerSeq`, which must be `nextLedgerSeq`. */
  append(ledgerSeq: LedgerSeq, lcmBytes: Uint8Array): void {
    if (ledgerSeq !== this.nextLedgerSeq) {
      throw new LedgerPackError(
        `Cannot append ledger ${ledgerSeq} to "${this.path}": ledger ${this.nextLedgerSeq} must come next ` +
          `(a pack holds consecutive ledgers from ${this.firstLedgerSeq}); the ledger source delivered out of order`,
      );
    }
    assert(ledgerSeq <= U32_MAX, `ledger ${ledgerSeq} exceeds u32`);
    assert(lcmBytes.length > 0, `ledger ${ledgerSeq}: empty LedgerCloseMeta`);
    this.#pack.append(lcmBytes);
  }

  /** Writes index, appData and trailer, fsyncs and closes. Zero ledgers: removes the file and throws. */
  finish(): void {
    if (this.ledgerCount === 0) {
      this.#pack.close();
      throw new LedgerPackError(
        `Cannot finish "${this.path}": no ledgers were appended (want ledgers from ${this.firstLedgerSeq}); ` +
          `the partial file was removed`,
      );
    }
    this.#pack.finish(this.#appData);
  }

  /** Abandons an unfinished pack and removes its partial file; a no-op after `finish()`. */
  close(): void {
    this.#pack.close();
  }
}
