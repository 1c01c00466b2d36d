/**
 * Config durations (D3): a string of one whole number and one unit, `"250ms"`, `"5s"`, `"2m"`,
 * `"1h"`. Compound (`"1m30s"`), fractional (`"1.5s"`), negative and unit-less values are rejected
 * so that every accepted string means exactly one number of milliseconds.
 * @module
 */

import { assert } from "../assert.ts";

const MS_PER_UNIT = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
type DurationUnit = keyof typeof MS_PER_UNIT;
/** Largest first: `formatDurationMs` picks the largest unit that divides exactly, else ms. */
const UNITS_LARGEST_FIRST: readonly DurationUnit[] = ["h", "m", "s"];
/** At most 9 digits keeps every product below 2^53 (10^9 h ≈ 3.6·10^15 ms). */
const DURATION_RE = /^(\d{1,9})(ms|s|m|h)$/;

/** What an accepted duration looks like, for error messages. */
export const DURATION_FORMAT_HINT = 'a whole number with a unit ms, s, m or h, e.g. "250ms", "5s", "2m"';

/** Milliseconds of `text`, or undefined when `text` is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION_RE.exec(text);
  if (match === null) return undefined;
  const durationMs = Number(match[1]) * MS_PER_UNIT[match[2] as DurationUnit];
  assert(Number.isSafeInteger(durationMs), `duration "${text}" overflows a safe integer`);
  return durationMs;
}

/** The string `parseDurationMs` maps back to `durationMs`: 0 → "0s", 5000 → "5s", 90000 → "90s". */
export function formatDurationMs(durationMs: number): string {
  assert(Number.isSafeInteger(durationMs), `duration ${durationMs} ms is not a safe integer`);
  assert(durationMs >= 0, `duration ${durationMs} ms is negative`);
  const unit = durationMs === 0 ? "s" : (UNITS_LARGEST_FIRST.find((candidate) => durationMs % MS_PER_UNIT[candidate] === 0) ?? "ms");
  const text = `${durationMs / MS_PER_UNIT[unit]}${unit}`;
  assert(parseDurationMs(text) === durationMs, `duration ${durationMs} ms formats as "${text}", which does not parse back`);
  return text;
}
