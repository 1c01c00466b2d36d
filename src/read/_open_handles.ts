/**
 * The open files (or databases) of a read tier, at most `maxCount` at once (style R5: a tier reads
 * any number of chunks, each with its own file): adding one more closes the oldest opened first.
 * Folder-private to `src/read`.
 * @module
 */

import { assert } from "../assert.ts";

export class OpenHandles<Key, Handle extends { close(): void }> {
  readonly #maxCount: number;
  /** In the order opened (a Map iterates in insertion order). */
  readonly #handles = new Map<Key, Handle>();

  constructor(maxCount: number) {
    assert(Number.isInteger(maxCount), `open handle bound ${maxCount} is not an integer`);
    assert(maxCount >= 1, `open handle bound ${maxCount} must be at least 1`);
    this.#maxCount = maxCount;
  }

  get(key: Key): Handle | undefined {
    return this.#handles.get(key);
  }

  /** Keeps `handle` under `key` (not held yet), closing the oldest handle when the bound is reached. */
  add(key: Key, handle: Handle): void {
    assert(!this.#handles.has(key), "a handle is added twice under one key");
    if (this.#handles.size >= this.#maxCount) {
      const [oldestKey, oldest] = this.#handles.entries().next().value!;
      this.#handles.delete(oldestKey);
      oldest.close();
    }
    this.#handles.set(key, handle);
  }

  /** Closes every handle. Idempotent. */
  closeAll(): void {
    for (const handle of this.#handles.values()) handle.close();
    this.#handles.clear();
  }
}
