/**
 * Byte comparison of two files for the deep audit (D15, INV-1): where a stored artifact first
 * differs from its re-derivation. Streams both files through one bounded buffer each.
 * @module
 */

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { FileIoError, fileSystemCall } from "../formats/file_io_error.ts";

const COMPARE_BUFFER_BYTES = 1 << 20;

/** Where two files differ: the first differing byte offset, and both sizes. */
export interface FileDifference {
  readonly byteOffset: number;
  readonly byteCountA: number;
  readonly byteCountB: number;
}

/** The first difference between files `pathA` and `pathB`, or undefined when they are identical. */
export function firstDifference(pathA: string, pathB: string): FileDifference | undefined {
  const fdA = fileSystemCall(pathA, { step: "open", call: () => openSync(pathA, "r") });
  try {
    const fdB = fileSystemCall(pathB, { step: "open", call: () => openSync(pathB, "r") });
    try {
      return compareOpen({ path: pathA, fd: fdA }, { path: pathB, fd: fdB });
    } finally {
      closeSync(fdB);
    }
  } finally {
    closeSync(fdA);
  }
}

function compareOpen(fileA: { path: string; fd: number }, fileB: { path: string; fd: number }): FileDifference | undefined {
  const byteCountA = fileSystemCall(fileA.path, { step: "stat", call: () => fstatSync(fileA.fd).size });
  const byteCountB = fileSystemCall(fileB.path, { step: "stat", call: () => fstatSync(fileB.fd).size });
  const bufferA = new Uint8Array(COMPARE_BUFFER_BYTES);
  const bufferB = new Uint8Array(COMPARE_BUFFER_BYTES);
  const commonBytes = Math.min(byteCountA, byteCountB);
  // Bounded by the smaller size; every pass advances by a full buffer or to its end.
  for (let byteOffset = 0; byteOffset < commonBytes; byteOffset += COMPARE_BUFFER_BYTES) {
    const byteCount = Math.min(COMPARE_BUFFER_BYTES, commonBytes - byteOffset);
    readFully(fileA, bufferA.subarray(0, byteCount), byteOffset);
    readFully(fileB, bufferB.subarray(0, byteCount), byteOffset);
    for (let index = 0; index < byteCount; index++) {
      if (bufferA[index] !== bufferB[index]) return { byteOffset: byteOffset + index, byteCountA, byteCountB };
    }
  }
  return byteCountA === byteCountB ? undefined : { byteOffset: commonBytes, byteCountA, byteCountB };
}

function readFully(file: { path: string; fd: number }, target: Uint8Array, byteOffset: number): void {
  let done = 0;
  while (done < target.length) {
    const bytesRead = fileSystemCall(file.path, { step: "read", call: () => readSync(file.fd, target, done, target.length - done, byteOffset + done) });
    if (bytesRead === 0) throw new FileIoError(file.path, { step: "read", cause: new Error(`the file shrank below byte ${byteOffset + done} while being compared`) });
    done += bytesRead;
  }
}
