import { expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { GrowableU32 } from "./_growable_u32.ts";

test("GrowableU32 keeps every pushed value across growth", () => {
  const values = new GrowableU32(10_000);
  for (let i = 0; i < 5000; i++) values.push(i * 3);
  expect(values.length).toBe(5000);
  expect(values.view()[4999]).toBe(14_997);
  expect(values.view()[0]).toBe(0);
});

test("GrowableU32 refuses to grow past its limit", () => {
  const values = new GrowableU32(2);
  values.push(1);
  values.push(2);
  expect(() => values.push(3)).toThrow(InvariantError);
});
