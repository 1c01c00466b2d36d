/**
 * The sweep half of buildThenSweep (reference §5.4 steps 2–3), run by the index build right after
 * `commitIndex`. Window-local: it reads and deletes only window w's coverage keys and the txhash
 * keys of w's chunks, so concurrent windows never touch each other's keys or files. It also
 * finishes whatever a crashed earlier pass of the same window left `pruning`.
 * @module
 */

import { type ChunkId, type WindowId, CHUNK_ID_MAX } from "../geometry/chunk.ts";
import { chunkArtifactEntries } from "./artifact_reads.ts";
import { type Catalog } from "./catalog.ts";
import { windowCoverages } from "./coverage_reads.ts";
import { sweepChunkArtifacts, sweepIndexKey } from "./sweeps.ts";

/**
 * 2. every `pruning` coverage of window `windowId` → `sweepIndexKey`;
 * 3. every `pruning` `chunk:{c}:txhash`, c in the window → ONE batched `sweepChunkArtifacts`
 *    (a no-op when the commit was not terminal and nothing is left over).
 */
export function sweepWindow(catalog: Catalog, windowId: WindowId): void {
  for (const entry of windowCoverages(catalog, windowId)) {
    if (entry.state === "pruning") sweepIndexKey(catalog, entry.coverage);
  }
  const windows = catalog.layout.windows;
  const hi = Math.min(windows.lastChunk(windowId), CHUNK_ID_MAX) as ChunkId;
  const demotedRuns = chunkArtifactEntries(catalog, { lo: windows.firstChunk(windowId), hi }).filter(
    (entry) => entry.kind === "txhash" && entry.state === "pruning",
  );
  sweepChunkArtifacts(catalog, demotedRuns);
}
