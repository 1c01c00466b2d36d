/**
 * A deterministic sample (D15 `--deep N`, `--scrub-sample N`): the same items and count pick the
 * same items, so two audits of one store check the same things, and a different count moves it.
 * @module
 */

import { assert } from "../assert.ts";

/** `count` items of `items` spread evenly (the middle of each of `count` equal slices), in order; all of them when `count` covers them. */
export function evenlySpaced<T>(items: readonly T[], count: number): T[] {
  assert(Number.isInteger(count), `sample count ${count} is not an integer`);
  assert(count >= 1, `sample count ${count} must be at least 1`);
  if (count >= items.length) return [...items];
  const picked: T[] = [];
  for (let slice = 0; slice < count; slice++) picked.push(items[Math.floor(((slice + 0.5) * items.length) / count)]!);
  return picked;
}
