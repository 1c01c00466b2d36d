/**
 * The error cold-file writers and readers throw when the filesystem refuses an operation (ENOENT,
 * ENOSPC, EIO, EACCES, ...), as opposed to bytes that fail validation (`CorruptFileError`). A
 * writer has already removed its partial file. The message names the file, the step and the
 * errno, and says what to do; the original error is the `cause`.
 * @module
 */

import { errnoCode, FullhistoryError } from "../errors.ts";

/** A failed create/write/fsync/close/open/read of a cold file. */
export class FileIoError extends FullhistoryError {
  override name = "FileIoError";
  readonly path: string;

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
  }
}

/** Runs `operation.call`; an OS error (errno code "E…") becomes a `FileIoError`, others pass. */
export function fileSystemCall<T>(path: string, operation: { step: string; call: () => T }): T {
  try {
    return operation.call();
  } catch (err) {
    const code = errnoCode(err);
    if (code === undefined || !code.startsWith("E") || code.startsWith("ERR_")) throw err;
    throw new FileIoError(path, { step: operation.step, cause: err });
  }
}
