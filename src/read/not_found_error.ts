/**
 * The expected "no such ledger / transaction" outcome of a read command (reference §6: below the
 * floor, not frozen/ready, or not ingested yet all read as not found). One line, exit status 1.
 * @module
 */

import { FullhistoryError } from "../errors.ts";

export class NotFoundError extends FullhistoryError {
  override name = "NotFoundError";
}
