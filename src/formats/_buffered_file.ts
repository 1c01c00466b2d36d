/**
 * A new cold file written sequentially through a bounded 1 MiB buffer, private to src/formats
 * (packfile writer, term dictionary writer). Created with O_TRUNC: the full-history writers
 * overwrite a leftover from an interrupted attempt (reference §8.2 "Overwrite"). `finish()`
 * flushes, fsyncs and closes; `abandon()` unlinks the partial file and closes. The directory
 * entry is NOT fsynced here: the write protocol's barrier does that (reference §5.2 step 6).
 * Filesystem failures surface as `FileIoError`; the owner decides to abandon.
 * @module
 */

import * as fs from "node:fs";
import { assert } from "../assert.ts";
import { errnoCode } from "../errors.ts";
import { FileIoError, fileSystemCall } from "./file_io_error.ts";

/** Sequential writes are batched up to this many bytes (bounded buffer, R5). */
const WRITE_BUFFER_BYTES = 1024 * 1024;
const FILE_MODE = 0o644;

type BufferedFileState = "open" | "finished" | "abandoned";

/** Creates (or truncates) `path` for sequential writing. */
export function createBufferedFile(path: string): BufferedFile {
  return new BufferedFile(path, fileSystemCall(path, { step: "create", call: () => fs.openSync(path, "w", FILE_MODE) }));
}

/** One file being written front to back. */
export class BufferedFile {
  readonly path: string;
  readonly #fd: number;
  #state: BufferedFileState = "open";
  readonly #buffer = new Uint8Array(WRITE_BUFFER_BYTES);
  #buffered = 0;
  /** Bytes the kernel accepted so far. */
  #writtenBytes = 0;

  /** Use `createBufferedFile`. */
  constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  get isOpen(): boolean {
    return this.#state === "open";
  }

  /** Bytes accepted so far (written or buffered): the offset the next write lands at. */
  get byteCount(): number {
    return this.#writtenBytes + this.#buffered;
  }

  write(bytes: Uint8Array): void {
    assert(this.#state === "open", "write to a file after finish or abandon"); // hot path: constant message
    if (this.#buffered + bytes.length > WRITE_BUFFER_BYTES) this.#flush();
    if (bytes.length >= WRITE_BUFFER_BYTES) {
      this.#writeFully(bytes);
      return;
    }
    this.#buffer.set(bytes, this.#buffered);
    this.#buffered += bytes.length;
  }

  /** Flushes, fsyncs and closes. The file is complete afterwards. */
  finish(): void {
    assert(this.#state === "open", `finish "${this.path}" in state ${this.#state}`);
    this.#flush();
    const fd = this.#fd;
    fileSystemCall(this.path, { step: "fsync", call: () => fs.fsyncSync(fd) });
    this.#state = "finished";
    fileSystemCall(this.path, { step: "close", call: () => fs.closeSync(fd) });
  }

  /**
   * Unlinks the partial file (the name is what must go), then releases the descriptor, also when
   * the unlink failed (EROFS, EIO): a descriptor kept would leak for the process's life. No-op unless open.
   */
  abandon(): void {
    if (this.#state !== "open") return;
    this.#state = "abandoned";
    const fd = this.#fd;
    try {
      fs.unlinkSync(this.path);
    } catch (err) {
      // Already gone (an operator or a sweep removed it): the goal, no partial file, holds.
      if (errnoCode(err) !== "ENOENT") {
        fs.closeSync(fd); // the unlink failure is the one reported
        throw new FileIoError(this.path, { step: "remove the partial file", cause: err });
      }
    }
    fileSystemCall(this.path, { step: "close", call: () => fs.closeSync(fd) });
  }

  #flush(): void {
    if (this.#buffered === 0) return;
    this.#writeFully(this.#buffer.subarray(0, this.#buffered));
    this.#buffered = 0;
  }

  #writeFully(bytes: Uint8Array): void {
    const fd = this.#fd;
    let written = 0;
    // Every pass writes ≥ 1 byte (asserted), so the loop ends within bytes.length passes.
    while (written < bytes.length) {
      const count = fileSystemCall(this.path, { step: "write", call: () => fs.writeSync(fd, bytes, written, bytes.length - written) });
      assert(count > 0, "write made no progress");
      written += count;
    }
    this.#writtenBytes += written;
  }
}

/**
 * Abandons every still-open file in `files` after `failure`, then rethrows `failure`. If a cleanup
 * itself fails, the others are still attempted and the first cleanup failure is thrown instead,
 * naming the original failure.
 */
export function abandonAndRethrow(files: readonly (BufferedFile | undefined)[], failure: unknown): never {
  let cleanupFailure: FileIoError | undefined;
  for (const file of files) {
    if (file === undefined) continue;
    try {
      file.abandon();
    } catch (cleanupErr) {
      const original = failure instanceof Error ? failure.message : String(failure);
      cleanupFailure ??= new FileIoError(file.path, { step: `remove the partial file (after: ${original})`, cause: cleanupErr });
    }
  }
  throw cleanupFailure ?? failure;
}
