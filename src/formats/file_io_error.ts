/**
 * The error cold-file writers and readers throw when the filesystem refuses an operation (ENOENT,
 * ENOSPC, EIO, EACCES, ...), as opposed to bytes that fail validation (`CorruptFileError`). A
 * writer has already removed its partial file. The message names the file, the step and the
 * errno, and says what to do; the original error is the `cause`.
 * @module
 */

import { errnoCode, FullhistoryError, systemErrorCode } from "../errors.ts";

/** A failed create/write/fsync/close/open/read of a cold file. */
export class FileIoError extends FullhistoryError {
  override name = "FileIoError";
  readonly path: string;
  readonly step: string;

  /** `step` is the failed operation: "create", "write", "fsync", "close", "open", "read". */
  constructor(path: string, failure: { step: string; cause: unknown }) {
    const { step, cause } = failure;
    const reason = errnoCode(cause) ?? (cause instanceof Error ? cause.message : String(cause));
    super(
      `Cannot ${step} "${path}": ${reason}; ` +
        `check that the volume is mounted, writable and has free space`,
      { cause },
    );
    this.path = path;
    this.step = step;
  }
}

/**
 * A cleanup (removing a partial file) that failed after `failure`, saying what it cleaned up after:
 * the cleanup's error is what the caller throws, and the root cause must not vanish from it.
 */
export function cleanupFailedAfter(cleanup: FileIoError, failure: unknown): FileIoError {
  const original = failure instanceof Error ? failure.message : String(failure);
  return new FileIoError(cleanup.path, { step: `${cleanup.step} (after: ${original})`, cause: cleanup.cause });
}

/** Runs `operation.call`; an OS error (errno code "E…") becomes a `FileIoError`, others pass. */
export function fileSystemCall<T>(path: string, operation: { step: string; call: () => T }): T {
  try {
    return operation.call();
  } catch (err) {
    if (systemErrorCode(err) === undefined) throw err;
    throw new FileIoError(path, { step: operation.step, cause: err });
  }
}
