/**
 * The error every config rejection throws (D3). Its message is ONE line that names the key as a
 * dotted path, the bad value and what is allowed, e.g.
 * `Invalid config: backfill.workers = 0: must be an integer ≥ 1 and ≤ 1024 (a zero pool deadlocks backfill)`.
 * @module
 */

import { FullhistoryError } from "../errors.ts";

/** A config file or config flag the daemon cannot run with. Nothing on disk was changed. */
export class ConfigError extends FullhistoryError {
  override name = "ConfigError";
}
