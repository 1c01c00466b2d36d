import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChunkId } from "../geometry/chunk.ts";
import { ARTIFACT_KINDS } from "../geometry/keys.ts";
import { type LakeSourceOptions } from "../lake/open_lake_source.ts";
import {
  type CatalogFixture,
  coverageOf,
  freezeChunkArtifacts,
  freezeIndexCoverage,
  openCatalogFixture,
  removeCatalogFixture,
} from "../../test/support/catalog_fixture.ts";
import { artifactTreeHashes, catalogSnapshot, testBackfillDeps, writeBackfillLake } from "../../test/support/backfill_fixture.ts";
import { BackfillTaskError } from "./backfill_errors.ts";
import {
  type BackfillObserver,
  type ChunkBuiltEvent,
  type IndexBuiltEvent,
  type PlanResolvedEvent,
  type TaskRetriedEvent,
} from "./backfill_observer.ts";
import { ExecutePlanConfigError } from "./execute_plan.ts";
import { runBackfill } from "./run_backfill.ts";

const LAKE_CHUNKS = 3;

let tempDir: string;
let lake: LakeSourceOptions;
let fixture: CatalogFixture | undefined;

beforeAll(async () => {
  tempDir = mkdtempSync(join(tmpdir(), "fullhistory-run-backfill-"));
  lake = await writeBackfillLake(join(tempDir, "lake"), { chunkCount: LAKE_CHUNKS, profile: "sparse" });
}, 60_000);
afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});
afterEach(() => {
  if (fixture !== undefined) removeCatalogFixture(fixture);
  fixture = undefined;
});

interface RecordedEvents {
  plans: PlanResolvedEvent[];
  chunks: ChunkBuiltEvent[];
  indexes: IndexBuiltEvent[];
  retries: TaskRetriedEvent[];
}

function recordingObserver(): BackfillObserver & { events: RecordedEvents } {
  const events: RecordedEvents = { plans: [], chunks: [], indexes: [], retries: [] };
  return {
    events,
    planResolved: (event) => events.plans.push(event),
    chunkBuilt: (event) => events.chunks.push(event),
    indexBuilt: (event) => events.indexes.push(event),
    taskRetried: (event) => events.retries.push(event),
  };
}

function range(rangeStart: number, rangeEnd: number): { rangeStart: ChunkId; rangeEnd: ChunkId } {
  return { rangeStart: rangeStart as ChunkId, rangeEnd: rangeEnd as ChunkId };
}

describe("runBackfill()", () => {
  test("runBackfill() resolves and executes a range: chunks frozen, the terminal window swept, events reported; a rerun does nothing", async () => {
    fixture = openCatalogFixture({ chunksPerWindow: 2 });
    const observer = recordingObserver();
    const deps = testBackfillDeps(fixture.catalog, lake, { workerCount: 2, observer });
    const plan = await runBackfill(deps, range(0, 2));
    expect(plan.chunkBuilds.map((build) => build.chunkId as number)).toEqual([0, 1, 2]);
    expect(catalogSnapshot(fixture.catalog)).toEqual({
      "chunk:00000000:ledgers": "frozen",
      "chunk:00000000:events": "frozen",
      "chunk:00000001:ledgers": "frozen",
      "chunk:00000001:events": "frozen",
      "chunk:00000002:ledgers": "frozen",
      "chunk:00000002:events": "frozen",
      "chunk:00000002:txhash": "frozen",
      "index:00000000:00000000:00000001": "frozen",
      "index:00000001:00000002:00000002": "frozen",
    });
    const { events } = observer;
    expect(events.plans).toEqual([{ range: range(0, 2), chunkBuildCount: 3, indexBuildCount: 2 }]);
    expect(events.chunks.map((event) => `${event.chunkId} ${event.source} ${event.ledgerCount}`).sort()).toEqual([
      "0 lake 10000",
      "1 lake 10000",
      "2 lake 10000",
    ]);
    const entriesOf = (chunkId: number): number => events.chunks.find((event) => event.chunkId === chunkId)!.txhashEntryCount;
    expect(events.indexes.map((event) => `[${event.coverage.lo}, ${event.coverage.hi}] ${event.keyCount} ${event.skipped}`).sort()).toEqual([
      `[0, 1] ${entriesOf(0) + entriesOf(1)} false`,
      `[2, 2] ${entriesOf(2)} false`,
    ]);
    expect(events.retries).toEqual([]);

    const tree = artifactTreeHashes(fixture.layout);
    const again = recordingObserver();
    const rerun = await runBackfill({ ...deps, observer: again }, range(0, 2));
    expect(rerun).toEqual({ chunkBuilds: [], indexBuilds: [] });
    expect(again.events.chunks).toEqual([]);
    expect(artifactTreeHashes(fixture.layout)).toEqual(tree);
  }, 60_000);

  test("runBackfill() of an inverted range writes nothing", async () => {
    fixture = openCatalogFixture({ chunksPerWindow: 2 });
    expect(await runBackfill(testBackfillDeps(fixture.catalog, lake), range(2, 1))).toEqual({ chunkBuilds: [], indexBuilds: [] });
    expect(catalogSnapshot(fixture.catalog)).toEqual({});
  });

  test("runBackfill() fails with an error naming the chunk the lake cannot produce, after reporting each retry", async () => {
    fixture = openCatalogFixture({ chunksPerWindow: 2 });
    const observer = recordingObserver();
    const deps = testBackfillDeps(fixture.catalog, lake, { maxRetries: 1, observer });
    const error = await runBackfill(deps, range(LAKE_CHUNKS, LAKE_CHUNKS)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BackfillTaskError);
    expect((error as Error).message).toStartWith("Cannot build chunk 00000003 (ledgers, events, txhash) from the Filesystem lake: Cannot read lake object");
    expect(observer.events.retries.map((event) => [event.task, event.attempt])).toEqual([["chunk 00000003", 1]]);
    expect(observer.events.indexes).toEqual([]);
    expect(Object.values(catalogSnapshot(fixture.catalog))).toEqual(["freezing", "freezing", "freezing"]);
  }, 30_000);

  test("runBackfill() finishes the sweep a crashed pass left after its terminal commit, with nothing to build", async () => {
    fixture = openCatalogFixture({ chunksPerWindow: 2 });
    for (const chunkId of [0, 1] as ChunkId[]) freezeChunkArtifacts(fixture.catalog, chunkId, [...ARTIFACT_KINDS]);
    freezeIndexCoverage(fixture.catalog, coverageOf(0, 0, 1)); // commit demoted both runs; no sweep ran
    expect(catalogSnapshot(fixture.catalog)["chunk:00000000:txhash"]).toBe("pruning");
    expect(await runBackfill(testBackfillDeps(fixture.catalog, lake), range(0, 1))).toEqual({ chunkBuilds: [], indexBuilds: [] });
    expect(Object.keys(catalogSnapshot(fixture.catalog)).filter((key) => key.endsWith(":txhash"))).toEqual([]);
    expect(existsSync(fixture.layout.txhashRunPath(0 as ChunkId))).toBe(false);
  });

  test("runBackfill() refuses a zero pool before building anything", async () => {
    fixture = openCatalogFixture({ chunksPerWindow: 2 });
    await expect(runBackfill(testBackfillDeps(fixture.catalog, lake, { workerCount: 0 }), range(0, 0))).rejects.toThrow(ExecutePlanConfigError);
    expect(catalogSnapshot(fixture.catalog)).toEqual({});
  });
});
