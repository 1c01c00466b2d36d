/**
 * Positioned reads of exactly N bytes, private to src/formats readers. A file shorter than its own
 * metadata claims is corrupt (it was truncated after being written), so a short read is a
 * `CorruptFileError`, never a partial result; an OS failure is a `FileIoError`.
 * @module
 */

import * as fs from "node:fs";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { fileSystemCall } from "./file_io_error.ts";

/** What to read; `what` names it in messages ("tail", "records 3..5", "term block 7"). */
export interface ReadRequest {
  byteOffset: number;
  byteCount: number;
  what: string;
}

/** Reads `request.byteCount` bytes at `request.byteOffset` of `fd` into fresh memory. */
export function readExactly(path: string, fd: number, request: ReadRequest): Uint8Array {
  const bytes = new Uint8Array(request.byteCount);
  let done = 0;
  // Every pass reads ≥ 1 byte or throws, so the loop ends within byteCount passes.
  while (done < request.byteCount) {
    const count = fileSystemCall(path, "read", () =>
      fs.readSync(fd, bytes, done, request.byteCount - done, request.byteOffset + done),
    );
    if (count === 0) {
      throw new CorruptFileError(
        path,
        `file ends at byte ${request.byteOffset + done} while reading ${request.what} ` +
          `(${request.byteCount} bytes at byte ${request.byteOffset})`,
      );
    }
    done += count;
  }
  return bytes;
}
