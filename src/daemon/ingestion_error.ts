/**
 * How the ingestion loop fails (reference §7.11; D11): a ledger the live tail could not deliver or
 * that could not be prepared. Not fatal: the supervisor restarts the run, which resumes at the
 * first uncommitted ledger. A commit failure is the hot DB's own `HotIngestError`.
 * @module
 */

import { FullhistoryError } from "../errors.ts";

/** A ledger could not be read from the lake or prepared; the message names the ledger and the lake. */
export class IngestionError extends FullhistoryError {
  override name = "IngestionError";
}
