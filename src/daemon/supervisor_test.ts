import { describe, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { FatalError, FullhistoryError } from "../errors.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { createDaemonMetrics, type DaemonMetrics } from "../metrics/daemon_metrics.ts";
import { classifyRunFailure, type DaemonRun, RESTART_BACKOFF_DEFAULT, restartDelayMs, supervise } from "./supervisor.ts";

/** Backoff small enough that a test with a few restarts finishes at once. */
const FAST_BACKOFF = { firstMs: 1, maxMs: 4, healthyRunMs: 60_000 };

function capture(): { logger: Logger; lines: Record<string, unknown>[]; metrics: DaemonMetrics } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", format: "json", write: (line) => lines.push(JSON.parse(line)) });
  return { logger, lines, metrics: createDaemonMetrics() };
}

function restartsOf(metrics: DaemonMetrics): string | undefined {
  return metrics.registry.exposition().split("\n").find((line) => line.startsWith("fullhistory_daemon_restarts_total "));
}

/** A run that waits for its signal, then rejects with the reason (how the real run stops). */
function runUntilAborted(options: { signal: AbortSignal }): Promise<void> {
  return new Promise((_resolve, reject) => {
    if (options.signal.aborted) return reject(options.signal.reason);
    options.signal.addEventListener("abort", () => reject(options.signal.reason), { once: true });
  });
}

describe("classifyRunFailure()", () => {
  test("a FatalError is fatal, a FullhistoryError restarts, an errno error restarts", () => {
    expect(classifyRunFailure(new FatalError("hot volume lost"))).toBe("fatal");
    expect(classifyRunFailure(new FullhistoryError("lake down"))).toBe("restart");
    expect(classifyRunFailure(Object.assign(new Error("no space"), { code: "ENOSPC" }))).toBe("restart");
  });

  test("an InvariantError, a TypeError and a thrown string are bugs", () => {
    expect(classifyRunFailure(new InvariantError("two frozen coverages"))).toBe("bug");
    expect(classifyRunFailure(new TypeError("x is undefined"))).toBe("bug");
    expect(classifyRunFailure("oops")).toBe("bug");
  });

  test("a Node ERR_* error (a programming error with a code) is a bug, not a system error to restart on", () => {
    expect(classifyRunFailure(Object.assign(new TypeError("bad argument"), { code: "ERR_INVALID_ARG_TYPE" }))).toBe("bug");
  });
});

describe("restartDelayMs()", () => {
  test("doubles per consecutive failure from 1 s and caps at 30 s", () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 100].map((failures) => restartDelayMs(failures, RESTART_BACKOFF_DEFAULT));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });
});

describe("supervise()", () => {
  test("restarts a run that failed with a FullhistoryError, logging the cause, until shutdown", async () => {
    const { logger, lines, metrics } = capture();
    const shutdown = new AbortController();
    let runCount = 0;
    const run: DaemonRun = async (options) => {
      runCount += 1;
      if (runCount <= 3) throw new FullhistoryError(`Cannot run catch-up pass 1: no reachable network tip (run ${runCount})`);
      shutdown.abort(new FullhistoryError("Interrupted by SIGTERM"));
      await runUntilAborted(options);
    };
    await supervise(run, { logger, metrics, signal: shutdown.signal, backoff: FAST_BACKOFF });
    expect(runCount).toBe(4);
    const warnings = lines.filter((line) => line["level"] === "warn");
    expect(warnings.map((line) => line["msg"])).toEqual([
      "daemon run failed; restarting in 0.001s",
      "daemon run failed; restarting in 0.002s",
      "daemon run failed; restarting in 0.004s",
    ]);
    expect(warnings[2]).toMatchObject({ error: expect.stringContaining("no reachable network tip (run 3)"), consecutive_failures: 3 });
    expect(restartsOf(metrics)).toBe("fullhistory_daemon_restarts_total 3");
  });

  test("restarts after a system error with an errno code (ENOSPC)", async () => {
    const { logger, lines, metrics } = capture();
    const shutdown = new AbortController();
    let runCount = 0;
    const run: DaemonRun = async (options) => {
      runCount += 1;
      if (runCount === 1) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      shutdown.abort(new FullhistoryError("Interrupted by SIGINT"));
      await runUntilAborted(options);
    };
    await supervise(run, { logger, metrics, signal: shutdown.signal, backoff: FAST_BACKOFF });
    expect(runCount).toBe(2);
    expect(lines.filter((line) => line["level"] === "warn")).toEqual([expect.objectContaining({ error: expect.stringContaining("ENOSPC") })]);
  });

  test("a run that stayed up for the healthy period restarts after the first delay again", async () => {
    const { logger, lines, metrics } = capture();
    const shutdown = new AbortController();
    let clockMs = 0;
    let runCount = 0;
    const run: DaemonRun = async (options) => {
      runCount += 1;
      // Runs 1–3 fail at once; run 4 stays up past the healthy period, then fails; run 5 is stopped.
      if (runCount === 4) clockMs += FAST_BACKOFF.healthyRunMs;
      if (runCount <= 4) throw new FullhistoryError(`run ${runCount} failed`);
      shutdown.abort(new FullhistoryError("stop"));
      await runUntilAborted(options);
    };
    await supervise(run, { logger, metrics, signal: shutdown.signal, backoff: FAST_BACKOFF, nowMs: () => clockMs });
    const delays = lines.filter((line) => line["level"] === "warn").map((line) => line["restart_in_s"]);
    expect(delays).toEqual([0.001, 0.002, 0.004, 0.001]);
  });

  test("rejects with a FatalError at once: no restart, one error line", async () => {
    const { logger, lines, metrics } = capture();
    let runCount = 0;
    const fatal = new FatalError('Hot storage lost: chunk 00000003 is "ready" but its hot dir is missing; run surgical recovery');
    const run: DaemonRun = async () => {
      runCount += 1;
      throw fatal;
    };
    const supervised = supervise(run, { logger, metrics, signal: new AbortController().signal, backoff: FAST_BACKOFF });
    await expect(supervised).rejects.toBe(fatal);
    expect(runCount).toBe(1);
    expect(lines).toEqual([
      expect.objectContaining({ level: "error", msg: "daemon stopped: restarting cannot fix this", error: expect.stringContaining("00000003") }),
    ]);
    expect(restartsOf(metrics)).toBe("fullhistory_daemon_restarts_total 0");
  });

  test("rejects with an InvariantError at once: a bug is never restarted", async () => {
    const { logger, metrics } = capture();
    let runCount = 0;
    const bug = new InvariantError("window 0: 2 frozen coverages, want at most 1");
    const run: DaemonRun = async () => {
      runCount += 1;
      throw bug;
    };
    await expect(supervise(run, { logger, metrics, signal: new AbortController().signal, backoff: FAST_BACKOFF })).rejects.toBe(bug);
    expect(runCount).toBe(1);
  });

  test("resolves when shutdown arrives during the backoff wait, without running again", async () => {
    const { logger, metrics } = capture();
    const shutdown = new AbortController();
    let runCount = 0;
    const run: DaemonRun = async () => {
      runCount += 1;
      // Stop while the supervisor waits an hour: supervise must resolve now, not in an hour.
      queueMicrotask(() => queueMicrotask(() => shutdown.abort(new FullhistoryError("stop"))));
      throw new FullhistoryError("lake down");
    };
    const hour = 3_600_000;
    await supervise(run, { logger, metrics, signal: shutdown.signal, backoff: { firstMs: hour, maxMs: hour, healthyRunMs: hour } });
    expect(runCount).toBe(1);
  });

  test("resolves when the run fails with an expected error while shutting down", async () => {
    const { logger, lines, metrics } = capture();
    const shutdown = new AbortController();
    const run: DaemonRun = async (options) => {
      shutdown.abort(new FullhistoryError("Interrupted by SIGTERM"));
      if (options.signal.aborted) throw new FullhistoryError("Cannot fetch lake object: aborted");
    };
    await supervise(run, { logger, metrics, signal: shutdown.signal, backoff: FAST_BACKOFF });
    expect(lines).toEqual([]);
  });

  test("rejects with a bug that surfaces while shutting down", async () => {
    const { logger, metrics } = capture();
    const shutdown = new AbortController();
    const bug = new TypeError("Cannot read properties of undefined");
    const run: DaemonRun = async () => {
      shutdown.abort(new FullhistoryError("Interrupted by SIGTERM"));
      throw bug;
    };
    await expect(supervise(run, { logger, metrics, signal: shutdown.signal, backoff: FAST_BACKOFF })).rejects.toBe(bug);
  });

  test("a run that resolves although nothing stopped it is a bug", async () => {
    const { logger, metrics } = capture();
    const run: DaemonRun = async () => undefined;
    await expect(supervise(run, { logger, metrics, signal: new AbortController().signal, backoff: FAST_BACKOFF })).rejects.toThrow(
      InvariantError,
    );
  });

  test("does not run at all when the shutdown signal is already aborted", async () => {
    const { logger, metrics } = capture();
    const shutdown = new AbortController();
    shutdown.abort(new FullhistoryError("stop"));
    let runCount = 0;
    await supervise(
      async () => {
        runCount += 1;
      },
      { logger, metrics, signal: shutdown.signal },
    );
    expect(runCount).toBe(0);
  });
});
