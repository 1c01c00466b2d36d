import { describe, expect, test } from "bun:test";
import { CRASH_POINTS, CrashPointConfigError, crashPoint, parseCrashAt } from "./crash_point.ts";

describe("parseCrashAt", () => {
  test("parseCrashAt() defaults the hit count to 1", () => {
    expect(parseCrashAt("chunk.marked")).toEqual({ point: "chunk.marked", nth: 1 });
  });

  test("parseCrashAt() reads an explicit hit count", () => {
    expect(parseCrashAt("sweep.chunk.demoted:2")).toEqual({ point: "sweep.chunk.demoted", nth: 2 });
  });

  test("parseCrashAt() accepts every listed point", () => {
    for (const point of CRASH_POINTS) expect(parseCrashAt(point).point).toBe(point);
  });

  test.each(["chunk.markd", "", "CHUNK.MARKED", "chunk.marked.extra"])("parseCrashAt() rejects the unknown point %p", (text) => {
    expect(() => parseCrashAt(text)).toThrow(CrashPointConfigError);
  });

  test.each(["chunk.marked:0", "chunk.marked:-1", "chunk.marked:x", "chunk.marked:1.5", "chunk.marked:", "chunk.marked:01", "chunk.marked:1:2"])(
    "parseCrashAt() rejects the bad hit count in %p",
    (text) => {
      expect(() => parseCrashAt(text)).toThrow(CrashPointConfigError);
    },
  );

  test("parseCrashAt() names the bad point and lists the known ones", () => {
    expect(() => parseCrashAt("nope")).toThrow(/unknown crash point "nope", want one of chunk\.marked, /);
  });
});

describe("CRASH_POINTS", () => {
  test("CRASH_POINTS has no duplicate names", () => {
    expect(new Set(CRASH_POINTS).size).toBe(CRASH_POINTS.length);
  });

  test("CRASH_POINTS names are <protocol>.<step> in lower case", () => {
    for (const point of CRASH_POINTS) expect(point).toMatch(/^[a-z]+(\.[a-z]+)+$/);
  });
});

describe("crashPoint", () => {
  test("crashPoint() is inert when FULLHISTORY_CRASH_AT is unset", () => {
    expect(process.env.FULLHISTORY_CRASH_AT).toBeUndefined();
    for (const point of CRASH_POINTS) crashPoint(point);
    expect(process.pid).toBeGreaterThan(0); // still alive
  });
});
