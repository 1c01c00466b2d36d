/**
 * The failures a backfill task reports (style R9: each message says what failed, where — chunk,
 * coverage, file, ledger — and what to do). Whether `executePlan` retries one is decided by its
 * class alone (`with_retries.ts`): a `FatalError` subclass is never retried and stops the daemon
 * (D11); any other `FullhistoryError` is retried, and a restart re-plans it from the catalog.
 * @module
 */

import { FatalError, FullhistoryError } from "../errors.ts";

/** A chunk or index build failed in a way repeating may fix (lake hiccup, full disk, a dead Worker). */
export class BackfillTaskError extends FullhistoryError {
  override name = "BackfillTaskError";
}

/** A chunk or index build failed in a way repeating cannot fix (wrong lake config, lost storage). */
export class BackfillFatalTaskError extends FatalError {
  override name = "BackfillFatalTaskError";
}

/** A ledger source skipped, repeated, overran or cut short a chunk's ledgers (reference §7.5). */
export class ChunkSourceError extends FullhistoryError {
  override name = "ChunkSourceError";
}

/** `chunk:{c}:ledgers` is frozen but its pack is gone: INV-3 is broken; never silently re-downloaded (§7.4). */
export class FrozenPackMissingError extends FatalError {
  override name = "FrozenPackMissingError";
}

/** An index build found an input `.bin` that is not frozen, before writing any key (reference §5.3 step 2). */
export class IndexPreconditionError extends FullhistoryError {
  override name = "IndexPreconditionError";
}
