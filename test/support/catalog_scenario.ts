/**
 * The scripted catalog scenario the crash test kills at every crash point (D14, style R17), and the
 * checks it judges the survivors with. Like the daemon, the scenario stores no progress: every
 * step derives what is left from the catalog, so re-running it after a SIGKILL anywhere is the
 * convergence pass, and it ends in `checkFinalState`'s state from any crash.
 *
 * Geometry: windows of 4 chunks; window 0 = chunks 0..3; hot chunks 4 (closed) and 5 (live).
 *   1. Freeze chunks floor..3 (ledgers, events, and txhash while no frozen coverage holds the chunk).
 *   2. Build index [0,1] then the terminal [0,3] (skip when a frozen coverage contains it), each
 *      followed by the window sweep; the terminal commit demotes every .bin and the old coverage.
 *   3. Prune: the retention floor is chunk 1 once [0,3] is frozen (0 before), so chunk 0's frozen
 *      ledgers and events are swept; leftover pruning/freezing keys are swept too.
 *   4. Hot: while chunk 5 is not ready, open chunk 4 (write a marker) then chunk 5; discard chunk 4;
 *      reopen chunk 5 through the ready path.
 * Crash points reached, first pass: chunk.* and index.* at chunk 0 / coverage [0,1];
 * sweep.index.* and sweep.chunk.* in the terminal window sweep (sweep.chunk.*:2 in the prune);
 * hot.open.* and hot.discard.* at chunk 4.
 * @module
 */

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Db, closeDb, get, openDb, put } from "../../ffi/rocksdb.ts";
import { type ArtifactEntry, chunkArtifactEntries } from "../../src/catalog/artifact_reads.ts";
import { type Catalog } from "../../src/catalog/catalog.ts";
import { allCoverages, frozenCoverage } from "../../src/catalog/coverage_reads.ts";
import { type HotDbOpener, discardHotDbForChunk, openHotDbForChunk } from "../../src/catalog/hot_bracket.ts";
import { hotChunkEntries, hotState } from "../../src/catalog/hot_reads.ts";
import { sweepChunkArtifacts, sweepIndexKey } from "../../src/catalog/sweeps.ts";
import { sweepWindow } from "../../src/catalog/window_sweep.ts";
import { kindsNotFrozen } from "../../src/catalog/write_protocol.ts";
import { type ChunkId, type WindowId } from "../../src/geometry/chunk.ts";
import { type ArtifactKind, chunkKey, hotKey, indexKey } from "../../src/geometry/keys.ts";
import { type Layout, type StorageRootName } from "../../src/geometry/layout.ts";
import { type IndexCoverage, coverageContains } from "../../src/geometry/windows.ts";
import { coverageOf, freezeChunkArtifacts, freezeIndexCoverage, hasExpectedBytes } from "./catalog_fixture.ts";

/** Window size of the scenario's layout. */
export const SCENARIO_CHUNKS_PER_WINDOW = 4;

const WINDOW_ID = 0 as WindowId;
const LAST_CHUNK = 3;
const ROLLING_COVERAGE = coverageOf(0, 0, 1);
const TERMINAL_COVERAGE = coverageOf(0, 0, LAST_CHUNK);
const CLOSED_HOT_CHUNK = 4 as ChunkId;
const LIVE_HOT_CHUNK = 5 as ChunkId;
const HOT_MARKER = { key: new TextEncoder().encode("ledger"), value: new TextEncoder().encode("40002") };

/** The hot DB stand-in: a plain RocksDB (the bracket never looks inside). */
const HOT_OPENER: HotDbOpener<Db> = {
  open: (dir, options) => openDb(dir, { createIfMissing: options.create, readOnly: false }),
  close: (db) => closeDb(db),
};

/** Runs (or resumes) the whole scenario; idempotent, derived from the catalog alone. */
export function runScenario(catalog: Catalog): void {
  freezeChunks(catalog);
  buildThenSweep(catalog, ROLLING_COVERAGE);
  buildThenSweep(catalog, TERMINAL_COVERAGE);
  prune(catalog);
  cycleHotDbs(catalog);
}

/** The retention floor as the scenario's lifecycle derives it: chunk 1 once the window is final. */
function floorChunk(catalog: Catalog): number {
  return frozenCoverage(catalog, WINDOW_ID)?.hi === LAST_CHUNK ? 1 : 0;
}

function freezeChunks(catalog: Catalog): void {
  const covering = frozenCoverage(catalog, WINDOW_ID);
  for (let chunkNumber = floorChunk(catalog); chunkNumber <= LAST_CHUNK; chunkNumber++) {
    const chunkId = chunkNumber as ChunkId;
    const covered = covering !== undefined && coverageContains(covering, { lo: chunkId, hi: chunkId });
    const wanted: ArtifactKind[] = covered ? ["ledgers", "events"] : ["ledgers", "events", "txhash"];
    const kinds = kindsNotFrozen(catalog, { chunkId, kinds: wanted });
    if (kinds.length > 0) freezeChunkArtifacts(catalog, chunkId, kinds);
  }
}

function buildThenSweep(catalog: Catalog, coverage: IndexCoverage): void {
  const covering = frozenCoverage(catalog, coverage.windowId);
  if (covering === undefined || !coverageContains(covering, coverage)) freezeIndexCoverage(catalog, coverage);
  sweepWindow(catalog, coverage.windowId);
}

function prune(catalog: Catalog): void {
  const floor = floorChunk(catalog);
  const refs = chunkArtifactEntries(catalog).filter((entry) => entry.chunkId < floor || entry.state === "pruning");
  sweepChunkArtifacts(catalog, refs);
  for (const entry of allCoverages(catalog)) {
    if (entry.state !== "frozen") sweepIndexKey(catalog, entry.coverage);
  }
}

function cycleHotDbs(catalog: Catalog): void {
  if (hotState(catalog, LIVE_HOT_CHUNK) !== "ready") {
    const closed = openHotDbForChunk(catalog, CLOSED_HOT_CHUNK, HOT_OPENER);
    put(closed, HOT_MARKER.key, HOT_MARKER.value, { sync: true });
    closeDb(closed);
    closeDb(openHotDbForChunk(catalog, LIVE_HOT_CHUNK, HOT_OPENER));
  }
  discardHotDbForChunk(catalog, CLOSED_HOT_CHUNK);
  const live = openHotDbForChunk(catalog, LIVE_HOT_CHUNK, HOT_OPENER);
  try {
    if (get(live, HOT_MARKER.key) !== undefined) throw new Error("the live hot DB holds the closed chunk's marker");
  } finally {
    closeDb(live);
  }
}

/**
 * Violations of the states the protocol converges from (empty = fine): a frozen key over a missing
 * or partial file, a file with no key, two frozen coverages, a ready hot key without its dir, a
 * hot dir without a key.
 */
export function crashStateViolations(catalog: Catalog): string[] {
  const layout = catalog.layout;
  const violations: string[] = [];
  const artifacts = chunkArtifactEntries(catalog);
  const coverages = allCoverages(catalog);
  const hotEntries = hotChunkEntries(catalog);
  const keys = new Set([
    ...artifacts.map((entry) => chunkKey(entry.chunkId, entry.kind)),
    ...coverages.map((entry) => indexKey(entry.coverage)),
    ...hotEntries.map((entry) => hotKey(entry.chunkId)),
  ]);
  for (const entry of artifacts.filter((artifact) => artifact.state === "frozen")) {
    for (const path of layout.artifactPaths(entry.chunkId, entry.kind)) {
      if (!fileHasExpectedBytes(layout, path)) violations.push(`${chunkKey(entry.chunkId, entry.kind)} is frozen over missing or partial "${path}"`);
    }
  }
  for (const entry of coverages.filter((coverage) => coverage.state === "frozen")) {
    const path = layout.indexPath(entry.coverage);
    if (!fileHasExpectedBytes(layout, path)) violations.push(`${indexKey(entry.coverage)} is frozen over missing or partial "${path}"`);
  }
  const frozenCount = coverages.filter((entry) => entry.coverage.windowId === WINDOW_ID && entry.state === "frozen").length;
  if (frozenCount > 1) violations.push(`window 0 has ${frozenCount} frozen coverages`);
  for (const { rootName, relativePath } of storedArtifacts(layout)) {
    const key = layout.keyOfPath(rootName, relativePath);
    if (key === undefined || !keys.has(key)) violations.push(`${rootName}/${relativePath} has no catalog key (${key ?? "not an artifact name"})`);
  }
  for (const entry of hotEntries.filter((hot) => hot.state === "ready")) {
    if (!isDirectory(layout.hotDbDir(entry.chunkId))) violations.push(`${hotKey(entry.chunkId)} is ready but its dir is missing`);
  }
  return violations;
}

/** Differences from the scenario's converged state (empty = converged), on top of the crash checks. */
export function finalStateViolations(catalog: Catalog): string[] {
  const violations = crashStateViolations(catalog);
  const artifactText = chunkArtifactEntries(catalog).map(describeArtifact);
  const wantArtifacts = [1, 2, 3].flatMap((chunkId) => [`${chunkId}:ledgers=frozen`, `${chunkId}:events=frozen`]);
  if (artifactText.join(" ") !== wantArtifacts.join(" ")) violations.push(`chunk keys are [${artifactText.join(" ")}], want [${wantArtifacts.join(" ")}]`);
  const coverageText = allCoverages(catalog).map((entry) => `${indexKey(entry.coverage)}=${entry.state}`);
  const wantCoverage = `${indexKey(TERMINAL_COVERAGE)}=frozen`;
  if (coverageText.join(" ") !== wantCoverage) violations.push(`coverage keys are [${coverageText.join(" ")}], want [${wantCoverage}]`);
  const hotText = hotChunkEntries(catalog).map((entry) => `${entry.chunkId}=${entry.state}`);
  if (hotText.join(" ") !== `${LIVE_HOT_CHUNK}=ready`) violations.push(`hot keys are [${hotText.join(" ")}], want [${LIVE_HOT_CHUNK}=ready]`);
  const stored = storedArtifacts(catalog.layout).length;
  const wantStored = 3 * (1 + 3) + 1 + 1; // chunks 1..3: one .pack + three events files; one .idx; one hot dir
  if (stored !== wantStored) violations.push(`${stored} artifact files and hot dirs on disk, want ${wantStored}`);
  return violations;
}

function describeArtifact(entry: ArtifactEntry): string {
  return `${entry.chunkId}:${entry.kind}=${entry.state}`;
}

/** Every artifact file under the cold roots and every hot DB dir, found by walking (tests only). */
function storedArtifacts(layout: Layout): { rootName: StorageRootName; relativePath: string }[] {
  const found: { rootName: StorageRootName; relativePath: string }[] = [];
  for (const rootName of ["ledgers", "events", "txhashRaw", "txhashIndex"] as const) {
    for (const relativePath of readdirSync(layout.roots[rootName], { recursive: true, encoding: "utf8" })) {
      if (statSync(join(layout.roots[rootName], relativePath)).isFile()) found.push({ rootName, relativePath });
    }
  }
  for (const name of readdirSync(layout.roots.hot)) found.push({ rootName: "hot", relativePath: name });
  return found;
}

function fileHasExpectedBytes(layout: Layout, path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() === true && hasExpectedBytes(layout, path);
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}
