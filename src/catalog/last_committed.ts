/**
 * `lastCommittedLedger` (reference §7.8; README "progress is derived, never stored"): the highest
 * ledger the store holds durably, re-derived from the catalog at every start as the max of three
 * terms:
 *
 *   cold   completeThrough(highest chunk whose ledgers AND events are frozen AND whose txhash is
 *          frozen or lies inside some frozen coverage); a mid-freeze crash (ledgers frozen, events
 *          freezing) lowers it, never raises it
 *   hot    when the highest `ready` hot chunk h is above cold: with a probe, h's hot DB is opened
 *          (exactly one open, through the catalog's bracket) and its max committed ledger read
 *          (empty DB → completeThrough(h − 1));
 *          without a probe, completeThrough(h − 1) (chunk granularity, no DB opened)
 *   floor  earliest_ledger − 1 when pinned: nothing below the pin is wanted, so it counts as had
 *
 * A `ready` hot DB that is missing, will not open or cannot be read is `HotVolumeLostError` (fatal,
 * D11): its ledgers may exist nowhere else. Lower ready chunks are not opened here; their loss is
 * found when they are used (§7.8 "lazily").
 * @module
 */

import { assert } from "../assert.ts";
import { chunkArtifactEntries } from "./artifact_reads.ts";
import type { Catalog } from "./catalog.ts";
import { allCoverages } from "./coverage_reads.ts";
import { earliestLedger } from "./earliest_ledger.ts";
import { type HotDbOpener, HotVolumeLostError, openHotDbForChunk } from "./hot_bracket.ts";
import { hotState, readyHotChunkIds } from "./hot_reads.ts";
import { FullhistoryError } from "../errors.ts";
import {
  type ChunkId,
  type LedgerSeq,
  chunkFirstLedger,
  chunkLastLedger,
  completeThrough,
  pad8,
} from "../geometry/chunk.ts";
import type { ArtifactKind } from "../geometry/keys.ts";
import { type IndexCoverage, coverageContains } from "../geometry/windows.ts";

/**
 * How startup reads the frontier of one closed hot DB (style R16: owned by this consumer; the hot DB
 * module supplies it). The catalog's bracket opens the DB (`openHotDbForChunk` on a `ready` key:
 * a missing dir or a failed open is `HotVolumeLostError`); this reads its max ledger, then it is
 * closed again.
 */
export interface HotProbe<HotDb> {
  /** How to open chunk `chunkId`'s existing hot DB (read-only in production: nothing writes it at startup). */
  opener(chunkId: ChunkId): HotDbOpener<HotDb>;
  /** The highest ledger committed in `db`, or undefined when it holds none; throws a `FullhistoryError` when unreadable. */
  maxCommittedLedger(db: HotDb): LedgerSeq | undefined;
}

/** Derives the last committed ledger (see the module comment); `probe` undefined = chunk granularity. */
export function lastCommittedLedger<HotDb>(catalog: Catalog, probe: HotProbe<HotDb> | undefined): LedgerSeq {
  const coldChunkSigned = highestColdChunk(catalog);
  let throughLedgerSeq: number = completeThrough(coldChunkSigned);
  const readyChunkIds = readyHotChunkIds(catalog);
  const hotChunkId = readyChunkIds[readyChunkIds.length - 1];
  if (hotChunkId !== undefined && hotChunkId > coldChunkSigned) {
    const hotLedgerSeq = probe === undefined ? completeThrough(hotChunkId - 1) : probeHotFrontier(catalog, probe, hotChunkId);
    throughLedgerSeq = Math.max(throughLedgerSeq, hotLedgerSeq);
  }
  const earliestLedgerSeq = earliestLedger(catalog);
  if (earliestLedgerSeq !== undefined) throughLedgerSeq = Math.max(throughLedgerSeq, earliestLedgerSeq - 1);
  return throughLedgerSeq as LedgerSeq;
}

/** The highest chunk that is completely cold (ledgers, events, and txhash or a frozen coverage); −1 if none. */
function highestColdChunk(catalog: Catalog): number {
  const frozenKinds = new Map<ChunkId, Set<ArtifactKind>>();
  for (const entry of chunkArtifactEntries(catalog)) {
    if (entry.state !== "frozen") continue;
    let kinds = frozenKinds.get(entry.chunkId);
    if (kinds === undefined) frozenKinds.set(entry.chunkId, (kinds = new Set()));
    kinds.add(entry.kind);
  }
  const frozenCoverages: IndexCoverage[] = allCoverages(catalog)
    .filter((entry) => entry.state === "frozen")
    .map((entry) => entry.coverage);
  // Walk down from the highest chunk and stop at the first complete one.
  const chunkIdsDescending = [...frozenKinds.keys()].sort((a, b) => b - a);
  for (const chunkId of chunkIdsDescending) {
    const kinds = frozenKinds.get(chunkId)!;
    if (!kinds.has("ledgers") || !kinds.has("events")) continue;
    if (kinds.has("txhash")) return chunkId;
    if (frozenCoverages.some((coverage) => coverageContains(coverage, { lo: chunkId, hi: chunkId }))) return chunkId;
  }
  return -1;
}

function probeHotFrontier<HotDb>(catalog: Catalog, probe: HotProbe<HotDb>, chunkId: ChunkId): LedgerSeq {
  assert(hotState(catalog, chunkId) === "ready", `chunk ${pad8(chunkId)}: probing a hot DB that is not ready would create it`);
  const dir = catalog.layout.hotDbDir(chunkId);
  const lost = `Hot storage lost: chunk ${pad8(chunkId)} is "ready" but its hot DB "${dir}"`;
  const remedy = "run surgical recovery for this chunk (its ledgers may exist nowhere else)";
  const opener = probe.opener(chunkId);
  const db = openHotDbForChunk(catalog, chunkId, opener);
  let maxLedgerSeq: LedgerSeq | undefined;
  try {
    maxLedgerSeq = probe.maxCommittedLedger(db);
  } catch (err) {
    if (!(err instanceof FullhistoryError)) throw err;
    throw new HotVolumeLostError(`${lost} cannot be read (${err.message}); ${remedy}`, { cause: err });
  } finally {
    opener.close(db);
  }
  if (maxLedgerSeq === undefined) return completeThrough(chunkId - 1);
  // The DB's answer is input read back from disk (style R4): it must lie inside its own chunk.
  if (maxLedgerSeq < chunkFirstLedger(chunkId) || maxLedgerSeq > chunkLastLedger(chunkId)) {
    throw new HotVolumeLostError(
      `${lost} reports ledger ${maxLedgerSeq}, outside the chunk's ` +
        `[${chunkFirstLedger(chunkId)}, ${chunkLastLedger(chunkId)}]; ${remedy}`,
    );
  }
  return maxLedgerSeq;
}
