import { describe, expect, test } from "bun:test";
import { type ChunkId, type LedgerSeq, chunkFirstLedger, chunkLastLedger } from "../geometry/chunk.ts";
import { LakeUnavailableError } from "../lake/lake_errors.ts";
import { createLogger } from "../log/logger.ts";
import { createDaemonMetrics } from "../metrics/daemon_metrics.ts";
import { type BackfillRange, backfillTarget, catchUp } from "./catch_up.ts";
import { type TipSampler, TipUnavailableError } from "./network_tip.ts";

function first(chunkId: number): LedgerSeq {
  return chunkFirstLedger(chunkId as ChunkId);
}
function last(chunkId: number): LedgerSeq {
  return chunkLastLedger(chunkId as ChunkId);
}

/** A tip that answers `tips` in turn (the last one repeats); `undefined` = unreachable. */
function scriptedTip(tips: readonly (number | undefined)[]): TipSampler {
  let call = 0;
  return async () => {
    const tip = tips[Math.min(call, tips.length - 1)];
    call += 1;
    if (tip === undefined) throw new LakeUnavailableError('Network tip of Filesystem lake "/lake" unavailable after 5 attempts: ECONNREFUSED');
    return tip as LedgerSeq;
  };
}

interface Run {
  ranges: [number, number][];
  lines: Record<string, unknown>[];
  metrics: ReturnType<typeof createDaemonMetrics>;
  result: Awaited<ReturnType<typeof catchUp>>;
}

async function run(options: {
  tips: readonly (number | undefined)[];
  lastCommitted: number;
  retentionChunks?: number;
  earliest?: number;
  signal?: AbortSignal;
  onBackfill?: (range: BackfillRange) => void;
}): Promise<Run> {
  const ranges: [number, number][] = [];
  const lines: Record<string, unknown>[] = [];
  const metrics = createDaemonMetrics();
  const result = await catchUp(
    {
      sampleTip: scriptedTip(options.tips),
      runBackfill: async (range) => {
        ranges.push([range.rangeStart, range.rangeEnd]);
        options.onBackfill?.(range);
      },
      logger: createLogger({ level: "debug", format: "json", write: (line) => lines.push(JSON.parse(line)) }),
      metrics,
      signal: options.signal ?? new AbortController().signal,
    },
    {
      lastCommittedLedger: options.lastCommitted as LedgerSeq,
      policy: { retentionChunks: options.retentionChunks ?? 0, earliestLedgerSeq: (options.earliest ?? 2) as LedgerSeq },
    },
  );
  return { ranges, lines, metrics, result };
}

describe("catchUp() (TestBackfill_*)", () => {
  test("first start backfills [0, last complete chunk at the tip] in one pass", async () => {
    const { ranges, result } = await run({ tips: [last(3) + 5], lastCommitted: 1 });
    expect(ranges).toEqual([[0, 3]]);
    expect(result).toEqual({ lastCommittedLedger: last(3), passCount: 1 });
  });

  test("a young network (tip inside chunk 0) backfills nothing", async () => {
    const { ranges, result, lines } = await run({ tips: [5000], lastCommitted: 1 });
    expect(ranges).toEqual([]);
    expect(result).toEqual({ lastCommittedLedger: 1 as LedgerSeq, passCount: 0 });
    expect(lines.at(-1)).toMatchObject({ msg: "catch-up complete", reason: "no complete chunk below the tip yet" });
  });

  test("a steady restart re-resolves the window once and keeps the watermark", async () => {
    const { ranges, result } = await run({ tips: [last(5) + 3], lastCommitted: last(5) });
    expect(ranges).toEqual([[0, 5]]);
    expect(result.lastCommittedLedger).toBe(last(5));
  });

  test("a watermark mid-chunk 5 with the tip at chunk 5's last ledger stops at chunk 4", async () => {
    const { ranges, result } = await run({ tips: [last(5)], lastCommitted: first(5) + 100 });
    expect(ranges).toEqual([[0, 4]]);
    expect(result.lastCommittedLedger).toBe((first(5) + 100) as LedgerSeq);
  });

  test("a lake that grows during a pass gets another pass, then catch-up stops", async () => {
    const { ranges, result } = await run({ tips: [last(2) + 7, last(5) + 7, last(5) + 9], lastCommitted: 1 });
    expect(ranges).toEqual([
      [0, 2],
      [0, 5],
    ]);
    expect(result).toEqual({ lastCommittedLedger: last(5), passCount: 2 });
  });

  test("no reachable tip on the first pass fails the run without backfilling", async () => {
    const ranges: BackfillRange[] = [];
    const failure = run({ tips: [undefined], lastCommitted: last(9), onBackfill: (range) => ranges.push(range) });
    await expect(failure).rejects.toBeInstanceOf(TipUnavailableError);
    await expect(failure).rejects.toThrow(/catch-up pass 1.*unknown frontier.*ECONNREFUSED/);
    expect(ranges).toEqual([]);
  });

  test("a tip lost between passes fails the run instead of degrading to local progress (D10)", async () => {
    const ranges: BackfillRange[] = [];
    const failure = run({ tips: [last(3) + 1, undefined], lastCommitted: 1, onBackfill: (range) => ranges.push(range) });
    await expect(failure).rejects.toThrow(/catch-up pass 2/);
    expect(ranges).toHaveLength(1);
  });

  test("a lagging tip (chunk 3) below a watermark at the end of chunk 5 still targets chunk 5", async () => {
    const { ranges } = await run({ tips: [first(3) + 10], lastCommitted: last(5) });
    expect(ranges).toEqual([[0, 5]]);
  });

  test("retention_chunks = 2 starts the range two chunks below the target", async () => {
    const { ranges } = await run({ tips: [last(9) + 1], lastCommitted: 1, retentionChunks: 2 });
    expect(ranges).toEqual([[8, 9]]);
  });

  test("a pinned earliest ledger raises the range start to its chunk", async () => {
    const { ranges, result } = await run({ tips: [last(6) + 1], lastCommitted: first(3) - 1, earliest: first(3) });
    expect(ranges).toEqual([[3, 6]]);
    expect(result.lastCommittedLedger).toBe(last(6));
  });

  test("a floor above the target (earliest in the tip's chunk) backfills nothing", async () => {
    const { ranges, lines } = await run({ tips: [first(10) + 500], lastCommitted: first(10) - 1, earliest: first(10) });
    expect(ranges).toEqual([]);
    expect(lines.at(-1)).toMatchObject({ msg: "catch-up complete", reason: "retention floor is above the target" });
  });

  test("passes are logged with range and tip, and the gauges and counters follow them", async () => {
    const { lines, metrics } = await run({ tips: [last(2) + 7, last(3) + 7], lastCommitted: 1 });
    const starting = lines.filter((line) => line["msg"] === "catch-up pass starting");
    expect(starting).toEqual([
      expect.objectContaining({ pass: 1, range_lo: "00000000", range_hi: "00000002", tip: last(2) + 7, last_committed: 1 }),
      expect.objectContaining({ pass: 2, range_lo: "00000000", range_hi: "00000003", tip: last(3) + 7, last_committed: last(2) }),
    ]);
    const exposition = metrics.registry.exposition();
    expect(exposition).toContain("fullhistory_catchup_passes_total 2\n");
    expect(exposition).toContain(`fullhistory_last_committed_ledger ${last(3)}\n`);
    expect(exposition).toContain(`fullhistory_catchup_backfilled_ledger ${last(3)}\n`);
    expect(exposition).toContain(`fullhistory_catchup_target_ledger ${last(3)}\n`);
    expect(exposition).toContain("fullhistory_ingestion_lag_ledgers 7\n");
    expect(exposition).toContain('fullhistory_phase_duration_seconds_count{phase="catchup_pass"} 2\n');
  });

  test("an abort during a pass rejects with the abort reason and counts no pass", async () => {
    const controller = new AbortController();
    const reason = new Error("SIGTERM");
    const metrics = createDaemonMetrics();
    const failure = catchUp(
      {
        sampleTip: scriptedTip([last(3) + 1]),
        runBackfill: async (_range, options) => {
          controller.abort(reason);
          options.signal.throwIfAborted();
        },
        logger: createLogger({ level: "error", format: "text", write: () => {} }),
        metrics,
        signal: controller.signal,
      },
      { lastCommittedLedger: 1 as LedgerSeq, policy: { retentionChunks: 0, earliestLedgerSeq: 2 as LedgerSeq } },
    );
    await expect(failure).rejects.toBe(reason);
    expect(metrics.registry.exposition()).toContain("fullhistory_catchup_passes_total 0\n");
  });
});

describe("backfillTarget() (TestWatermarkMidChunk / TestWithinOneChunkOfTip)", () => {
  test.each([
    ["nothing committed, tip in chunk 0", 5000, 1, -1],
    ["nothing committed: the sentinel 1 is a boundary", last(0), 1, 0],
    ["watermark on a boundary, tip within a chunk", last(4) + 9000, last(4), 4],
    ["watermark mid-chunk 5, tip within one chunk", last(5), first(5) + 100, 4],
    ["watermark mid-chunk 5, tip more than a chunk ahead", first(7), first(5) + 100, 6],
    ["watermark mid-chunk 5, lagging tip counts as within", first(2), first(5) + 100, 4],
    ["watermark at the end of chunk 5, lagging tip", first(3), last(5), 5],
  ])("%s", (_name, tip, lastCommitted, expected) => {
    expect(backfillTarget(tip as LedgerSeq, lastCommitted as LedgerSeq)).toBe(expected);
  });
});
