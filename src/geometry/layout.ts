/**
 * The one key ↔ path mapping (reference §3; D2; style R13). Nothing else in the code base builds an
 * artifact path or lists a directory to find work. Every root below is a storage root from
 * `[storage]` (D3), locked by `{root}/fullhistory.lock` (D4).
 *
 *   {catalog}/                      catalog RocksDB (+ fullhistory.lock)
 *   {ledgers}/{bucket:05d}/{chunk:08d}.pack                         chunk:{c}:ledgers
 *   {events}/{bucket:05d}/{chunk:08d}-events.pack                   ┐
 *   {events}/{bucket:05d}/{chunk:08d}-index.pack                    ├ chunk:{c}:events
 *   {events}/{bucket:05d}/{chunk:08d}-index.hash                    ┘
 *   {txhash_raw}/{bucket:05d}/{chunk:08d}.bin                       chunk:{c}:txhash
 *   {txhash_index}/{window:08d}/{lo:08d}-{hi:08d}.idx               index:{w}:{lo}:{hi}
 *   {hot}/{chunk:08d}/                                              hot:chunk:{c}
 *
 * bucket = chunk / 1000 (a filesystem grouping only, never in keys). Window size comes from the
 * layout's `WindowGeometry` (1000 in production, tiny in tests).
 * @module
 */

import { join } from "node:path";
import { type ChunkId, type WindowId, bucketOf, CHUNK_ID_MAX, pad5, pad8 } from "./chunk.ts";
import { type ArtifactKind, chunkKey, hotKey, indexKey } from "./keys.ts";
import { type IndexCoverage, type WindowGeometry } from "./windows.ts";

/** The six storage roots, in lock order (reference §4.5). */
export const STORAGE_ROOT_NAMES = ["catalog", "ledgers", "events", "txhashRaw", "txhashIndex", "hot"] as const;
export type StorageRootName = (typeof STORAGE_ROOT_NAMES)[number];
export type StorageRoots = Readonly<Record<StorageRootName, string>>;

/** The lock file in every storage root (D4). */
export const LOCK_FILE_NAME = "fullhistory.lock";

/** Events segment file suffixes, in the order writers and sweeps use (reference §3.1). */
export const EVENTS_FILE_SUFFIXES = ["-events.pack", "-index.pack", "-index.hash"] as const;

/** Where an artifact kind lives. */
const ROOT_OF_KIND: Readonly<Record<ArtifactKind, StorageRootName>> = {
  ledgers: "ledgers",
  events: "events",
  txhash: "txhashRaw",
};

/** Maps catalog keys to paths under one set of storage roots. Immutable. */
export class Layout {
  readonly roots: StorageRoots;
  readonly windows: WindowGeometry;

  constructor(roots: StorageRoots, windows: WindowGeometry) {
    this.roots = Object.freeze({ ...roots });
    this.windows = windows;
  }

  /** The bucket directory holding chunk `chunkId`'s files of `kind`. */
  bucketDir(chunkId: ChunkId, kind: ArtifactKind): string {
    return join(this.roots[ROOT_OF_KIND[kind]], pad5(bucketOf(chunkId)));
  }

  /** Every file of one artifact key, in write/sweep order: ledgers 1, events 3, txhash 1. */
  artifactPaths(chunkId: ChunkId, kind: ArtifactKind): string[] {
    const dir = this.bucketDir(chunkId, kind);
    const base = pad8(chunkId);
    switch (kind) {
      case "ledgers":
        return [join(dir, `${base}.pack`)];
      case "events":
        return EVENTS_FILE_SUFFIXES.map((suffix) => join(dir, `${base}${suffix}`));
      case "txhash":
        return [join(dir, `${base}.bin`)];
    }
  }

  /** `{ledgers}/{bucket}/{chunk}.pack`. */
  ledgerPackPath(chunkId: ChunkId): string {
    return this.artifactPaths(chunkId, "ledgers")[0]!;
  }

  /** The three events segment files of a chunk. */
  eventsPaths(chunkId: ChunkId): { eventsPack: string; indexPack: string; indexHash: string } {
    const [eventsPack, indexPack, indexHash] = this.artifactPaths(chunkId, "events") as [string, string, string];
    return { eventsPack, indexPack, indexHash };
  }

  /** `{txhash_raw}/{bucket}/{chunk}.bin`. */
  txhashRunPath(chunkId: ChunkId): string {
    return this.artifactPaths(chunkId, "txhash")[0]!;
  }

  /** `{txhash_index}/{window}`. */
  indexWindowDir(windowId: WindowId): string {
    return join(this.roots.txhashIndex, pad8(windowId));
  }

  /** `{txhash_index}/{window}/{lo}-{hi}.idx`. */
  indexPath(coverage: IndexCoverage): string {
    this.windows.checkCoverage(coverage);
    return join(this.indexWindowDir(coverage.windowId), `${pad8(coverage.lo)}-${pad8(coverage.hi)}.idx`);
  }

  /** `{hot}/{chunk}`: one RocksDB per chunk. */
  hotDbDir(chunkId: ChunkId): string {
    return join(this.roots.hot, pad8(chunkId));
  }

  /** The catalog RocksDB directory (the catalog root itself, as in the reference §3.1). */
  catalogDbDir(): string {
    return this.roots.catalog;
  }

  /**
   * The catalog key a path under a storage root belongs to, or undefined when the path is not an
   * artifact this layout could have written (a stray file, for audit INV-3). `relativePath` uses
   * "/" separators and is relative to root `rootName`.
   */
  keyOfPath(rootName: StorageRootName, relativePath: string): string | undefined {
    const parts = relativePath.split("/");
    switch (rootName) {
      case "ledgers":
        return this.#chunkFileKey(parts, /^(\d{8})\.pack$/, "ledgers");
      case "events":
        return this.#chunkFileKey(parts, /^(\d{8})-(?:events\.pack|index\.pack|index\.hash)$/, "events");
      case "txhashRaw":
        return this.#chunkFileKey(parts, /^(\d{8})\.bin$/, "txhash");
      case "txhashIndex":
        return this.#indexFileKey(parts);
      case "hot":
        return this.#hotDirKey(parts);
      case "catalog":
        return undefined;
    }
  }

  #chunkFileKey(parts: string[], fileRe: RegExp, kind: ArtifactKind): string | undefined {
    if (parts.length !== 2) return undefined;
    const [bucketName, fileName] = parts as [string, string];
    const match = fileRe.exec(fileName);
    if (match === null || !/^\d{5}$/.test(bucketName)) return undefined;
    const chunkId = Number(match[1]) as ChunkId;
    if (chunkId > CHUNK_ID_MAX) return undefined; // no key names it: a stray, like the parsers say (D2)
    if (pad5(bucketOf(chunkId)) !== bucketName) return undefined;
    return chunkKey(chunkId, kind);
  }

  #indexFileKey(parts: string[]): string | undefined {
    if (parts.length !== 2) return undefined;
    const [windowName, fileName] = parts as [string, string];
    const match = /^(\d{8})-(\d{8})\.idx$/.exec(fileName);
    if (match === null || !/^\d{8}$/.test(windowName)) return undefined;
    const coverage = { windowId: Number(windowName) as WindowId, lo: Number(match[1]) as ChunkId, hi: Number(match[2]) as ChunkId };
    if (coverage.lo > coverage.hi) return undefined;
    if (coverage.hi > CHUNK_ID_MAX) return undefined;
    if (this.windows.windowOf(coverage.lo) !== coverage.windowId) return undefined;
    if (this.windows.windowOf(coverage.hi) !== coverage.windowId) return undefined;
    return indexKey(coverage);
  }

  #hotDirKey(parts: string[]): string | undefined {
    if (parts.length !== 1) return undefined;
    const match = /^(\d{8})$/.exec(parts[0]!);
    if (match === null) return undefined;
    const chunkId = Number(match[1]) as ChunkId;
    return chunkId > CHUNK_ID_MAX ? undefined : hotKey(chunkId);
  }
}
