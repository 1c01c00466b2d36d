/**
 * Test fixtures for the catalog: a temp data dir with the six storage roots created, a `Layout`
 * over them (tiny windows when asked), a real catalog RocksDB, and real artifact files with known
 * bytes. Used by `src/catalog/*_test.ts` and the crash driver.
 * @module
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { type Catalog, closeCatalog, openCatalog } from "../../src/catalog/catalog.ts";
import {
  barrierChunkArtifacts,
  barrierIndexFile,
  commitIndex,
  createChunkDirs,
  createIndexDir,
  flipChunkFrozen,
  markChunkFreezing,
  markIndexFreezing,
} from "../../src/catalog/write_protocol.ts";
import { type ChunkId, type WindowId } from "../../src/geometry/chunk.ts";
import { type ArtifactKind } from "../../src/geometry/keys.ts";
import { type StorageRoots, Layout, STORAGE_ROOT_NAMES } from "../../src/geometry/layout.ts";
import { type IndexCoverage, WindowGeometry } from "../../src/geometry/windows.ts";

/** A temp data dir, its layout and an open read-write catalog. */
export interface CatalogFixture {
  dataDir: string;
  layout: Layout;
  catalog: Catalog;
}

/** The six storage roots under `dataDir`, created (as locking would, reference §5.8). */
export function fixtureLayout(dataDir: string, options: { chunksPerWindow: number }): Layout {
  const roots = Object.fromEntries(STORAGE_ROOT_NAMES.map((name) => [name, join(dataDir, name)])) as unknown as StorageRoots;
  for (const name of STORAGE_ROOT_NAMES) mkdirSync(roots[name], { recursive: true });
  return new Layout(roots, new WindowGeometry(options.chunksPerWindow));
}

/** A fresh temp data dir with an open catalog; window size defaults to production's 1000. */
export function openCatalogFixture(options: { chunksPerWindow?: number } = {}): CatalogFixture {
  const dataDir = mkdtempSync(join(tmpdir(), "fullhistory-catalog-"));
  const layout = fixtureLayout(dataDir, { chunksPerWindow: options.chunksPerWindow ?? 1000 });
  return { dataDir, layout, catalog: openCatalog(layout, { readOnly: false }) };
}

/** Closes the catalog and removes the data dir. */
export function removeCatalogFixture(fixture: CatalogFixture): void {
  closeCatalog(fixture.catalog);
  rmSync(fixture.dataDir, { recursive: true, force: true });
}

/** The bytes the fixtures write to `path`: 3 KiB naming the file, so a partial or swapped file shows. */
export function expectedFileBytes(layout: Layout, path: string): Uint8Array {
  const line = `${relative(dirname(layout.roots.catalog), path)}\n`;
  return new TextEncoder().encode(line.repeat(Math.ceil(3072 / line.length)));
}

/** True when `path` holds exactly `expectedFileBytes`. */
export function hasExpectedBytes(layout: Layout, path: string): boolean {
  return Buffer.from(readFileSync(path)).equals(Buffer.from(expectedFileBytes(layout, path)));
}

/** Writes `expectedFileBytes` to every file of chunk `chunkId`'s `kind` (creating the bucket dir). */
export function writeArtifactFiles(layout: Layout, chunkId: ChunkId, kind: ArtifactKind): string[] {
  const paths = layout.artifactPaths(chunkId, kind);
  for (const path of paths) writeFixtureFile(layout, path);
  return paths;
}

/** Writes `expectedFileBytes` to the `.idx` of `coverage` (creating the window dir). */
export function writeIndexFile(layout: Layout, coverage: IndexCoverage): string {
  const path = layout.indexPath(coverage);
  writeFixtureFile(layout, path);
  return path;
}

/** A coverage literal with branded ids. */
export function coverageOf(windowId: number, lo: number, hi: number): IndexCoverage {
  return { windowId: windowId as WindowId, lo: lo as ChunkId, hi: hi as ChunkId };
}

/** Runs the whole §5.2 protocol for `kinds` of chunk `chunkId`, writing fixture bytes. */
export function freezeChunkArtifacts(catalog: Catalog, chunkId: ChunkId, kinds: readonly ArtifactKind[]): void {
  const artifacts = { chunkId, kinds };
  markChunkFreezing(catalog, artifacts);
  createChunkDirs(catalog, artifacts);
  for (const kind of kinds) writeArtifactFiles(catalog.layout, chunkId, kind);
  barrierChunkArtifacts(catalog, artifacts);
  flipChunkFrozen(catalog, artifacts);
}

/** Runs §5.3 steps 3–7 for `coverage` (mark, dir, write, barrier, commit), writing fixture bytes. */
export function freezeIndexCoverage(catalog: Catalog, coverage: IndexCoverage): void {
  markIndexFreezing(catalog, coverage);
  createIndexDir(catalog, coverage);
  writeIndexFile(catalog.layout, coverage);
  barrierIndexFile(catalog, coverage);
  commitIndex(catalog, coverage);
}

function writeFixtureFile(layout: Layout, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, expectedFileBytes(layout, path));
}
