import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openHotDbForChunk } from "../catalog/hot_bracket.ts";
import { createChunkDirs, markChunkFreezing } from "../catalog/write_protocol.ts";
import { type ChunkId, type LedgerSeq, chunkFirstLedger, LEDGERS_PER_CHUNK } from "../geometry/chunk.ts";
import { ARTIFACT_KINDS, type ArtifactKind } from "../geometry/keys.ts";
import { hotDbOpener } from "../hot/hot_db_opener.ts";
import { type LakeSourceOptions } from "../lake/open_lake_source.ts";
import { type CatalogFixture, freezeChunkArtifacts, openCatalogFixture, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import {
  artifactTreeHashes,
  catalogSnapshot,
  chunkLedgersOf,
  lakeOptionsOf,
  memoryHotChunk,
  testBackfillDeps,
  writeBackfillLake,
} from "../../test/support/backfill_fixture.ts";
import { BackfillTaskError, FrozenPackMissingError } from "./backfill_errors.ts";
import { type HotChunkOpener } from "./hot_chunk_reader.ts";
import { type ChunkBuildDeps, processChunk } from "./process_chunk.ts";

const CHUNK = 0 as ChunkId;
const ALL_KINDS = [...ARTIFACT_KINDS];
/** Lake options whose lake does not exist: any attempt to read it fails. */
const NO_LAKE = lakeOptionsOf("/nonexistent/lake");

let tempDir: string;
let lake: LakeSourceOptions;
let ledgers: Uint8Array[];
/** The artifact tree of a clean lake build of every kind, for byte comparisons. */
let cleanBuild: Record<string, string>;
const fixtures: CatalogFixture[] = [];

beforeAll(async () => {
  tempDir = mkdtempSync(join(tmpdir(), "fullhistory-process-chunk-"));
  lake = await writeBackfillLake(join(tempDir, "lake"), { chunkCount: 1, profile: "sparse" });
  ledgers = await chunkLedgersOf(lake, CHUNK);
}, 60_000);
afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});
afterEach(() => {
  for (const fixture of fixtures.splice(0)) removeCatalogFixture(fixture);
});

function newFixture(): CatalogFixture {
  const fixture = openCatalogFixture();
  fixtures.push(fixture);
  return fixture;
}

function depsOf(fixture: CatalogFixture, overrides: Partial<ChunkBuildDeps> = {}): ChunkBuildDeps {
  return testBackfillDeps(fixture.catalog, lake, overrides);
}

function build(deps: ChunkBuildDeps, kinds: ArtifactKind[]): ReturnType<typeof processChunk> {
  return processChunk(deps, { chunkId: CHUNK, kinds }, { signal: new AbortController().signal });
}

/** Marks chunk 0's hot DB `ready` (a real, empty DB through the bracket) and serves `reader` for it. */
function hotOpenerFor(fixture: CatalogFixture, reader: ReturnType<typeof memoryHotChunk>): HotChunkOpener {
  const opener = hotDbOpener(CHUNK);
  opener.close(openHotDbForChunk(fixture.catalog, CHUNK, opener));
  return () => reader;
}

describe("processChunk()", () => {
  test("processChunk() writes all five files from the lake and freezes every kind", async () => {
    const fixture = newFixture();
    const built = await build(depsOf(fixture), ALL_KINDS);
    expect(built.kinds).toEqual(ALL_KINDS);
    expect(built.source).toBe("lake");
    expect(built.written.ledgerCount).toBe(LEDGERS_PER_CHUNK);
    expect(catalogSnapshot(fixture.catalog)).toEqual({
      "chunk:00000000:ledgers": "frozen",
      "chunk:00000000:events": "frozen",
      "chunk:00000000:txhash": "frozen",
    });
    expect(ALL_KINDS.flatMap((kind) => fixture.layout.artifactPaths(CHUNK, kind)).every((path) => existsSync(path))).toBe(true);
    cleanBuild = artifactTreeHashes(fixture.layout);
  }, 30_000);

  test("processChunk() from a complete hot DB writes the same bytes as from the lake, and closes the DB", async () => {
    const fixture = newFixture();
    const reader = memoryHotChunk(ledgers, { firstLedgerSeq: chunkFirstLedger(CHUNK) });
    const built = await build(depsOf(fixture, { lake: NO_LAKE, openHotChunk: hotOpenerFor(fixture, reader) }), ALL_KINDS);
    expect(built.source).toBe("hot");
    expect(reader.closeCount).toBe(1);
    const { "hot/00000000": _hotDir, ...artifacts } = withoutHotDb(artifactTreeHashes(fixture.layout));
    expect(artifacts).toEqual(cleanBuild);
  }, 30_000);

  test("processChunk() writes only the requested kinds", async () => {
    const fixture = newFixture();
    const built = await build(depsOf(fixture), ["events"]);
    expect(built.kinds).toEqual(["events"]);
    expect(catalogSnapshot(fixture.catalog)).toEqual({ "chunk:00000000:events": "frozen" });
    expect(existsSync(fixture.layout.ledgerPackPath(CHUNK))).toBe(false);
    expect(existsSync(fixture.layout.txhashRunPath(CHUNK))).toBe(false);
  }, 30_000);

  test("processChunk() skips kinds that are already frozen and opens no source", async () => {
    const fixture = newFixture();
    freezeChunkArtifacts(fixture.catalog, CHUNK, ALL_KINDS);
    const before = artifactTreeHashes(fixture.layout);
    const noHot: HotChunkOpener = () => {
      throw new Error("no source may be opened");
    };
    const built = await build(depsOf(fixture, { lake: NO_LAKE, openHotChunk: noHot }), ALL_KINDS);
    expect(built).toEqual({ kinds: [], source: undefined, written: { ledgerCount: 0, txhashEntryCount: 0, eventCount: 0 } });
    expect(artifactTreeHashes(fixture.layout)).toEqual(before);
  });

  test("processChunk() overwrites the debris of a crashed attempt and freezes clean files", async () => {
    const fixture = newFixture();
    markChunkFreezing(fixture.catalog, { chunkId: CHUNK, kinds: ALL_KINDS });
    createChunkDirs(fixture.catalog, { chunkId: CHUNK, kinds: ALL_KINDS });
    writeFileSync(fixture.layout.ledgerPackPath(CHUNK), "garbage from a killed writer");
    writeFileSync(fixture.layout.txhashRunPath(CHUNK), "more garbage, longer than a real header");
    await build(depsOf(fixture), ALL_KINDS);
    expect(Object.values(catalogSnapshot(fixture.catalog))).toEqual(["frozen", "frozen", "frozen"]);
    expect(artifactTreeHashes(fixture.layout)).toEqual(cleanBuild);
  }, 30_000);

  test("processChunk() re-derives the .bin from the frozen pack and never opens the lake", async () => {
    const fixture = newFixture();
    await build(depsOf(fixture), ["ledgers", "events"]);
    const built = await build(depsOf(fixture, { lake: NO_LAKE }), ALL_KINDS);
    expect(built.kinds).toEqual(["txhash"]);
    expect(built.source).toBe("pack");
    expect(artifactTreeHashes(fixture.layout)).toEqual(cleanBuild);
  }, 30_000);

  test("processChunk() rejects a hot DB that skips a ledger before anything is frozen, and closes it", async () => {
    const fixture = newFixture();
    const reader = memoryHotChunk(
      ledgers.filter((_, index) => index !== 5000),
      { firstLedgerSeq: chunkFirstLedger(CHUNK), maxCommittedSeq: (chunkFirstLedger(CHUNK) + LEDGERS_PER_CHUNK - 1) as LedgerSeq },
    );
    const error = await build(depsOf(fixture, { openHotChunk: hotOpenerFor(fixture, reader) }), ALL_KINDS).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BackfillTaskError);
    expect((error as Error).message).toContain(`Cannot build chunk 00000000 (ledgers, events, txhash) from hot DB "${fixture.layout.hotDbDir(CHUNK)}"`);
    expect((error as Error).message).toContain("delivered ledger 5003 where ledger 5002 must come next");
    expect(catalogSnapshot(fixture.catalog)).toEqual({
      "chunk:00000000:ledgers": "freezing",
      "chunk:00000000:events": "freezing",
      "chunk:00000000:txhash": "freezing",
      "hot:chunk:00000000": "ready",
    });
    expect(ALL_KINDS.flatMap((kind) => fixture.layout.artifactPaths(CHUNK, kind)).filter((path) => existsSync(path))).toEqual([]);
    expect(reader.closeCount).toBe(1);
  }, 30_000);

  test("processChunk() fails on a corrupt lake object mid-chunk naming the chunk and the object, and leaves no file", async () => {
    const fixture = newFixture();
    const lakeDir = join(tempDir, "lake-corrupt");
    cpSync(join(tempDir, "lake"), lakeDir, { recursive: true });
    // Ledgers 5000..5099: half the chunk has reached every writer when this object is decoded.
    const objectPath = join(lakeDir, "FFFFFFFF--0-6399999", "FFFFEC77--5000-5099.xdr.zst");
    writeFileSync(objectPath, Bun.zstdCompressSync(new TextEncoder().encode("not a LedgerCloseMetaBatch")));
    const error = await build(depsOf(fixture, { lake: lakeOptionsOf(lakeDir) }), ALL_KINDS).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BackfillTaskError);
    expect((error as Error).message).toContain("Cannot build chunk 00000000 (ledgers, events, txhash) from the Filesystem lake");
    expect((error as Error).message).toContain(`Cannot read lake object "${objectPath}": object is corrupt`);
    expect(Object.values(catalogSnapshot(fixture.catalog))).toEqual(["freezing", "freezing", "freezing"]);
    expect(ALL_KINDS.flatMap((kind) => fixture.layout.artifactPaths(CHUNK, kind)).filter((path) => existsSync(path))).toEqual([]);
  }, 30_000);

  test("processChunk() writes no key when the source cannot be chosen (frozen pack missing)", async () => {
    const fixture = newFixture();
    freezeChunkArtifacts(fixture.catalog, CHUNK, ["ledgers"]);
    rmSync(fixture.layout.ledgerPackPath(CHUNK));
    await expect(build(depsOf(fixture), ALL_KINDS)).rejects.toThrow(FrozenPackMissingError);
    expect(catalogSnapshot(fixture.catalog)).toEqual({ "chunk:00000000:ledgers": "frozen" });
  });

  test("processChunk() stops its Worker and rejects when the signal aborts, leaving the kinds freezing", async () => {
    const fixture = newFixture();
    const controller = new AbortController();
    const reason = new Error("shutdown");
    const run = processChunk(depsOf(fixture), { chunkId: CHUNK, kinds: ALL_KINDS }, { signal: controller.signal });
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(Object.values(catalogSnapshot(fixture.catalog))).toEqual(["freezing", "freezing", "freezing"]);
  });
});

/** The tree without the hot DB's own files (the real, empty DB the bracket created). */
function withoutHotDb(hashes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(hashes).filter(([name]) => !name.startsWith("hot/00000000/")));
}
