/**
 * `validateConfig` (reference §4.3 without the cpi pin, which D1 removed; startup step 5, §7.6):
 * runs after every root is locked and the catalog is open, and settles `config:earliest_ledger`.
 * The stateless checks of §4.3 step 1 (workers, retries, the form of earliest_ledger) already ran
 * in the config schema (D3), so this is only the pin:
 *
 *   restart (pin present)    "now"      no-op: keeps the pin, samples no tip
 *                            "genesis"  must equal the pin (2), else refused
 *                            "N"        must equal the pin, else refused
 *   first start (no pin)     "genesis"  pins 2; no tip needed, the lake may be down
 *                            "now"      samples the tip, pins the first ledger of the tip's chunk
 *                            "N"        samples the tip; N past the tip is refused; pins N
 *
 * Writes at most one synced put (the pin) and nothing on any failure: a refused or failed start
 * leaves the catalog exactly as it was.
 * @module
 */

import { earliestLedger, pinEarliestLedger } from "../catalog/earliest_ledger.ts";
import type { Catalog } from "../catalog/catalog.ts";
import { type EarliestLedger, formatEarliestLedger } from "../config/earliest_ledger.ts";
import { FatalError } from "../errors.ts";
import { chunkFirstLedger, chunkOfLedger, FIRST_LEDGER_SEQ, type LedgerSeq } from "../geometry/chunk.ts";
import { sampleTipOrFail, type TipSampler } from "./network_tip.ts";

/** The configured earliest ledger contradicts the pin or the network. Restarting cannot fix it (D11). */
export class EarliestLedgerError extends FatalError {
  override name = "EarliestLedgerError";
}

/** What `validateConfig` needs. */
export interface ValidateConfigDeps {
  readonly catalog: Catalog;
  readonly sampleTip: TipSampler;
  readonly signal: AbortSignal;
}

/** How the pin was settled, for the startup log line. */
export interface SettledEarliestLedger {
  readonly earliestLedgerSeq: LedgerSeq;
  /** True when this start wrote the pin (first start). */
  readonly pinnedNow: boolean;
}

/** Settles the `earliest_ledger` pin as the module comment lays out, or throws having written nothing. */
export async function validateConfig(deps: ValidateConfigDeps, configured: EarliestLedger): Promise<SettledEarliestLedger> {
  const pinned = earliestLedger(deps.catalog);
  if (pinned !== undefined) return { earliestLedgerSeq: checkRestart(pinned, configured), pinnedNow: false };
  const earliestLedgerSeq = await resolveFirstStart(deps, configured);
  pinEarliestLedger(deps.catalog, earliestLedgerSeq);
  return { earliestLedgerSeq, pinnedNow: true };
}

function checkRestart(pinned: LedgerSeq, configured: EarliestLedger): LedgerSeq {
  if (configured.kind === "now") return pinned; // deliberate no-op (§4.3 step 3): never aborts, no tip
  const wanted = configured.kind === "genesis" ? FIRST_LEDGER_SEQ : configured.ledgerSeq;
  if (wanted === pinned) return pinned;
  throw new EarliestLedgerError(
    `Cannot start: earliest_ledger changed: pinned ${pinned} at first start, config says "${formatEarliestLedger(configured)}"; ` +
      `set [retention] earliest_ledger = "${pinned}" (or "now") again. Wipe the data directory to change earliest_ledger`,
  );
}

async function resolveFirstStart(deps: ValidateConfigDeps, configured: EarliestLedger): Promise<LedgerSeq> {
  switch (configured.kind) {
    case "genesis":
      return FIRST_LEDGER_SEQ;
    case "now": {
      const tipLedgerSeq = await sampleTipOrFail(deps.sampleTip, {
        signal: deps.signal,
        why: 'Cannot pin earliest_ledger = "now" on first start: it needs a reachable, ready lake to read the network tip',
      });
      return chunkFirstLedger(chunkOfLedger(tipLedgerSeq));
    }
    case "ledger": {
      const tipLedgerSeq = await sampleTipOrFail(deps.sampleTip, {
        signal: deps.signal,
        why:
          `Cannot pin earliest_ledger = "${configured.ledgerSeq}" on first start: checking it against the network tip ` +
          "needs a reachable, ready lake",
      });
      if (configured.ledgerSeq > tipLedgerSeq) {
        throw new EarliestLedgerError(
          `Cannot pin earliest_ledger = "${configured.ledgerSeq}": it is past the current network tip ${tipLedgerSeq}; ` +
            "choose a chunk-aligned ledger at or below the tip (or \"now\")",
        );
      }
      return configured.ledgerSeq;
    }
  }
}
