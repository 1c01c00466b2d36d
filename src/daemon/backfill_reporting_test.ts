import { describe, expect, test } from "bun:test";
import type { ChunkRange } from "../backfill/resolve.ts";
import { FullhistoryError } from "../errors.ts";
import type { ChunkId, WindowId } from "../geometry/chunk.ts";
import { createLogger } from "../log/logger.ts";
import { createDaemonMetrics } from "../metrics/daemon_metrics.ts";
import { startProgressReporter } from "../progress/progress_reporter.ts";
import { createStatusLine } from "../progress/status_line.ts";
import { backfillReporting } from "./backfill_reporting.ts";

function setup() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", format: "json", write: (line) => lines.push(JSON.parse(line)) });
  const metrics = createDaemonMetrics();
  const statusLine = createStatusLine({ isTTY: false, columns: undefined, write: () => {} });
  const progress = startProgressReporter({ statusLine, logger, timer: false });
  return { lines, metrics, observer: backfillReporting({ logger, metrics, progress }) };
}

const RANGE: ChunkRange = { rangeStart: 0 as ChunkId, rangeEnd: 3 as ChunkId };
const COVERAGE = { windowId: 0 as WindowId, lo: 0 as ChunkId, hi: 3 as ChunkId };

describe("backfillReporting()", () => {
  test("a written chunk counts in the chunk and ledger counters and logs its chunk at debug", () => {
    const { lines, metrics, observer } = setup();
    observer.planResolved({ range: RANGE, chunkBuildCount: 2, indexBuildCount: 1 });
    observer.chunkBuilt({ chunkId: 3 as ChunkId, kinds: ["ledgers", "events"], source: "lake", ledgerCount: 10_000, txhashEntryCount: 0, eventCount: 5, durationMs: 1234 });
    observer.chunkBuilt({ chunkId: 2 as ChunkId, kinds: [], source: undefined, ledgerCount: 0, txhashEntryCount: 0, eventCount: 0, durationMs: 1 });
    const exposition = metrics.registry.exposition();
    expect(exposition).toContain("fullhistory_backfill_chunks_total 1\n");
    expect(exposition).toContain("fullhistory_backfill_ledgers_total 10000\n");
    expect(lines).toEqual([
      expect.objectContaining({ level: "debug", msg: "chunk built", chunk: "00000003", kinds: "ledgers,events", source: "lake", ledgers: 10_000, duration_s: 1.234 }),
    ]);
  });

  test("a built index records rebuilt chunks, the chunks-per-index histogram and the rebuild phase", () => {
    const { lines, metrics, observer } = setup();
    observer.planResolved({ range: RANGE, chunkBuildCount: 0, indexBuildCount: 1 });
    observer.indexBuilt({ coverage: COVERAGE, keyCount: 42, skipped: false, durationMs: 500 });
    const exposition = metrics.registry.exposition();
    expect(exposition).toContain("fullhistory_rebuilt_chunks_total 4\n");
    expect(exposition).toContain("fullhistory_rebuild_chunks_per_index_count 1\n");
    expect(exposition).toContain('fullhistory_phase_duration_seconds_sum{phase="rebuild"} 0.5\n');
    expect(lines).toEqual([expect.objectContaining({ level: "info", msg: "index built", window: "00000000", lo: "00000000", hi: "00000003", keys: 42 })]);
  });

  test("a skipped index build counts nothing", () => {
    const { metrics, observer } = setup();
    observer.planResolved({ range: RANGE, chunkBuildCount: 0, indexBuildCount: 1 });
    observer.indexBuilt({ coverage: COVERAGE, keyCount: 0, skipped: true, durationMs: 1 });
    expect(metrics.registry.exposition()).toContain("fullhistory_rebuilt_chunks_total 0\n");
  });

  test("a retry counts and logs a warning with the task, attempt and error", () => {
    const { lines, metrics, observer } = setup();
    observer.taskRetried({ task: "chunk 00000005", attempt: 1, delayMs: 1000, error: new FullhistoryError("Cannot read lake object x") });
    expect(metrics.registry.exposition()).toContain("fullhistory_backfill_retries_total 1\n");
    expect(lines).toEqual([
      expect.objectContaining({ level: "warn", task: "chunk 00000005", attempt: 1, retry_in_s: 1, error: "Cannot read lake object x" }),
    ]);
  });
});
