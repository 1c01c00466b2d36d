import { describe, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { FullhistoryError } from "../errors.ts";
import { createLogger, errorChainText, type LoggerOptions } from "./logger.ts";

const FIXED_MS = Date.UTC(2026, 6, 1, 12, 0, 0, 0);

function capture(options: Omit<LoggerOptions, "write" | "nowMs">): { lines: string[]; options: LoggerOptions } {
  const lines: string[] = [];
  return { lines, options: { ...options, write: (line) => lines.push(line), nowMs: () => FIXED_MS } };
}

describe("createLogger() text format", () => {
  test("writes time, level, message and key=value fields on one line", () => {
    const { lines, options } = capture({ level: "info", format: "text" });
    createLogger(options).info("catch-up pass starting", { range_lo: "00000000", tip: 30001, done: false });
    expect(lines).toEqual(["2026-07-01T12:00:00.000Z INFO catch-up pass starting range_lo=00000000 tip=30001 done=false\n"]);
  });

  test("quotes values with spaces, quotes or '=' and leaves plain ones bare", () => {
    const { lines, options } = capture({ level: "info", format: "text" });
    createLogger(options).info("m", { root: "/data/my root", eq: "a=b", empty: "", path: "/x/y-z.pack" });
    expect(lines[0]).toBe('2026-07-01T12:00:00.000Z INFO m root="/data/my root" eq="a=b" empty="" path=/x/y-z.pack\n');
  });

  test("renders an error field as its message chain without a stack", () => {
    const { lines, options } = capture({ level: "info", format: "text" });
    const err = new FullhistoryError("Cannot open catalog", { cause: new Error("EACCES") });
    createLogger(options).warn("run failed", { error: err });
    expect(lines[0]).toBe('2026-07-01T12:00:00.000Z WARN run failed error="Cannot open catalog: EACCES"\n');
  });

  test("escapes a newline in the message so one event stays one line", () => {
    const { lines, options } = capture({ level: "info", format: "text" });
    createLogger(options).info("a\nb");
    expect(lines).toEqual(["2026-07-01T12:00:00.000Z INFO a\\nb\n"]);
  });

  test("omits fields whose value is undefined", () => {
    const { lines, options } = capture({ level: "info", format: "text" });
    createLogger(options).info("m", { a: undefined, b: 1 });
    expect(lines[0]).toBe("2026-07-01T12:00:00.000Z INFO m b=1\n");
  });
});

describe("createLogger() json format", () => {
  test("writes one JSON object per line with time, level, msg and the fields", () => {
    const { lines, options } = capture({ level: "debug", format: "json" });
    createLogger(options).debug("tick", { through: 30001, big: 2n ** 64n, name: "a b" });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith("\n")).toBe(true);
    expect(JSON.parse(lines[0]!)).toEqual({
      time: "2026-07-01T12:00:00.000Z",
      level: "debug",
      msg: "tick",
      through: 30001,
      big: "18446744073709551616",
      name: "a b",
    });
  });

  test("keeps a newline in the message inside the one JSON line", () => {
    const { lines, options } = capture({ level: "info", format: "json" });
    createLogger(options).error("a\nb", { error: new Error("x\ny") });
    expect(lines[0]!.split("\n")).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: "a\nb", error: "x\ny" });
  });
});

describe("createLogger() levels", () => {
  test.each([
    ["debug", ["debug", "info", "warn", "error"]],
    ["info", ["info", "warn", "error"]],
    ["warn", ["warn", "error"]],
    ["error", ["error"]],
  ] as const)("level %s writes exactly %p", (level, written) => {
    const { lines, options } = capture({ level, format: "json" });
    const logger = createLogger(options);
    logger.debug("m");
    logger.info("m");
    logger.warn("m");
    logger.error("m");
    expect(lines.map((line) => JSON.parse(line).level)).toEqual([...written]);
  });
});

describe("Logger.child()", () => {
  test("adds its fields to every line, before the call's own fields", () => {
    const { lines, options } = capture({ level: "info", format: "text" });
    const child = createLogger(options).child({ chunk: "00000007" }).child({ kind: "ledgers" });
    child.info("built", { ledger_count: 10000 });
    expect(lines[0]).toBe("2026-07-01T12:00:00.000Z INFO built chunk=00000007 kind=ledgers ledger_count=10000\n");
  });

  test("a call field repeating a bound field is a programming error", () => {
    const { options } = capture({ level: "info", format: "json" });
    const child = createLogger(options).child({ chunk: "00000007" });
    expect(() => child.info("m", { chunk: "00000008" })).toThrow(InvariantError);
  });

  test("rejects a reserved or non-snake_case field key as a programming error", () => {
    const { options } = capture({ level: "info", format: "json" });
    const logger = createLogger(options);
    expect(() => logger.child({ msg: "x" })).toThrow(InvariantError);
    expect(() => logger.info("m", { rangeLo: 1 })).toThrow(InvariantError);
  });
});

describe("errorChainText()", () => {
  test("joins the cause chain and skips a cause the wrapper already quotes", () => {
    const inner = new Error("ENOSPC");
    const middle = new Error("write failed: ENOSPC", { cause: inner });
    const outer = new Error("Cannot freeze chunk 00000003", { cause: middle });
    expect(errorChainText(outer)).toBe("Cannot freeze chunk 00000003: write failed: ENOSPC");
  });

  test("stops on a cause cycle", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    a.cause = b;
    expect(errorChainText(a).split(": ").length).toBeLessThanOrEqual(9);
  });

  test("renders a non-Error value with String()", () => {
    expect(errorChainText("plain")).toBe("plain");
  });
});
