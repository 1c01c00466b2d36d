/**
 * Typed reads of the per-chunk artifact keys `chunk:{c}:{kind}` (reference §2.1, §2.3; D2). A
 * missing key is `undefined` (neither file nor in-progress write exists); a malformed key or value
 * found in a scan is a `CatalogKeyError`, never skipped (D2).
 * @module
 */

import { type ChunkId, CHUNK_ID_MAX } from "../geometry/chunk.ts";
import {
  type ArtifactKind,
  type ArtifactState,
  ARTIFACT_KINDS,
  CHUNK_KEY_PREFIX,
  chunkKey,
  chunkKeyRange,
  parseArtifactState,
  parseChunkKey,
} from "../geometry/keys.ts";
import { type Catalog } from "./catalog.ts";
import { readValue, scanValues, scanValuesInRange } from "./_store.ts";

/** One artifact key: chunk `chunkId`'s files of `kind`. */
export interface ArtifactRef {
  chunkId: ChunkId;
  kind: ArtifactKind;
}

/** An artifact key as found in the catalog, with its state. */
export interface ArtifactEntry extends ArtifactRef {
  state: ArtifactState;
}

/** The state of `chunk:{c}:{kind}`, or undefined when the key is absent. */
export function artifactState(catalog: Catalog, ref: ArtifactRef): ArtifactState | undefined {
  const key = chunkKey(ref.chunkId, ref.kind);
  const value = readValue(catalog, key);
  return value === undefined ? undefined : parseArtifactState(value, key);
}

/**
 * Every `chunk:*` key, parsed, sorted by chunk then canonical kind order (ledgers, events, txhash).
 * With `range`, only chunks in [lo, hi]. Without it the scan walks the whole `chunk:` prefix, so a
 * malformed key anywhere under it throws instead of sorting outside a range unseen (D2).
 */
export function chunkArtifactEntries(catalog: Catalog, range?: { lo: ChunkId; hi: ChunkId }): ArtifactEntry[] {
  const entries = range === undefined ? scanAllChunkKeys(catalog) : scanChunkKeysInRange(catalog, range);
  const parsed: ArtifactEntry[] = [];
  for (const { key, value } of entries) {
    parsed.push({ ...parseChunkKey(key), state: parseArtifactState(value, key) });
  }
  return parsed.sort(compareArtifactRefs);
}

function scanAllChunkKeys(catalog: Catalog): Iterable<{ key: string; value: string }> {
  return scanValues(catalog, CHUNK_KEY_PREFIX, { maxEntries: (CHUNK_ID_MAX + 1) * ARTIFACT_KINDS.length });
}

function scanChunkKeysInRange(catalog: Catalog, range: { lo: ChunkId; hi: ChunkId }): Iterable<{ key: string; value: string }> {
  return scanValuesInRange(catalog, { ...chunkKeyRange(range.lo, range.hi), maxEntries: (range.hi - range.lo + 1) * ARTIFACT_KINDS.length });
}

/** Orders refs by chunk, then by the canonical kind order. */
export function compareArtifactRefs(a: ArtifactRef, b: ArtifactRef): number {
  if (a.chunkId !== b.chunkId) return a.chunkId - b.chunkId;
  return ARTIFACT_KINDS.indexOf(a.kind) - ARTIFACT_KINDS.indexOf(b.kind);
}
