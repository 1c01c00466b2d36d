import { expect, test } from "bun:test";
import { closestName } from "./_did_you_mean.ts";

const SECTIONS = ["storage", "retention", "backfill", "ingestion", "service", "logging"];

test("closestName() finds a one-letter typo, a dropped letter and a swap", () => {
  expect(closestName("retension", SECTIONS)).toBe("retention");
  expect(closestName("storge", SECTIONS)).toBe("storage");
  expect(closestName("servcie", SECTIONS)).toBe("service");
  expect(closestName("earliest_ledgr", ["retention_chunks", "earliest_ledger"])).toBe("earliest_ledger");
});

test("closestName() returns undefined when nothing is a plausible typo", () => {
  expect(closestName("layout", SECTIONS)).toBeUndefined();
  expect(closestName("x", ["ab", "cd"])).toBeUndefined();
  expect(closestName("anything", [])).toBeUndefined();
});

test("closestName() allows one edit for short names and two for longer ones", () => {
  expect(closestName("tpye", ["type"])).toBe("type");
  expect(closestName("tpey", ["type"])).toBeUndefined();
  expect(closestName("logign", ["logging"])).toBe("logging");
});

test("closestName() prefers the nearer candidate and the earlier one on a tie", () => {
  expect(closestName("retentoin", ["retention_chunks", "retention"])).toBe("retention");
  expect(closestName("ab", ["ac", "ad"])).toBe("ac");
});

test("closestName() ignores names longer than 40 characters", () => {
  expect(closestName("a".repeat(41), ["a".repeat(41)])).toBeUndefined();
});
