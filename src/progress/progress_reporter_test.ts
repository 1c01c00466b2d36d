import { describe, expect, test } from "bun:test";
import { createLogger } from "../log/logger.ts";
import { startProgressReporter } from "./progress_reporter.ts";
import { createStatusLine } from "./status_line.ts";

function setup(isTTY: boolean) {
  const writes: string[] = [];
  const statusLine = createStatusLine({ isTTY, columns: 200, write: (text) => writes.push(text) });
  const logger = createLogger({ level: "info", format: "json", write: (line) => statusLine.writeLine(line) });
  let clockMs = 0;
  const reporter = startProgressReporter({ statusLine, logger, nowMs: () => clockMs, timer: false });
  return { writes, reporter, advance: (ms: number) => (clockMs += ms) };
}

describe("startProgressReporter() on a terminal", () => {
  test("tick() draws the progress line; stop() erases it", () => {
    const { writes, reporter, advance } = setup(true);
    reporter.planResolved({ chunkBuildCount: 3, indexBuildCount: 1 });
    advance(2000);
    reporter.chunkBuilt(10_000);
    reporter.tick();
    expect(writes.at(-1)).toBe("\r\u001b[2Kcatch-up pass 1: chunks 1/3, indexes 0/1, 5000 ledgers/s, ETA 4s");
    reporter.stop();
    expect(writes.at(-1)).toBe("\r\u001b[2K");
  });

  test("tick() before any plan draws nothing", () => {
    const { writes, reporter } = setup(true);
    reporter.tick();
    expect(writes).toEqual([]);
  });
});

describe("startProgressReporter() off a terminal", () => {
  test("tick() logs one info line with the counts while work is left", () => {
    const { writes, reporter, advance } = setup(false);
    reporter.planResolved({ chunkBuildCount: 2, indexBuildCount: 1 });
    advance(1000);
    reporter.chunkBuilt(10_000);
    reporter.tick();
    expect(writes).toHaveLength(1);
    expect(JSON.parse(writes[0]!)).toMatchObject({
      msg: "catch-up progress",
      pass: 1,
      chunks_done: 1,
      chunks_total: 2,
      indexes_done: 0,
      indexes_total: 1,
      ledgers_per_s: 10_000,
      eta_s: 1,
    });
  });

  test("tick() logs nothing once the pass is done", () => {
    const { writes, reporter, advance } = setup(false);
    reporter.planResolved({ chunkBuildCount: 1, indexBuildCount: 1 });
    advance(1000);
    reporter.chunkBuilt(10_000);
    reporter.indexBuilt();
    reporter.tick();
    reporter.stop();
    expect(writes).toEqual([]);
  });
});
