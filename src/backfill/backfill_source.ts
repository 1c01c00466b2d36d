/**
 * `backfillSource`: where one chunk build reads its ledgers (reference §7.4), chosen BEFORE any key
 * is marked so an unproducible chunk leaves no `freezing` debris (§5.2 step 2). In order:
 *
 *   1. hot: only when `hot:chunk:{c}` is `ready`. The DB must exist and open, and its watermark must
 *      read; otherwise the hot volume is lost (`HotVolumeLostError`, fatal: the ledgers in it may
 *      exist nowhere else, never auto-healed). Used when it holds the whole chunk (max committed ≥
 *      the chunk's last ledger); an incomplete one is closed and passed over (staleness, not loss).
 *   2. local pack: only when `chunk:{c}:ledgers` is `frozen` (so `ledgers` is not being built). Its
 *      file must exist: a frozen key over a missing pack breaks INV-3 and is an error, never a
 *      silent download (`FrozenPackMissingError`, fatal).
 *   3. the lake (`[backfill.datastore]`), which is always configured (D3); an object it lacks fails
 *      the build inside the Worker, on every retry (§7.3: no upfront producibility gate).
 * @module
 */

import { statSync } from "node:fs";
import { assert } from "../assert.ts";
import { artifactState } from "../catalog/artifact_reads.ts";
import { type Catalog } from "../catalog/catalog.ts";
import { HotVolumeLostError } from "../catalog/hot_bracket.ts";
import { hotState } from "../catalog/hot_reads.ts";
import { type ChunkArtifacts } from "../catalog/write_protocol.ts";
import { FullhistoryError } from "../errors.ts";
import { type ChunkId, chunkLastLedger, pad8 } from "../geometry/chunk.ts";
import { type LakeSourceOptions } from "../lake/open_lake_source.ts";
import { errorChainText, type Logger } from "../log/logger.ts";
import { FrozenPackMissingError } from "./backfill_errors.ts";
import { type HotChunkOpener, type HotChunkReader } from "./hot_chunk_reader.ts";

/** What `backfillSource` reads. */
export interface BackfillSourceDeps {
  catalog: Catalog;
  lake: LakeSourceOptions;
  openHotChunk: HotChunkOpener;
  logger: Logger;
}

/** The chosen source; a `hot` reader is open and the caller closes it. */
export type ChunkSource =
  | { kind: "hot"; dir: string; reader: HotChunkReader }
  | { kind: "pack"; path: string }
  | { kind: "lake"; lake: LakeSourceOptions };

/** Picks the source of `artifacts` (whose kinds are the ones still to build, none frozen). */
export function backfillSource(deps: BackfillSourceDeps, artifacts: ChunkArtifacts): ChunkSource {
  const { catalog, logger } = deps;
  const chunkId = artifacts.chunkId;
  const chunk = pad8(chunkId);
  if (hotState(catalog, chunkId) === "ready") {
    const hot = openCompleteHotChunk(deps, chunkId);
    if (hot !== undefined) {
      logger.debug("backfillSource: chunk from complete hot DB", { chunk, dir: hot.dir });
      return hot;
    }
  }
  if (artifactState(catalog, { chunkId, kind: "ledgers" }) === "frozen") {
    assert(!artifacts.kinds.includes("ledgers"), `chunk ${chunk}: ledgers is frozen but requested`);
    const path = catalog.layout.ledgerPackPath(chunkId);
    if (statSync(path, { throwIfNoEntry: false }) === undefined) {
      throw new FrozenPackMissingError(
        `Cannot build chunk ${chunk}: chunk:${chunk}:ledgers is "frozen" but its pack "${path}" is missing ` +
          `(INV-3 is broken; backfill never re-downloads a frozen chunk); restore the file, or run surgical recovery on the chunk`,
      );
    }
    logger.debug("backfillSource: chunk re-derived from frozen pack", { chunk, path });
    return { kind: "pack", path };
  }
  logger.debug("backfillSource: chunk from the lake", { chunk, lake: deps.lake.type });
  return { kind: "lake", lake: deps.lake };
}

/** Opens chunk `chunkId`'s `ready` hot DB; returns it when complete, closes it and returns undefined when not. */
function openCompleteHotChunk(deps: BackfillSourceDeps, chunkId: ChunkId): Extract<ChunkSource, { kind: "hot" }> | undefined {
  const dir = deps.catalog.layout.hotDbDir(chunkId);
  const chunk = pad8(chunkId);
  if (statSync(dir, { throwIfNoEntry: false }) === undefined) {
    throw new HotVolumeLostError(
      `Cannot build chunk ${chunk}: hot:chunk:${chunk} is "ready" but its hot dir "${dir}" is missing; ` +
        `hot storage is lost, run surgical recovery for the chunk`,
    );
  }
  const reader = openHotReader(deps.openHotChunk, { dir, chunkId });
  let maxCommittedSeq;
  try {
    maxCommittedSeq = reader.maxCommittedSeq();
  } catch (err) {
    reader.close();
    if (!(err instanceof FullhistoryError)) throw err;
    throw new HotVolumeLostError(
      `Cannot build chunk ${chunk}: reading the watermark of hot DB "${dir}" failed (${errorChainText(err)}); ` +
        `hot storage is lost, run surgical recovery for the chunk`,
      { cause: err },
    );
  }
  if (maxCommittedSeq !== undefined && maxCommittedSeq >= chunkLastLedger(chunkId)) return { kind: "hot", dir, reader };
  reader.close();
  deps.logger.debug("backfillSource: chunk hot DB present but incomplete; falling through", {
    chunk,
    dir,
    max_committed_seq: maxCommittedSeq,
  });
  return undefined;
}

function openHotReader(open: HotChunkOpener, where: { dir: string; chunkId: ChunkId }): HotChunkReader {
  try {
    return open(where.dir, { chunkId: where.chunkId });
  } catch (err) {
    if (!(err instanceof FullhistoryError)) throw err; // a bug in the opener surfaces as itself
    throw new HotVolumeLostError(
      `Cannot build chunk ${pad8(where.chunkId)}: its "ready" hot DB "${where.dir}" will not open (${errorChainText(err)}); ` +
        `hot storage is lost, run surgical recovery for the chunk`,
      { cause: err },
    );
  }
}
