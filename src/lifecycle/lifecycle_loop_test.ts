import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvariantError } from "../assert.ts";
import { BackfillTaskError } from "../backfill/backfill_errors.ts";
import { type BackfillObserver, type ChunkBuiltEvent } from "../backfill/backfill_observer.ts";
import { SweepError } from "../catalog/sweeps.ts";
import { markIndexFreezing } from "../catalog/write_protocol.ts";
import { type ChunkId, type LedgerSeq, chunkFirstLedger, chunkLastLedger } from "../geometry/chunk.ts";
import { ARTIFACT_KINDS } from "../geometry/keys.ts";
import { type HotChunkDb } from "../hot/hot_chunk_db.ts";
import { type LakeSourceOptions } from "../lake/open_lake_source.ts";
import { catalogSnapshot, chunkLedgersOf, writeBackfillLake } from "../../test/support/backfill_fixture.ts";
import { coverageOf, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import {
  buildHotDbTemplate,
  copyHotDb,
  createPlainHotDb,
  type LifecycleFixture,
  type LifecycleFixtureOptions,
  type LogLine,
  messagesAt,
  metricValue,
  openLifecycleFixture,
  openLiveHotDb,
  settleWindows,
} from "../../test/support/lifecycle_fixture.ts";
import { coldTierBytes } from "./cold_tier_bytes.ts";
import { runLifecycle, runLifecycleLoop } from "./lifecycle_loop.ts";
import { WakeSignal } from "./wake_signal.ts";

const LAKE_CHUNKS = 3;
const SNAPSHOT_LINE = "lifecycle: snapshot derived";

let tempDir: string;
let lake: LakeSourceOptions;
/** A closed, complete hot DB of chunk 0 (10,000 sparse ledgers), built once and copied per test. */
let hotTemplateDir: string;
/** The first ledgers of chunk 1, for the live hot DB. */
let chunk1Ledgers: Uint8Array[];

beforeAll(async () => {
  tempDir = mkdtempSync(join(tmpdir(), "fullhistory-lifecycle-"));
  lake = await writeBackfillLake(join(tempDir, "lake"), { chunkCount: LAKE_CHUNKS, profile: "sparse" });
  hotTemplateDir = join(tempDir, "hot-template");
  buildHotDbTemplate(hotTemplateDir, { chunkId: 0 as ChunkId, ledgers: await chunkLedgersOf(lake, 0 as ChunkId) });
  chunk1Ledgers = (await chunkLedgersOf(lake, 1 as ChunkId)).slice(0, 4);
}, 60_000);
afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

let fixture: LifecycleFixture | undefined;
let liveDb: HotChunkDb | undefined;
afterEach(() => {
  liveDb?.close();
  liveDb = undefined;
  if (fixture !== undefined) removeCatalogFixture(fixture);
  fixture = undefined;
});

function open(options: Omit<LifecycleFixtureOptions, "lake">): LifecycleFixture {
  fixture = openLifecycleFixture({ lake, ...options });
  return fixture;
}

const chunk = (chunkId: number): ChunkId => chunkId as ChunkId;
const running = (): { signal: AbortSignal } => ({ signal: new AbortController().signal });

function recordingObserver(): BackfillObserver & { chunks: ChunkBuiltEvent[] } {
  const chunks: ChunkBuiltEvent[] = [];
  return { chunks, planResolved: () => {}, chunkBuilt: (event) => chunks.push(event), indexBuilt: () => {}, taskRetried: () => {} };
}

describe("runLifecycle()", () => {
  test("runLifecycle() at a boundary (window of 1) freezes chunk 0 from its hot DB, folds the terminal index, discards the hot DB, and leaves the live chunk 1 open and writable", async () => {
    const observer = recordingObserver();
    const target = open({ chunksPerWindow: 1, observer });
    copyHotDb(target.catalog, chunk(0), hotTemplateDir);
    liveDb = openLiveHotDb(target.catalog, chunk(1), chunk1Ledgers.slice(0, 3));

    const report = await runLifecycle(target.deps, running());

    expect(report.snapshot.throughLedgerSeq).toBe(chunkLastLedger(chunk(0)));
    expect(report.plan).toEqual({ chunkBuilds: [{ chunkId: chunk(0), kinds: [...ARTIFACT_KINDS] }], indexBuilds: [coverageOf(0, 0, 0)] });
    expect(observer.chunks.map((event) => `${event.chunkId} ${event.source} ${event.ledgerCount}`)).toEqual(["0 hot 10000"]);
    expect(report.discarded).toEqual([{ chunkId: chunk(0), reason: "served_by_cold" }]);
    expect(report.pruned).toEqual([]);
    expect(catalogSnapshot(target.catalog)).toEqual({
      "chunk:00000000:ledgers": "frozen",
      "chunk:00000000:events": "frozen",
      "index:00000000:00000000:00000000": "frozen",
      "hot:chunk:00000001": "ready",
    });
    expect(existsSync(target.layout.hotDbDir(chunk(0)))).toBe(false);
    expect(existsSync(target.layout.txhashRunPath(chunk(0)))).toBe(false);
    expect(liveDb.ingestLedger((chunkFirstLedger(chunk(1)) + 3) as LedgerSeq, chunk1Ledgers[3]!)).toBe("committed");
    expect(report.coldTierBytes).toBe(await coldTierBytes(target.layout));
    expect(report.coldTierBytes).toBeGreaterThan(0);
  }, 60_000);

  test("runLifecycle() reports every stage in metrics and logs; an idle second run still reports the stages but logs no stage line", async () => {
    const target = open({ chunksPerWindow: 1 });
    copyHotDb(target.catalog, chunk(0), hotTemplateDir);
    createPlainHotDb(target.catalog, chunk(1));
    const first = await runLifecycle(target.deps, running());
    const series = (names: string[]): Record<string, number> => Object.fromEntries(names.map((name) => [name, metricValue(target.deps, name)]));
    const names = [
      "fullhistory_freeze_chunks_total",
      "fullhistory_freeze_indexes_total",
      "fullhistory_discarded_hot_chunks_total",
      "fullhistory_pruned_ops_total",
      "fullhistory_lifecycle_runs_total",
      "fullhistory_live_hot_chunks",
      "fullhistory_cold_tier_bytes",
      "fullhistory_watermark_ledger",
      "fullhistory_retention_floor_ledger",
      'fullhistory_phase_duration_seconds_count{phase="freeze"}',
      'fullhistory_phase_duration_seconds_count{phase="discard"}',
      'fullhistory_phase_duration_seconds_count{phase="prune"}',
    ];
    const after = (runs: number, bytes: number | undefined): Record<string, number> => ({
      fullhistory_freeze_chunks_total: 1,
      fullhistory_freeze_indexes_total: 1,
      fullhistory_discarded_hot_chunks_total: 1,
      fullhistory_pruned_ops_total: 0,
      fullhistory_lifecycle_runs_total: runs,
      fullhistory_live_hot_chunks: 1,
      fullhistory_cold_tier_bytes: bytes!,
      fullhistory_watermark_ledger: chunkLastLedger(chunk(0)),
      fullhistory_retention_floor_ledger: chunkFirstLedger(chunk(0)),
      'fullhistory_phase_duration_seconds_count{phase="freeze"}': runs,
      'fullhistory_phase_duration_seconds_count{phase="discard"}': runs,
      'fullhistory_phase_duration_seconds_count{phase="prune"}': runs,
    });
    expect(series(names)).toEqual(after(1, first.coldTierBytes));
    expect(messagesAt(target.logLines, "info")).toEqual(["lifecycle: freeze stage complete", "lifecycle: discard stage complete"]);
    const snapshotLine = target.logLines.find((line) => line.msg === SNAPSHOT_LINE);
    expect(snapshotLine).toMatchObject({ level: "debug", last_complete_chunk: "00000000", through: chunkLastLedger(chunk(0)), floor: 2 });
    expect(target.logLines.find((line) => line.msg === "lifecycle: freeze stage complete")).toMatchObject({
      range_lo: "00000000",
      range_hi: "00000000",
      chunk_builds: 1,
      index_builds: 1,
    });

    const second = await runLifecycle(target.deps, running());
    expect({ plan: second.plan, discarded: second.discarded, pruned: second.pruned }).toEqual({
      plan: { chunkBuilds: [], indexBuilds: [] },
      discarded: [],
      pruned: [],
    });
    expect(series(names)).toEqual(after(2, second.coldTierBytes));
    expect(messagesAt(target.logLines, "info")).toHaveLength(2);
  }, 60_000);

  test("runLifecycle() with a window of 2 freezes chunk 0 into a rolling coverage, keeps its .bin for the next rebuild, and discards the covered hot DB", async () => {
    const target = open({ chunksPerWindow: 2 });
    copyHotDb(target.catalog, chunk(0), hotTemplateDir);
    createPlainHotDb(target.catalog, chunk(1));
    const report = await runLifecycle(target.deps, running());
    expect(report.discarded).toEqual([{ chunkId: chunk(0), reason: "served_by_cold" }]);
    expect(catalogSnapshot(target.catalog)).toEqual({
      "chunk:00000000:ledgers": "frozen",
      "chunk:00000000:events": "frozen",
      "chunk:00000000:txhash": "frozen",
      "index:00000000:00000000:00000000": "frozen",
      "hot:chunk:00000001": "ready",
    });
  }, 60_000);

  test("runLifecycle() after retention shortening prunes exactly below the new floor, hot DBs included; the window straddling the floor keeps its index", async () => {
    const target = open({ chunksPerWindow: 2, retentionChunks: 0 });
    settleWindows(target.catalog, [0, 1]); // chunks 0..3
    createPlainHotDb(target.catalog, chunk(1)); // a hot DB left behind below the floor-to-be
    createPlainHotDb(target.catalog, chunk(4)); // live
    const unchanged = await runLifecycle(target.deps, running());
    expect(unchanged.pruned).toEqual([]);
    expect(unchanged.discarded).toEqual([{ chunkId: chunk(1), reason: "served_by_cold" }]);
    createPlainHotDb(target.catalog, chunk(0)); // and another, to be discarded as below the floor

    const shortened = await runLifecycle({ ...target.deps, policy: { ...target.deps.policy, retentionChunks: 2 } }, running());
    expect(shortened.snapshot.floor.floorChunkId).toBe(chunk(2));
    expect(shortened.discarded).toEqual([{ chunkId: chunk(0), reason: "below_floor" }]);
    expect(catalogSnapshot(target.catalog)).toEqual({
      "chunk:00000002:ledgers": "frozen",
      "chunk:00000002:events": "frozen",
      "chunk:00000003:ledgers": "frozen",
      "chunk:00000003:events": "frozen",
      "index:00000001:00000002:00000003": "frozen",
      "hot:chunk:00000004": "ready",
    });
    for (const path of [target.layout.ledgerPackPath(chunk(1)), target.layout.indexPath(coverageOf(0, 0, 1)), target.layout.hotDbDir(chunk(0))]) {
      expect(existsSync(path)).toBe(false);
    }
    expect(existsSync(target.layout.ledgerPackPath(chunk(2)))).toBe(true);
    expect(existsSync(target.layout.hotDbDir(chunk(4)))).toBe(true);
  }, 30_000);

  test("runLifecycle() sweeps transient index debris within retention and keeps the frozen coverage", async () => {
    const target = open({ chunksPerWindow: 2 });
    settleWindows(target.catalog, [0]);
    markIndexFreezing(target.catalog, coverageOf(0, 1, 1)); // a rebuild that crashed before its commit
    createPlainHotDb(target.catalog, chunk(2));
    const report = await runLifecycle(target.deps, running());
    expect(report.pruned).toEqual([{ kind: "index", coverage: coverageOf(0, 1, 1), reason: "debris" }]);
    expect(Object.keys(catalogSnapshot(target.catalog)).filter((key) => key.startsWith("index:"))).toEqual(["index:00000000:00000000:00000001"]);
    expect(messagesAt(target.logLines, "info")).toEqual(["lifecycle: prune stage complete"]);
  });

  test("runLifecycle() refuses a second run on the same catalog while one is in progress (the scans assume no build in flight)", async () => {
    const target = open({ chunksPerWindow: 1 });
    createPlainHotDb(target.catalog, chunk(0));
    const first = runLifecycle(target.deps, running());
    await expect(runLifecycle(target.deps, running())).rejects.toThrow(InvariantError);
    await first;
    expect((await runLifecycle(target.deps, running())).plan).toEqual({ chunkBuilds: [], indexBuilds: [] });
  });

  test("runLifecycle() fails the run when a prune op fails, naming the file, and the key stays for the next run", async () => {
    const target = open({ chunksPerWindow: 2, retentionChunks: 1 });
    settleWindows(target.catalog, [0]);
    createPlainHotDb(target.catalog, chunk(2));
    const packPath = target.layout.ledgerPackPath(chunk(0));
    rmSync(packPath);
    mkdirSync(join(packPath, "in-the-way"), { recursive: true }); // unlink of a non-empty directory fails
    const error = await runLifecycle(target.deps, running()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SweepError);
    expect((error as Error).message).toContain(packPath);
    expect(catalogSnapshot(target.catalog)["chunk:00000000:ledgers"]).toBe("pruning");
    expect(metricValue(target.deps, "fullhistory_lifecycle_runs_total")).toBe(0);
  });
});

/** A WakeSignal that lets a test see each `wait()` the loop makes. */
class ObservedWakeSignal extends WakeSignal {
  readonly waits: Promise<void>[] = [];
  #onWait: ((waitIndex: number) => void) | undefined;

  onWait(callback: (waitIndex: number) => void): void {
    this.#onWait = callback;
  }

  override wait(options: { signal: AbortSignal }): Promise<void> {
    const waiting = super.wait(options);
    // The loop only ever awaits it; a rejection (the abort) is the loop's to handle.
    waiting.catch(() => undefined);
    this.waits.push(waiting);
    this.#onWait?.(this.waits.length);
    return waiting;
  }
}

const PENDING = Symbol("pending");
async function isPending(promise: Promise<void>): Promise<boolean> {
  const state = await Promise.race([promise.then(() => "settled"), Promise.resolve().then(() => Promise.resolve(PENDING))]);
  return state === PENDING;
}

describe("runLifecycleLoop()", () => {
  test("runLifecycleLoop() runs once per wake; 10 wakes during a run make exactly one more run, then it waits", async () => {
    let runCount = 0;
    const wakeup = new ObservedWakeSignal();
    const onLog = (line: LogLine): void => {
      if (line.msg !== SNAPSHOT_LINE) return;
      runCount += 1;
      if (runCount === 1) for (let wakeIndex = 0; wakeIndex < 10; wakeIndex++) wakeup.wake();
    };
    const target = open({ chunksPerWindow: 1, onLog });
    createPlainHotDb(target.catalog, chunk(0));
    const controller = new AbortController();
    const thirdWait = Promise.withResolvers<void>();
    wakeup.onWait((waitIndex) => {
      if (waitIndex === 3) thirdWait.resolve();
    });
    wakeup.wake();
    const loop = runLifecycleLoop(target.deps, { wakeup, signal: controller.signal });
    await thirdWait.promise;
    expect(await isPending(wakeup.waits[2]!)).toBe(true);
    expect(runCount).toBe(2);
    controller.abort(new Error("stop"));
    await loop;
    expect(runCount).toBe(2);
    expect(metricValue(target.deps, "fullhistory_lifecycle_runs_total")).toBe(2);
  });

  test("runLifecycleLoop() returns at once for an already aborted signal, without a run", async () => {
    const target = open({ chunksPerWindow: 1 });
    const wakeup = new WakeSignal();
    wakeup.wake();
    await runLifecycleLoop(target.deps, { wakeup, signal: AbortSignal.abort(new Error("stopped")) });
    expect(target.logLines.map((line) => line.msg)).toEqual([]);
  });

  test("runLifecycleLoop() stopped during a run resolves cleanly at a safe point: the stages after the abort do not run", async () => {
    const controller = new AbortController();
    const target = open({
      chunksPerWindow: 2,
      retentionChunks: 1,
      onLog: (line) => {
        if (line.msg === SNAPSHOT_LINE) controller.abort(new Error("SIGTERM"));
      },
    });
    settleWindows(target.catalog, [0]);
    createPlainHotDb(target.catalog, chunk(0)); // below the floor once chunk 2 is live: discardable
    createPlainHotDb(target.catalog, chunk(2));
    const wakeup = new WakeSignal();
    wakeup.wake();
    await runLifecycleLoop(target.deps, { wakeup, signal: controller.signal });
    expect(catalogSnapshot(target.catalog)["hot:chunk:00000000"]).toBe("ready");
    expect(catalogSnapshot(target.catalog)["chunk:00000000:ledgers"]).toBe("frozen");
    expect(messagesAt(target.logLines, "warn")).toEqual([]);
  });

  test("runLifecycleLoop() rejects with a genuine failure: a closed chunk whose hot DB is incomplete and which the lake lacks", async () => {
    const target = open({ chunksPerWindow: 1 });
    const missing = chunk(LAKE_CHUNKS); // the lake holds chunks 0..2
    openLiveHotDb(target.catalog, missing, []).close(); // closed, empty: incomplete, so the freeze falls through to the lake
    createPlainHotDb(target.catalog, chunk(LAKE_CHUNKS + 1));
    const wakeup = new WakeSignal();
    wakeup.wake();
    const error = await runLifecycleLoop(target.deps, { wakeup, signal: new AbortController().signal }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BackfillTaskError);
    expect((error as Error).message).toStartWith("Cannot build chunk 00000003");
    expect(metricValue(target.deps, "fullhistory_lifecycle_runs_total")).toBe(0);
    expect(catalogSnapshot(target.catalog)["hot:chunk:00000003"]).toBe("ready");
  }, 30_000);
});
