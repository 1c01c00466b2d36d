/**
 * An append-only u32 array that doubles its backing `Uint32Array`, private to src/formats. Used
 * where a writer collects one number per record, event or term: typed storage, no object per
 * value. Every instance has a hard length limit (R5), asserted on push.
 * @module
 */

import { assert } from "../assert.ts";

const INITIAL_CAPACITY = 1024;

/** Growable Uint32Array with a fixed maximum length. */
export class GrowableU32 {
  readonly lengthMax: number;
  #values = new Uint32Array(INITIAL_CAPACITY);
  #length = 0;

  constructor(lengthMax: number) {
    assert(Number.isInteger(lengthMax), `lengthMax ${lengthMax} is not an integer`);
    assert(lengthMax >= 1, `lengthMax ${lengthMax} must be at least 1`);
    this.lengthMax = lengthMax;
  }

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    assert(this.#length < this.lengthMax, "growable array is full"); // hot path: constant message
    if (this.#length === this.#values.length) this.#grow();
    this.#values[this.#length++] = value;
  }

  /** A view of the values pushed so far; invalidated by the next push that grows the array. */
  view(): Uint32Array {
    return this.#values.subarray(0, this.#length);
  }

  #grow(): void {
    const capacity = Math.min(this.#values.length * 2, this.lengthMax);
    const grown = new Uint32Array(capacity);
    grown.set(this.#values);
    this.#values = grown;
  }
}
