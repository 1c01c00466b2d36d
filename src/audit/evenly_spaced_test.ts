import { describe, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { evenlySpaced } from "./evenly_spaced.ts";

describe("evenlySpaced()", () => {
  test("takes the middle of each of n equal slices, in order, and everything when n covers all", () => {
    expect(evenlySpaced([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 2)).toEqual([2, 7]);
    expect(evenlySpaced([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3)).toEqual([1, 5, 8]);
    expect(evenlySpaced([4, 5], 7)).toEqual([4, 5]);
    expect(evenlySpaced([4, 5, 6], 1)).toEqual([5]);
    expect(evenlySpaced([], 3)).toEqual([]);
  });

  test("refuses a count below one or a fraction", () => {
    expect(() => evenlySpaced([1, 2], 0)).toThrow(InvariantError);
    expect(() => evenlySpaced([1, 2], 1.5)).toThrow(InvariantError);
  });
});
