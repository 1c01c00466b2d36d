/**
 * What `fullhistory status` reports (reference §2, §6, §7.8): the pin, the retention floor and the
 * last committed ledger (derived, never stored: the real watermark, read from the highest ready hot
 * DB like the daemon's startup probe), each window's coverages, how many keys of each family are in
 * each state, the bytes under each storage root (a directory walk: status and audit are the only
 * listers, walk_storage_root.ts) and the hot chunks with the last ledger each ready hot DB holds
 * (`hot_tier_reading.ts`; one that cannot be read is shown with why, never thrown). Read-only; a
 * plain-data result so the command can print it as text or JSON.
 * @module
 */

import type { Catalog } from "../catalog/catalog.ts";
import type { CoverageEntry } from "../catalog/coverage_reads.ts";
import type { WindowGeometry } from "../geometry/windows.ts";
import { type ArtifactKind, type ArtifactState, type HotState, ARTIFACT_KINDS, ARTIFACT_STATES, HOT_STATES } from "../geometry/keys.ts";
import { type StorageRootName, STORAGE_ROOT_NAMES } from "../geometry/layout.ts";
import { readCatalogSnapshot } from "./catalog_snapshot.ts";
import { readHotTier } from "./hot_tier_reading.ts";
import { storageRootBytes } from "../storage_walk/walk_storage_root.ts";

/** One coverage key of a window. */
export interface CoverageStatus {
  readonly lo: number;
  readonly hi: number;
  readonly state: ArtifactState;
  /** hi is the window's last chunk (reference §1.3). */
  readonly terminal: boolean;
}

export interface WindowStatus {
  readonly windowId: number;
  /** The frozen coverage readers use; null when the window has none. */
  readonly frozen: CoverageStatus | null;
  /** Every other coverage key (freezing, pruning; a second frozen one would break INV-2). */
  readonly others: readonly CoverageStatus[];
}

export type StateCounts<State extends string> = Record<State, number>;

export interface StoreStatus {
  /** `config:earliest_ledger`; null before the first start pinned it. */
  readonly earliestLedger: number | null;
  readonly retentionChunks: number;
  readonly retentionFloorLedger: number;
  readonly retentionFloorChunk: number;
  /** Reference §7.8 with the hot probe: the highest ready hot DB's last ledger when it is above the cold chunks. */
  readonly lastCommittedLedger: number;
  /** False when the highest ready hot DB could not be read: `lastCommittedLedger` is then its chunk-granularity bound. */
  readonly lastCommittedExact: boolean;
  readonly windows: readonly WindowStatus[];
  readonly keyCounts: {
    readonly chunk: Record<ArtifactKind, StateCounts<ArtifactState>>;
    readonly index: StateCounts<ArtifactState>;
    readonly hot: StateCounts<HotState>;
  };
  readonly storageBytes: Record<StorageRootName, number>;
  readonly storageRoots: Record<StorageRootName, string>;
  readonly hotChunks: readonly HotChunkStatus[];
}

/** One hot key. */
export interface HotChunkStatus {
  readonly chunkId: number;
  readonly state: HotState;
  /** The last ledger a ready hot DB holds; null when transient, empty or unreadable. */
  readonly lastLedger: number | null;
  /** Why a ready hot DB could not be read; null otherwise. */
  readonly problem: string | null;
}

/** Collects the status of the store behind `catalog` under `[retention] retention_chunks`. */
export function collectStoreStatus(catalog: Catalog, options: { retentionChunks: number }): StoreStatus {
  const snapshot = readCatalogSnapshot(catalog);
  const hot = readHotTier(catalog, snapshot.hotEntries, options);
  const retained = hot.retained;
  const chunkCounts = Object.fromEntries(ARTIFACT_KINDS.map((kind) => [kind, zeroCounts(ARTIFACT_STATES)])) as Record<ArtifactKind, StateCounts<ArtifactState>>;
  for (const entry of snapshot.chunkEntries) chunkCounts[entry.kind][entry.state]++;
  const indexCounts = zeroCounts(ARTIFACT_STATES);
  for (const entry of snapshot.coverages) indexCounts[entry.state]++;
  const hotCounts = zeroCounts(HOT_STATES);
  for (const entry of snapshot.hotEntries) hotCounts[entry.state]++;
  const roots = catalog.layout.roots;
  return {
    earliestLedger: retained.earliestLedgerSeq ?? null,
    retentionChunks: options.retentionChunks,
    retentionFloorLedger: retained.floorLedgerSeq,
    retentionFloorChunk: retained.floorChunkId,
    lastCommittedLedger: retained.lastLedgerSeq,
    lastCommittedExact: hot.watermarkExact,
    windows: windowStatuses(snapshot.coverages, catalog.layout.windows),
    keyCounts: { chunk: chunkCounts, index: indexCounts, hot: hotCounts },
    storageBytes: Object.fromEntries(STORAGE_ROOT_NAMES.map((name) => [name, storageRootBytes(roots[name])])) as Record<StorageRootName, number>,
    storageRoots: { ...roots },
    hotChunks: hot.chunks.map((chunk) => ({
      chunkId: chunk.chunkId,
      state: chunk.state,
      lastLedger: chunk.lastLedgerSeq ?? null,
      problem: chunk.failure?.message ?? null,
    })),
  };
}

function windowStatuses(coverages: readonly CoverageEntry[], windows: WindowGeometry): WindowStatus[] {
  const byWindow = new Map<number, { frozen: CoverageStatus | null; others: CoverageStatus[] }>();
  for (const { coverage, state } of coverages) {
    const status: CoverageStatus = { lo: coverage.lo, hi: coverage.hi, state, terminal: windows.isTerminal(coverage) };
    const window = byWindow.get(coverage.windowId) ?? { frozen: null, others: [] };
    if (state === "frozen" && window.frozen === null) window.frozen = status;
    else window.others.push(status);
    byWindow.set(coverage.windowId, window);
  }
  return [...byWindow].map(([windowId, window]) => ({ windowId, ...window }));
}

function zeroCounts<State extends string>(states: readonly State[]): StateCounts<State> {
  return Object.fromEntries(states.map((state) => [state, 0])) as StateCounts<State>;
}
