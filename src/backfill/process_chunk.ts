/**
 * `processChunk`: one chunk build of a plan, the one-write protocol for per-chunk artifacts
 * (reference §5.2, §7.4, §7.5; README invariants "mark then write"; D8, D14). The catalog is
 * written only here, on the main thread; the files are written by a Worker in between:
 *
 *   1. drop requested kinds already `frozen`; none left → done, no source is opened.
 *   2. choose the source (hot DB → local pack → lake) BEFORE marking (`backfill_source.ts`).
 *   3. `markChunkFreezing`: one synced batch, every remaining kind → `freezing`.  ⟶ chunk.marked
 *   4. `createChunkDirs`: the bucket dirs of every artifact path.
 *   5. a Worker streams the chunk's ledgers once into the pack, the events segment and the `.bin`,
 *      rejecting a bad stream before finishing anything, and fsyncs each file.
 *                                           ⟶ chunk.ledger.appended (each ledger), chunk.artifact.finished
 *   6. `barrierChunkArtifacts`: fsync files → parents → grandparents.  ⟶ chunk.barriered
 *   7. `flipChunkFrozen`: one synced batch, every kind → `frozen`.  ⟶ chunk.flipped
 *
 * Crash timeline: a kill anywhere in 3–6 leaves `freezing` keys (and maybe partial or complete
 * files). The next resolve sees the kinds are not frozen and re-plans them; step 3 re-marks (an
 * idempotent overwrite) and the writers truncate whatever is there. After 7 step 1 skips.
 * @module
 */

import { assert } from "../assert.ts";
import {
  type ChunkArtifacts,
  barrierChunkArtifacts,
  createChunkDirs,
  flipChunkFrozen,
  kindsNotFrozen,
  markChunkFreezing,
} from "../catalog/write_protocol.ts";
import { chunkFirstLedger, chunkLastLedger, LEDGERS_PER_CHUNK, pad8 } from "../geometry/chunk.ts";
import { type ChunkSourceKind } from "./backfill_observer.ts";
import { type BackfillSourceDeps, type ChunkSource, backfillSource } from "./backfill_source.ts";
import { type ChunkBuild } from "./resolve.ts";
import { type ChunkArtifactPaths, type ChunkLedgerSource, type ChunkWritten, type ChunkWriteTask } from "./_worker_protocol.ts";
import { runInWorker } from "./_worker_task.ts";

/** What `processChunk` needs: the catalog (and its layout), the lake, the hot opener, a logger. */
export type ChunkBuildDeps = BackfillSourceDeps;

/** What one chunk build did. */
export interface ChunkBuildResult {
  /** Kinds written and frozen now; empty when every requested kind was already frozen. */
  kinds: ChunkBuild["kinds"];
  /** Undefined when nothing was written. */
  source: ChunkSourceKind | undefined;
  written: ChunkWritten;
}

const NOTHING_WRITTEN: ChunkWritten = { ledgerCount: 0, txhashEntryCount: 0, eventCount: 0 };

/** Builds the requested kinds of one chunk that are not frozen yet (see the module steps). */
export async function processChunk(deps: ChunkBuildDeps, build: ChunkBuild, options: { signal: AbortSignal }): Promise<ChunkBuildResult> {
  const { catalog } = deps;
  const artifacts: ChunkArtifacts = { chunkId: build.chunkId, kinds: kindsNotFrozen(catalog, build) }; // step 1
  if (artifacts.kinds.length === 0) return { kinds: [], source: undefined, written: NOTHING_WRITTEN };
  options.signal.throwIfAborted();
  const source = backfillSource(deps, artifacts); // step 2
  try {
    markChunkFreezing(catalog, artifacts); // step 3
    createChunkDirs(catalog, artifacts); // step 4
    const written = await writeInWorker(deps, { artifacts, source, signal: options.signal }); // step 5
    barrierChunkArtifacts(catalog, artifacts); // step 6
    flipChunkFrozen(catalog, artifacts); // step 7
    return { kinds: [...artifacts.kinds], source: source.kind, written };
  } finally {
    if (source.kind === "hot") source.reader.close();
  }
}

/** Step 5: the Worker writes every file of `artifacts`; its counts are checked before the barrier. */
async function writeInWorker(
  deps: ChunkBuildDeps,
  work: { artifacts: ChunkArtifacts; source: ChunkSource; signal: AbortSignal },
): Promise<ChunkWritten> {
  const { artifacts, source } = work;
  const chunkId = artifacts.chunkId;
  const task: ChunkWriteTask = {
    kind: "chunk",
    chunkId,
    kinds: [...artifacts.kinds],
    paths: artifactPathsOf(deps, artifacts),
    source: workerSourceOf(source),
  };
  const result = await runInWorker(task, {
    signal: work.signal,
    logger: deps.logger,
    failurePrefix: `Cannot build chunk ${pad8(chunkId)} (${artifacts.kinds.join(", ")}) from ${describeSource(source)}`,
    ledgerFeed: source.kind === "hot" ? source.reader.ledgers(chunkFirstLedger(chunkId), chunkLastLedger(chunkId))[Symbol.iterator]() : undefined,
  });
  assert(result.kind === "chunk", `chunk ${pad8(chunkId)}: its Worker answered a ${result.kind} task`);
  // Counts from the Worker are input (style R4): a chunk is exactly its 10,000 ledgers.
  assert(result.written.ledgerCount === LEDGERS_PER_CHUNK, `chunk ${pad8(chunkId)}: Worker wrote ${result.written.ledgerCount} ledgers`);
  return result.written;
}

function artifactPathsOf(deps: ChunkBuildDeps, artifacts: ChunkArtifacts): ChunkArtifactPaths {
  const layout = deps.catalog.layout;
  const chunkId = artifacts.chunkId;
  return {
    ledgerPack: artifacts.kinds.includes("ledgers") ? layout.ledgerPackPath(chunkId) : undefined,
    events: artifacts.kinds.includes("events") ? layout.eventsPaths(chunkId) : undefined,
    txhashRun: artifacts.kinds.includes("txhash") ? layout.txhashRunPath(chunkId) : undefined,
  };
}

function workerSourceOf(source: ChunkSource): ChunkLedgerSource {
  switch (source.kind) {
    case "hot":
      return { kind: "hot" };
    case "pack":
      return { kind: "pack", path: source.path };
    case "lake":
      return { kind: "lake", lake: source.lake };
  }
}

function describeSource(source: ChunkSource): string {
  switch (source.kind) {
    case "hot":
      return `hot DB "${source.dir}"`;
    case "pack":
      return `ledger pack "${source.path}"`;
    case "lake":
      return `the ${source.lake.type} lake`;
  }
}
