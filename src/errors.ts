/**
 * The one error family operators see (style R9, Hono's "one error type carrying cause").
 * A `FullhistoryError` is an expected failure whose message alone tells the operator what failed,
 * where, and what to do; the CLI prints that one line (no stack) and exits non-zero. Each module
 * defines its own subclasses (ConfigError, CorruptFileError, ...). `FatalError` marks the classes
 * the supervisor must not retry (D11).
 * @module
 */

/** An expected, operator-actionable failure. Keep `cause` for the log. */
export class FullhistoryError extends Error {
  override name = "FullhistoryError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A failure that restarting cannot fix (D11): the supervisor exits non-zero with this message. */
export class FatalError extends FullhistoryError {
  override name = "FatalError";
}

/** The errno name of a Node/Bun system error ("ENOENT"), or undefined for anything else. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/**
 * The errno name of a failed system call (`EIO`, `ENOSPC`, `EACCES`): the disk or the host, not
 * our logic. Node's own `ERR_*` codes (`ERR_INVALID_ARG_TYPE`) name programming errors and are not
 * system errors.
 */
export function systemErrorCode(err: unknown): string | undefined {
  const code = errnoCode(err);
  return code !== undefined && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * A bad command line (unknown command or flag, missing value, missing `--config`). The CLI entry
 * prints the one-line message and exits 2, the conventional usage-error status.
 */
export class UsageError extends FullhistoryError {
  override name = "UsageError";
}
