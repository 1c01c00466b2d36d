/**
 * The one interface every ledger source implements (reference §9.1; README D10, D12). Backfill
 * streams chunk ranges from it, catch-up samples its tip, and the live tail polls it ledger by
 * ledger. Today the only implementation is the lake (`datastore_source.ts`, over Filesystem or S3);
 * a captive-core source (D12) would implement the same three calls: `networkTip` from core's
 * latest closed ledger, `ledgers` from a bounded replay, `ledger` from the live meta stream.
 *
 * Results are raw `LedgerCloseMeta` XDR bytes; `src/xdr` reads them.
 * @module
 */

import type { LedgerSeq } from "../geometry/chunk.ts";

/** An inclusive ledger range, `first ≤ last`. */
export interface LedgerRange {
  readonly first: LedgerSeq;
  readonly last: LedgerSeq;
}

/** Cancellation for one call. An aborted call rejects with `signal.reason`. */
export interface SourceCallOptions {
  readonly signal?: AbortSignal | undefined;
}

export interface LedgerSource {
  /** What the source reads, for logs: `Filesystem lake "/srv/lake"`. */
  readonly description: string;

  /**
   * The highest ledger the source can serve now, from one bounded look (no full listing).
   * Throws `LakeNotReadyError` when that is below genesis (nothing to serve yet, §4.4) and
   * `LakeUnavailableError` when the source could not be reached; `sampleNetworkTip` retries.
   */
  networkTip(options?: SourceCallOptions): Promise<LedgerSeq>;

  /**
   * Every ledger of `range`, each exactly once, in sequence order, as raw LedgerCloseMeta bytes.
   * Any gap, repeat or corrupt object ends the iteration with an error naming the object; so does
   * cancellation (with `signal.reason`). Fetching ahead is bounded by the source's prefetch settings.
   */
  ledgers(range: LedgerRange, options?: SourceCallOptions): AsyncIterable<Uint8Array>;

  /**
   * Ledger `ledgerSeq`, or undefined when the source does not hold it yet: the live tail polls
   * again after `[ingestion] poll_interval`. Anything else wrong (corrupt object, unreachable
   * store after retries) throws, so "not there yet" is never confused with a failure.
   */
  ledger(ledgerSeq: LedgerSeq, options?: SourceCallOptions): Promise<Uint8Array | undefined>;
}
