/**
 * The network tip as startup sees it (reference §4.4; D10): one sampler, `sampleNetworkTip` over the
 * lake in production, used by config validation (pinning `"now"` or checking a numeric floor) and by
 * every catch-up pass. A sampler that cannot produce a tip is a failed run, never a guess: startup
 * refuses to pin or to serve behind an unknown frontier.
 * @module
 */

import { FIRST_LEDGER_SEQ, type LedgerSeq } from "../geometry/chunk.ts";
import { FatalError, FullhistoryError } from "../errors.ts";

/**
 * Samples the network tip once, with the reference's bounded retry inside (§4.4). Rejects with a
 * `FullhistoryError` when the source is unreachable or not ready, with `signal.reason` when aborted.
 */
export type TipSampler = (options: { signal: AbortSignal }) => Promise<LedgerSeq>;

/** No tip could be sampled. The run stops; a restart (after the lake is back) retries (D10). */
export class TipUnavailableError extends FullhistoryError {
  override name = "TipUnavailableError";
}

/**
 * Samples the tip; a non-fatal sampling failure becomes a `TipUnavailableError` whose message is
 * `why` then the cause. Fatal failures (a misconfigured lake, D11), aborts and bugs pass through.
 * A tip below genesis is "not ready" (§4.4) whichever sampler reported it: the tip is input.
 */
export async function sampleTipOrFail(sampleTip: TipSampler, options: { signal: AbortSignal; why: string }): Promise<LedgerSeq> {
  let tipLedgerSeq: LedgerSeq;
  try {
    tipLedgerSeq = await sampleTip({ signal: options.signal });
  } catch (err) {
    if (options.signal.aborted) throw err;
    if (!(err instanceof FullhistoryError) || err instanceof FatalError) throw err;
    throw new TipUnavailableError(`${options.why}: ${err.message}`, { cause: err });
  }
  if (tipLedgerSeq < FIRST_LEDGER_SEQ) {
    throw new TipUnavailableError(
      `${options.why}: the network tip ${tipLedgerSeq} is below genesis ${FIRST_LEDGER_SEQ}, the lake is not ready; ` +
        "wait until it holds ledgers, then restart",
    );
  }
  return tipLedgerSeq;
}
