/**
 * `[retention] earliest_ledger` (D3, reference §4.1 and §4.3): the lowest ledger the operator wants
 * kept, written as a STRING: `"genesis"`, `"now"` (the first ledger of the chunk holding the
 * network tip at first start) or a chunk-aligned ledger number such as `"30002"`. Parsing is pure;
 * resolving `"now"` against the tip and pinning the result in the catalog happen at first start
 * (`config:earliest_ledger`, D2), not here.
 * @module
 */

import {
  type LedgerSeq,
  CHUNK_ID_MAX,
  chunkFirstLedger,
  chunkOfLedger,
  FIRST_LEDGER_SEQ,
  isChunkAligned,
  LEDGER_SEQ_MAX,
  toChunkId,
} from "../geometry/chunk.ts";

/** The parsed `earliest_ledger`. */
export type EarliestLedger = { kind: "genesis" } | { kind: "now" } | { kind: "ledger"; ledgerSeq: LedgerSeq };

/** What an accepted value looks like, for error messages (reference §4.3's wording). */
export const EARLIEST_LEDGER_HINT = 'must be "genesis", "now" or a chunk-aligned ledger number ≥ 2 as a string, e.g. "30002"';

/** Decimal digits only, as Go's ParseUint(v, 10, 32) accepts them (reference §4.3). */
const LEDGER_DIGITS_RE = /^\d{1,10}$/;

/** Parses `text`; undefined when it is none of the accepted forms. */
export function parseEarliestLedger(text: string): EarliestLedger | undefined {
  if (text === "genesis") return { kind: "genesis" };
  if (text === "now") return { kind: "now" };
  if (!LEDGER_DIGITS_RE.test(text)) return undefined;
  const ledgerSeq = Number(text);
  if (ledgerSeq > LEDGER_SEQ_MAX) return undefined;
  if (ledgerSeq < FIRST_LEDGER_SEQ) return undefined;
  if (chunkOfLedger(ledgerSeq as LedgerSeq) > CHUNK_ID_MAX) return undefined;
  if (!isChunkAligned(ledgerSeq as LedgerSeq)) return undefined;
  return { kind: "ledger", ledgerSeq: ledgerSeq as LedgerSeq };
}

/** The config string for `earliestLedger`; `parseEarliestLedger` is its inverse. */
export function formatEarliestLedger(earliestLedger: EarliestLedger): string {
  switch (earliestLedger.kind) {
    case "genesis":
    case "now":
      return earliestLedger.kind;
    case "ledger":
      return String(earliestLedger.ledgerSeq);
  }
}

/**
 * Why `text` was rejected, beyond `EARLIEST_LEDGER_HINT`: for a number that is not the first
 * ledger of its chunk, the two aligned ledgers around it, so the operator can pick one.
 */
export function earliestLedgerAdvice(text: string): string | undefined {
  if (!LEDGER_DIGITS_RE.test(text)) return undefined;
  const ledgerSeq = Number(text);
  if (ledgerSeq > LEDGER_SEQ_MAX) return `${text} does not fit a uint32 ledger number`;
  if (ledgerSeq < FIRST_LEDGER_SEQ) return `${text} is below genesis ledger ${FIRST_LEDGER_SEQ}; use "genesis"`;
  const chunkId = chunkOfLedger(ledgerSeq as LedgerSeq);
  if (chunkId > CHUNK_ID_MAX) return `ledger ${text} is in chunk ${chunkId}, past the last whole chunk ${CHUNK_ID_MAX}`;
  const below = chunkFirstLedger(chunkId);
  if (below === ledgerSeq) return undefined;
  const above = chunkId < CHUNK_ID_MAX ? ` or "${chunkFirstLedger(toChunkId(chunkId + 1))}"` : "";
  return `${text} is not the first ledger of its chunk; use "${below}"${above}`;
}
