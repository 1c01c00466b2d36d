/**
 * A small, fast, seeded PRNG for the synthetic lake (sfc32, seeded through splitmix32). Same seed,
 * same stream, on every platform: the generator's bytes depend only on its arguments.
 * Not cryptographic; it only has to look irregular and be reproducible.
 * @module
 */

const TWO_POW_32 = 2 ** 32;

/** splitmix32: spreads (seed, stream) over the whole state so nearby seeds diverge at once. */
function splitmix32(state: number): () => number {
  let value = state >>> 0;
  return () => {
    value = (value + 0x9e3779b9) >>> 0;
    let mixed = value;
    mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
    mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
    return (mixed ^ (mixed >>> 16)) >>> 0;
  };
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), 32-bit output. */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d = 1;

  /** One independent stream per (seed, streamId): e.g. one per ledger sequence. */
  constructor(seed: number, streamId: number) {
    const mix = splitmix32((seed ^ Math.imul(streamId >>> 0, 0x27d4eb2d)) >>> 0);
    this.#a = mix();
    this.#b = mix() ^ (Math.floor(seed / TWO_POW_32) >>> 0);
    this.#c = mix() ^ (streamId >>> 0);
    for (let round = 0; round < 12; round++) this.nextU32(); // discard the warm-up outputs
  }

  nextU32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform integer in [0, bound). */
  below(bound: number): number {
    return Math.floor((this.nextU32() / TWO_POW_32) * bound);
  }

  /** Uniform integer in [low, high]. */
  between(low: number, high: number): number {
    return low + this.below(high - low + 1);
  }

  /** True with probability `probability`. */
  chance(probability: number): boolean {
    return this.nextU32() / TWO_POW_32 < probability;
  }

  /** Skewed index in [0, bound): low indexes are much more likely (hot accounts, hot contracts). */
  skewed(bound: number): number {
    const unit = this.nextU32() / TWO_POW_32;
    return Math.floor(unit * unit * bound);
  }

  /** Fills `bytes` with random bytes. */
  fill(bytes: Uint8Array): void {
    let index = 0;
    for (; index + 4 <= bytes.length; index += 4) {
      const word = this.nextU32();
      bytes[index] = word >>> 24;
      bytes[index + 1] = word >>> 16;
      bytes[index + 2] = word >>> 8;
      bytes[index + 3] = word;
    }
    for (; index < bytes.length; index++) bytes[index] = this.nextU32() & 0xff;
  }
}
