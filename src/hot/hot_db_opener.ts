/**
 * The hot bracket's opener (reference §5.6; `src/catalog/hot_bracket.ts`): how the catalog opens
 * and closes one chunk's hot DB without knowing its schema.
 * @module
 */

import { assert } from "../assert.ts";
import { type HotDbOpener } from "../catalog/hot_bracket.ts";
import { type ChunkId } from "../geometry/chunk.ts";
import { type HotChunkDb, openHotChunkDb } from "./hot_chunk_db.ts";

/** The opener of chunk `chunkId`'s read-write hot DB: `openHotDbForChunk(catalog, chunkId, hotDbOpener(chunkId))`. */
export function hotDbOpener(chunkId: ChunkId): HotDbOpener<HotChunkDb> {
  return {
    open: (dir, options) => openHotChunkDb(dir, { chunkId, create: options.create }),
    close: (db) => {
      assert(db.chunkId === chunkId, `hot opener of chunk ${chunkId} closing the DB of chunk ${db.chunkId}`);
      db.close();
    },
  };
}
