/**
 * `networkTip` sampling with the reference's bounded retry (reference §4.4; D10): up to
 * `attempts` looks, a fixed pause between them (none before the first), cancellable. A tip below
 * genesis is "not ready" and returns at once; an unreachable source is retried; anything else
 * (a misconfigured or corrupt lake) fails at once.
 * @module
 */

import { assert } from "../assert.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { sleepMs } from "./_abortable.ts";
import { LakeUnavailableError } from "./lake_errors.ts";
import { type LedgerSource } from "./ledger_source.ts";

/** Reference defaults: `TipMaxAttempts` 5, `TipBackoff` 1 s. */
export const TIP_ATTEMPTS_DEFAULT = 5;
export const TIP_BACKOFF_MS_DEFAULT = 1000;

export async function sampleNetworkTip(
  source: Pick<LedgerSource, "networkTip" | "description">,
  options: { attempts?: number; backoffMs?: number; signal?: AbortSignal | undefined } = {},
): Promise<LedgerSeq> {
  const attempts = options.attempts ?? TIP_ATTEMPTS_DEFAULT;
  const backoffMs = options.backoffMs ?? TIP_BACKOFF_MS_DEFAULT;
  assert(Number.isInteger(attempts) && attempts >= 1, `tip attempts ${attempts} must be an integer >= 1`);
  let lastError: LakeUnavailableError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleepMs(backoffMs, options.signal);
    try {
      return await source.networkTip({ signal: options.signal });
    } catch (err) {
      if (!(err instanceof LakeUnavailableError)) throw err; // not ready, misconfigured: no retry
      lastError = err;
    }
  }
  throw new LakeUnavailableError(
    `Network tip of ${source.description} unavailable after ${attempts} attempts: ${lastError?.message}`,
    { cause: lastError },
  );
}
