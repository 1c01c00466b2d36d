import { expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { formatDurationMs, parseDurationMs } from "./duration.ts";

test.each([
  ["250ms", 250],
  ["5s", 5000],
  ["2m", 120_000],
  ["1h", 3_600_000],
  ["0s", 0],
  ["90s", 90_000],
  ["007s", 7000],
])("parseDurationMs(%p) = %p ms", (text, want) => {
  expect(parseDurationMs(text)).toBe(want);
});

test.each(["", "5", "s", "1.5s", "-1s", "+1s", "1m30s", "5 s", " 5s", "5s ", "5S", "5sec", "1d", "1us", "1234567890s", "５s"])(
  "parseDurationMs() rejects %p",
  (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  },
);

test.each([
  [0, "0s"],
  [250, "250ms"],
  [1500, "1500ms"],
  [5000, "5s"],
  [60_000, "1m"],
  [90_000, "90s"],
  [3_600_000, "1h"],
  [5_400_000, "90m"],
])("formatDurationMs(%p) = %p and parses back", (durationMs, want) => {
  expect(formatDurationMs(durationMs)).toBe(want);
  expect(parseDurationMs(formatDurationMs(durationMs))).toBe(durationMs);
});

test("formatDurationMs() rejects negative and fractional milliseconds", () => {
  expect(() => formatDurationMs(-1)).toThrow(InvariantError);
  expect(() => formatDurationMs(0.5)).toThrow(InvariantError);
});
