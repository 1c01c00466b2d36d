/**
 * Typed reads of the hot bracket keys `hot:chunk:{c}` (reference §2.1, §2.3, §5.6). Any value marks
 * a chunk as owned by ingestion (value-blind scan); only `ready` counts for progress derivation and
 * as a freeze source (ready-only scan, reference §7.8).
 * @module
 */

import { type ChunkId, CHUNK_ID_MAX } from "../geometry/chunk.ts";
import { type HotState, HOT_KEY_PREFIX, hotKey, parseHotKey, parseHotState } from "../geometry/keys.ts";
import { type Catalog } from "./catalog.ts";
import { readValue, scanValues } from "./_store.ts";

/** A hot bracket key as found in the catalog. */
export interface HotEntry {
  chunkId: ChunkId;
  state: HotState;
}

/** The state of `hot:chunk:{c}`, or undefined when the key is absent. */
export function hotState(catalog: Catalog, chunkId: ChunkId): HotState | undefined {
  const key = hotKey(chunkId);
  const value = readValue(catalog, key);
  return value === undefined ? undefined : parseHotState(value, key);
}

/** Every hot key, value-blind (`transient` and `ready`), ascending by chunk. */
export function hotChunkEntries(catalog: Catalog): HotEntry[] {
  const entries: HotEntry[] = [];
  for (const { key, value } of scanValues(catalog, HOT_KEY_PREFIX, { maxEntries: CHUNK_ID_MAX + 1 })) {
    entries.push({ chunkId: parseHotKey(key), state: parseHotState(value, key) });
  }
  return entries;
}

/** The chunks whose hot key is `ready`, ascending. */
export function readyHotChunkIds(catalog: Catalog): ChunkId[] {
  return hotChunkEntries(catalog)
    .filter((entry) => entry.state === "ready")
    .map((entry) => entry.chunkId);
}
