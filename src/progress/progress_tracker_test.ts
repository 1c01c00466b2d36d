import { describe, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { formatDuration, formatProgressLine, ProgressTracker, RATE_WINDOW_MS } from "./progress_tracker.ts";

describe("ProgressTracker", () => {
  test("before any plan the snapshot is pass 0 with no rate", () => {
    expect(new ProgressTracker().snapshot(1000)).toMatchObject({ passNumber: 0, chunksTotal: 0, ledgersPerSecond: undefined });
  });

  test("rate is ledgers completed over the time since the pass started, ETA from the chunks left", () => {
    const tracker = new ProgressTracker();
    tracker.planResolved({ chunkBuildCount: 4, indexBuildCount: 1 }, 0);
    tracker.chunkBuilt(10_000, 2_000);
    const snapshot = tracker.snapshot(4_000);
    expect(snapshot).toMatchObject({ passNumber: 1, chunksDone: 1, chunksTotal: 4, indexesDone: 0, indexesTotal: 1, ledgersDone: 10_000 });
    expect(snapshot.ledgersPerSecond).toBe(2_500);
    expect(snapshot.etaSeconds).toBe(12);
  });

  test(`only the last ${RATE_WINDOW_MS} ms count toward the rate`, () => {
    const tracker = new ProgressTracker();
    tracker.planResolved({ chunkBuildCount: 10, indexBuildCount: 0 }, 0);
    tracker.chunkBuilt(10_000, 1_000); // outside the window at t = 100 s
    tracker.chunkBuilt(10_000, 95_000);
    expect(tracker.snapshot(100_000).ledgersPerSecond).toBeCloseTo(10_000 / 30, 6);
  });

  test("no completion in the window means no rate and no ETA", () => {
    const tracker = new ProgressTracker();
    tracker.planResolved({ chunkBuildCount: 2, indexBuildCount: 0 }, 0);
    tracker.chunkBuilt(10_000, 1_000);
    expect(tracker.snapshot(1_000 + RATE_WINDOW_MS + 1)).toMatchObject({ ledgersPerSecond: undefined, etaSeconds: undefined });
  });

  test("a finished pass has no ETA; the next plan starts pass 2 from zero", () => {
    const tracker = new ProgressTracker();
    tracker.planResolved({ chunkBuildCount: 1, indexBuildCount: 1 }, 0);
    tracker.chunkBuilt(10_000, 1_000);
    tracker.indexBuilt();
    expect(tracker.snapshot(2_000).etaSeconds).toBeUndefined();
    tracker.planResolved({ chunkBuildCount: 3, indexBuildCount: 0 }, 5_000);
    expect(tracker.snapshot(5_000)).toMatchObject({ passNumber: 2, chunksDone: 0, chunksTotal: 3, ledgersDone: 0 });
  });

  test("a completion beyond the plan is a bug", () => {
    const tracker = new ProgressTracker();
    tracker.planResolved({ chunkBuildCount: 0, indexBuildCount: 0 }, 0);
    expect(() => tracker.chunkBuilt(10_000, 1)).toThrow(InvariantError);
    expect(() => tracker.indexBuilt()).toThrow(InvariantError);
  });
});

describe("formatProgressLine()", () => {
  test("names pass, chunks, indexes, rate and ETA", () => {
    const line = formatProgressLine({
      passNumber: 2,
      chunksDone: 12,
      chunksTotal: 40,
      indexesDone: 0,
      indexesTotal: 1,
      ledgersDone: 120_000,
      ledgersPerSecond: 31_250.4,
      etaSeconds: 61.2,
    });
    expect(line).toBe("catch-up pass 2: chunks 12/40, indexes 0/1, 31250 ledgers/s, ETA 1m02s");
  });

  test("says it is measuring before a rate exists", () => {
    const line = formatProgressLine({
      passNumber: 1,
      chunksDone: 0,
      chunksTotal: 3,
      indexesDone: 0,
      indexesTotal: 1,
      ledgersDone: 0,
      ledgersPerSecond: undefined,
      etaSeconds: undefined,
    });
    expect(line).toBe("catch-up pass 1: chunks 0/3, indexes 0/1, measuring speed");
  });
});

describe("formatDuration()", () => {
  test.each([
    [0.2, "1s"],
    [45, "45s"],
    [59.5, "1m00s"],
    [62, "1m02s"],
    [3600 * 3 + 7 * 60 + 5, "3h07m"],
  ])("%p s is %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
