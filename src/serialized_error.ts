/**
 * An error as a Worker posts it (backfill Workers, the ingest Worker): error classes do not
 * survive structured clone, so the category the supervisor acts on (D11) travels beside the text.
 * @module
 */

import { FatalError, FullhistoryError } from "./errors.ts";
import { errorChainText } from "./log/logger.ts";

/** How a failure is classified across the thread boundary (classes do not survive structured clone). */
export type ErrorCategory = "expected" | "fatal" | "bug";

/** An error as posted by a Worker. */
export interface SerializedError {
  category: ErrorCategory;
  name: string;
  /** The message and its `cause` chain, `outer: cause: cause`. */
  message: string;
  stack: string | undefined;
}

/** Classifies and flattens `error` for `postMessage`. */
export function serializeError(error: unknown): SerializedError {
  const category: ErrorCategory =
    error instanceof FatalError ? "fatal" : error instanceof FullhistoryError ? "expected" : "bug";
  const name = error instanceof Error ? error.name : typeof error;
  const stack = error instanceof Error ? error.stack : undefined;
  return { category, name, message: errorChainText(error), stack };
}
