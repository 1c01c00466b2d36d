/**
 * Cold-file reads shared by src/formats readers (private): open with one speculative tail read,
 * and positioned reads of exactly N bytes. A file shorter than its own metadata claims is corrupt
 * (it was truncated after being written), so a short read is a `CorruptFileError`, never a
 * partial result; an OS failure is a `FileIoError`.
 * @module
 */

import * as fs from "node:fs";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { fileSystemCall } from "./file_io_error.ts";

/** Speculative tail read on open: trailer or footer plus, usually, the index behind it (§8.2). */
export const TAIL_READ_BYTES = 256 * 1024;

/** A file open for reading. */
export interface OpenFile {
  path: string;
  fd: number;
}

/** What to read; `what` names it in messages ("tail", "records 3..5", "term block 7"). */
export interface ReadRequest {
  byteOffset: number;
  byteCount: number;
  what: string;
}

/** Reads `request.byteCount` bytes at `request.byteOffset` of `file` into fresh memory. */
export function readExactly(file: OpenFile, request: ReadRequest): Uint8Array {
  const bytes = new Uint8Array(request.byteCount);
  let done = 0;
  // Every pass reads ≥ 1 byte or throws, so the loop ends within byteCount passes.
  while (done < request.byteCount) {
    const count = fileSystemCall(file.path, {
      step: "read",
      call: () => fs.readSync(file.fd, bytes, done, request.byteCount - done, request.byteOffset + done),
    });
    if (count === 0) {
      throw new CorruptFileError(
        file.path,
        `file ends at byte ${request.byteOffset + done} while reading ${request.what} ` +
          `(${request.byteCount} bytes at byte ${request.byteOffset})`,
      );
    }
    done += count;
  }
  return bytes;
}

/** An opened file, its size, and its last min(256 KiB, size) bytes. */
export interface FileTail extends OpenFile {
  fileBytes: number;
  tail: Uint8Array;
}

/**
 * Opens `path`, checks it is at least `minBytes` long (its fixed trailer or footer, named by
 * `what`), reads its tail in ONE read and hands everything to `parse`. If anything throws, the
 * descriptor is closed before the error propagates; otherwise `parse`'s result owns it.
 */
export function openWithTail<T>(
  path: string,
  options: { minBytes: number; what: string; parse: (opened: FileTail) => T },
): T {
  const fd = fileSystemCall(path, { step: "open", call: () => fs.openSync(path, "r") });
  try {
    const fileBytes = fileSystemCall(path, { step: "stat", call: () => fs.fstatSync(fd).size });
    if (fileBytes < options.minBytes) {
      throw new CorruptFileError(path, `file is ${fileBytes} bytes, shorter than the ${options.minBytes}-byte ${options.what}`);
    }
    const tailBytes = Math.min(TAIL_READ_BYTES, fileBytes);
    const tail = readExactly({ path, fd }, { byteOffset: fileBytes - tailBytes, byteCount: tailBytes, what: "tail" });
    return options.parse({ path, fd, fileBytes, tail });
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}
