/**
 * An error as a Worker posts it (backfill Workers, the ingest Worker): error classes do not
 * survive structured clone, so the category the supervisor acts on (D11) travels beside the text.
 * @module
 */

import { FatalError, FullhistoryError, systemErrorCode } from "./errors.ts";
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

/**
 * Classifies and flattens `error` for `postMessage`, by the supervisor's rule (`classifyRunFailure`):
 * a system error (EIO, ENOSPC) is the host, not our logic, so it is expected (retried, restarted).
 */
export function serializeError(error: unknown): SerializedError {
  const category: ErrorCategory =
    error instanceof FatalError ? "fatal" : error instanceof FullhistoryError || systemErrorCode(error) !== undefined ? "expected" : "bug";
  const name = error instanceof Error ? error.name : typeof error;
  const stack = error instanceof Error ? error.stack : undefined;
  return { category, name, message: errorChainText(error), stack };
}

/**
 * One line for a Worker's `error` event (an uncaught throw, or a script that failed to load): Bun
 * puts a source excerpt with a caret, then `Name: message`, then the stack into `event.message`,
 * and leaves `event.error` null. Log lines and error messages are one line (reference §10.3), so
 * this keeps the `Name: message` line, else the first non-empty one.
 */
export function workerErrorEventText(event: ErrorEvent): string {
  const lines = event.message.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  return lines.find((line) => ERROR_LINE.test(line)) ?? lines[0] ?? "no message";
}

/** `TypeError: …`, `error: Cannot find module …`: the line that names the failure. */
const ERROR_LINE = /^(?:[A-Z][A-Za-z]*Error|error): /;
