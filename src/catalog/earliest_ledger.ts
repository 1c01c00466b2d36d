/**
 * The one configuration pin, `config:earliest_ledger` (reference §2.1; D2, D3): a decimal uint32,
 * chunk-aligned, written once on first start and immutable after. Reading anything else is fatal
 * (the catalog is damaged or not ours); the value names the key, the bad text and what to do.
 * @module
 */

import { assert } from "../assert.ts";
import { type LedgerSeq, isChunkAligned, LEDGER_SEQ_MAX } from "../geometry/chunk.ts";
import { CatalogKeyError, EARLIEST_LEDGER_KEY } from "../geometry/keys.ts";
import { type Catalog } from "./catalog.ts";
import { readValue, writeSynced } from "./_store.ts";

/** The pinned earliest ledger, or undefined before the first start pinned it. */
export function earliestLedger(catalog: Catalog): LedgerSeq | undefined {
  const value = readValue(catalog, EARLIEST_LEDGER_KEY);
  if (value === undefined) return undefined;
  // strconv.ParseUint(v, 10, 32) semantics (reference §2.1): decimal digits only, ≤ 2^32 − 1.
  if (!/^\d{1,10}$/.test(value) || Number(value) > LEDGER_SEQ_MAX) {
    throw new CatalogKeyError(
      `Malformed catalog value for "${EARLIEST_LEDGER_KEY}": "${value}" is not a uint32; ` +
        "the catalog is damaged or not fullhistory's: restore it or start from an empty data dir",
    );
  }
  return Number(value) as LedgerSeq;
}

/**
 * Pins the earliest ledger: one synced put. Config validation decides the value (D3); here it
 * must be chunk-aligned and must not change a pin already written (re-pinning the same value is a
 * no-op write).
 */
export function pinEarliestLedger(catalog: Catalog, ledgerSeq: LedgerSeq): void {
  assert(isChunkAligned(ledgerSeq), `earliest ledger ${ledgerSeq} is not the first ledger of a chunk`);
  const pinned = earliestLedger(catalog);
  assert(pinned === undefined || pinned === ledgerSeq, `earliest ledger is pinned at ${pinned}, refusing to re-pin ${ledgerSeq}`);
  writeSynced(catalog, [{ key: EARLIEST_LEDGER_KEY, value: String(ledgerSeq) }]);
}
