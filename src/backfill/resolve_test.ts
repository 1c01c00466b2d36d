import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { sweepWindow } from "../catalog/window_sweep.ts";
import { markChunkFreezing } from "../catalog/write_protocol.ts";
import { type ChunkId } from "../geometry/chunk.ts";
import { ARTIFACT_KINDS } from "../geometry/keys.ts";
import {
  type CatalogFixture,
  coverageOf,
  freezeChunkArtifacts,
  freezeIndexCoverage,
  openCatalogFixture,
  removeCatalogFixture,
} from "../../test/support/catalog_fixture.ts";
import { type Plan, resolve } from "./resolve.ts";

// Reference §7.1's pinned outcomes use a window of 4 chunks (cpi = 4).
const CHUNKS_PER_WINDOW = 4;
const ALL_KINDS = [...ARTIFACT_KINDS];

let fixture: CatalogFixture;
beforeEach(() => {
  fixture = openCatalogFixture({ chunksPerWindow: CHUNKS_PER_WINDOW });
});
afterEach(() => {
  removeCatalogFixture(fixture);
});

function chunk(id: number): ChunkId {
  return id as ChunkId;
}

function resolveRange(rangeStart: number, rangeEnd: number): Plan {
  return resolve(fixture.catalog, { rangeStart: chunk(rangeStart), rangeEnd: chunk(rangeEnd) });
}

/** Chunks lo..hi fully frozen and window 0's terminal coverage [0,3] committed and swept, as after a full backfill. */
function finalizeWindowZero(): void {
  for (let id = 0; id <= 3; id++) freezeChunkArtifacts(fixture.catalog, chunk(id), ALL_KINDS);
  freezeIndexCoverage(fixture.catalog, coverageOf(0, 0, 3));
  sweepWindow(fixture.catalog, coverageOf(0, 0, 3).windowId);
}

describe("resolve()", () => {
  test("resolve() plans every kind of every chunk and one index build per window on an empty catalog", () => {
    expect(resolveRange(2, 5)).toEqual({
      chunkBuilds: [2, 3, 4, 5].map((id) => ({ chunkId: chunk(id), kinds: ALL_KINDS })),
      indexBuilds: [coverageOf(0, 2, 3), coverageOf(1, 4, 5)],
    });
  });

  test("resolve() returns an empty plan for a reversed range", () => {
    expect(resolveRange(3, 2)).toEqual({ chunkBuilds: [], indexBuilds: [] });
  });

  test("resolve() returns an empty plan for a finalized window over the full range", () => {
    finalizeWindowZero();
    expect(resolveRange(0, 3)).toEqual({ chunkBuilds: [], indexBuilds: [] });
  });

  test("resolve() returns an empty plan when a risen floor's desired [2,3] lies inside the stored [0,3]", () => {
    finalizeWindowZero();
    expect(resolveRange(2, 3)).toEqual({ chunkBuilds: [], indexBuilds: [] });
  });

  test("resolve() widens a stored [0,1] to [0,3] and plans chunks 2,3 with every kind", () => {
    for (const id of [0, 1]) freezeChunkArtifacts(fixture.catalog, chunk(id), ALL_KINDS);
    freezeIndexCoverage(fixture.catalog, coverageOf(0, 0, 1));
    expect(resolveRange(0, 3)).toEqual({
      chunkBuilds: [2, 3].map((id) => ({ chunkId: chunk(id), kinds: ALL_KINDS })),
      indexBuilds: [coverageOf(0, 0, 3)],
    });
  });

  test("resolve() plans only txhash for chunks 2,3 when ledgers and events are frozen everywhere and .bins only for 0,1", () => {
    for (const id of [0, 1]) freezeChunkArtifacts(fixture.catalog, chunk(id), ALL_KINDS);
    for (const id of [2, 3]) freezeChunkArtifacts(fixture.catalog, chunk(id), ["ledgers", "events"]);
    expect(resolveRange(0, 3)).toEqual({
      chunkBuilds: [2, 3].map((id) => ({ chunkId: chunk(id), kinds: ["txhash"] })),
      indexBuilds: [coverageOf(0, 0, 3)],
    });
  });

  test("resolve() plans a non-terminal IndexBuild{1,4,5} and chunks 4,5 when window 0 is finalized", () => {
    finalizeWindowZero();
    expect(resolveRange(0, 5)).toEqual({
      chunkBuilds: [4, 5].map((id) => ({ chunkId: chunk(id), kinds: ALL_KINDS })),
      indexBuilds: [coverageOf(1, 4, 5)],
    });
  });

  test("resolve() re-plans kinds left freezing by a crash", () => {
    freezeChunkArtifacts(fixture.catalog, chunk(0), ["ledgers"]);
    markChunkFreezing(fixture.catalog, { chunkId: chunk(0), kinds: ["events", "txhash"] });
    expect(resolveRange(0, 0)).toEqual({
      chunkBuilds: [{ chunkId: chunk(0), kinds: ["events", "txhash"] }],
      indexBuilds: [coverageOf(0, 0, 0)],
    });
  });

  test("resolve() plans no txhash for a chunk whose window coverage already contains it", () => {
    freezeChunkArtifacts(fixture.catalog, chunk(0), ["txhash"]);
    freezeIndexCoverage(fixture.catalog, coverageOf(0, 0, 0));
    expect(resolveRange(0, 0)).toEqual({ chunkBuilds: [{ chunkId: chunk(0), kinds: ["ledgers", "events"] }], indexBuilds: [] });
  });
});
