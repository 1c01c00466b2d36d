/**
 * A cold file opened read-only for synchronous positioned reads, shared by the tx-hash run and
 * index readers. Bytes on disk are input (style R4): every failure to open, stat or fill a read
 * is a `CorruptFileError` naming the file, so callers never see a bare errno.
 * @module
 */

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { assert } from "../assert.ts";
import { errnoCode } from "../errors.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";

/** An open read-only file and its size at open. */
export class ReadFile {
  readonly path: string;
  readonly byteCount: number;
  readonly #fd: number;
  #closed = false;

  /** Opens `path`; `what` names the file's role in messages ("run", "index"). */
  constructor(path: string, what: string) {
    this.path = path;
    this.#fd = systemCall(() => openSync(path, "r"), { path, what: `cannot open the ${what}` });
    try {
      this.byteCount = systemCall(() => fstatSync(this.#fd).size, { path, what: `cannot stat the ${what}` });
    } catch (err) {
      closeSync(this.#fd);
      throw err;
    }
  }

  /** Fills `target` from `byteOffset`; a file that ends first is corrupt (it shrank or lied). */
  read(target: Uint8Array, byteOffset: number): void {
    assert(!this.#closed, `"${this.path}" is closed`);
    let done = 0;
    // Bounded: every pass reads at least one byte or throws.
    while (done < target.length) {
      const at = byteOffset + done;
      const bytesRead = systemCall(() => readSync(this.#fd, target, done, target.length - done, at), {
        path: this.path,
        what: `read at byte ${at} failed`,
      });
      if (bytesRead === 0) throw new CorruptFileError(this.path, `file ends at byte ${at}, inside a read of ${target.length} bytes`);
      done += bytesRead;
    }
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the file. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }
}

/**
 * Opens `path` (its role `what` names it in messages) and hands it to `adopt`, which validates it
 * and returns the reader that owns it; if `adopt` throws, the file is closed.
 */
export function openAndAdopt<T>(path: string, options: { what: string; adopt: (file: ReadFile) => T }): T {
  const file = new ReadFile(path, options.what);
  try {
    return options.adopt(file);
  } catch (err) {
    file.close();
    throw err;
  }
}

/** Runs a file system call; a system error becomes `CorruptFileError(path, "<what> (<errno>)")`. */
function systemCall<T>(call: () => T, context: { path: string; what: string }): T {
  try {
    return call();
  } catch (err) {
    const code = errnoCode(err);
    if (code === undefined) throw err;
    throw new CorruptFileError(context.path, `${context.what} (${code})`, { cause: err });
  }
}
