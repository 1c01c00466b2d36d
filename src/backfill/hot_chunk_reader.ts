/**
 * What backfill needs from a chunk's hot RocksDB (reference §7.4 step 1, §8.9; style R16: the
 * consumer owns the interface, the hot DB module implements it, the daemon wires it). Backfill
 * uses a `ready` hot DB of a closed chunk as the preferred freeze source: it opens it on the main
 * thread, asks for its watermark, and, when the DB holds the whole chunk, streams the ledgers to the
 * chunk's build Worker (RocksDB handles never cross Workers). The caller guarantees the chunk is
 * not the live one (its writer has closed it, reference §7.12).
 * @module
 */

import { type ChunkId, type LedgerSeq } from "../geometry/chunk.ts";

/** One chunk's hot DB, open for reading. */
export interface HotChunkReader {
  /** The highest ledger committed (last key of the ledgers column family); undefined when empty. */
  maxCommittedSeq(): LedgerSeq | undefined;
  /**
   * Ledgers fromSeq..toSeq inclusive, ascending, as raw (decompressed) LedgerCloseMeta XDR, read
   * lazily. Backfill checks every ledger's own sequence, so a gap or repeat fails the chunk.
   */
  ledgers(fromSeq: LedgerSeq, toSeq: LedgerSeq): Iterable<Uint8Array>;
  /** Releases the DB; called exactly once, also after a failure. */
  close(): void;
}

/**
 * Opens chunk `chunkId`'s hot DB in `dir` (`layout.hotDbDir(chunkId)`) for reading. It must never
 * create one: a missing or unopenable DB throws (a `FullhistoryError`), which backfill reports as
 * `HotVolumeLostError` (reference §7.4: open error or absent dir is fatal, never auto-healed).
 * The hot DB module's read-only open has this shape.
 */
export type HotChunkOpener = (dir: string, options: { chunkId: ChunkId }) => HotChunkReader;
