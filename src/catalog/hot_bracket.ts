/**
 * The hot-DB bracket (reference §5.6; D11, D14): `hot:chunk:{c}` brackets every create and delete
 * of chunk c's hot RocksDB directory, so a crash at any instant leaves a key that says what to
 * finish. The hot DB's schema is not the catalog's business: the caller passes a `HotDbOpener`.
 *
 * Open (`openHotDbForChunk`):
 *   - `ready`: the directory must exist and open; anything else is `HotVolumeLostError` (fatal,
 *     never auto-healed: the ledgers in it may exist nowhere else; run surgical recovery).
 *   - `transient` or absent, creating:
 *     1. rm -rf the directory (debris of a crashed create or delete)      ⟶ hot.open.removed
 *     2. synced put `transient`                                            ⟶ hot.open.transient
 *     3. open with create                                                  ⟶ hot.open.created
 *     4. fsync the directory, then the hot root (its entry in the root)    ⟶ hot.open.synced
 *     5. synced put `ready`                                                ⟶ hot.open.ready
 *     A crash before 5 leaves `transient` (or no key with no directory): the next open starts over
 *     at 1. Only after 5 may anything be written that exists nowhere else.
 * Discard (`discardHotDbForChunk`), absent key → no-op:
 *     1. synced put `transient` (already transient: nothing to write)      ⟶ hot.discard.transient
 *     2. rm -rf the directory                                              ⟶ hot.discard.removed
 *     3. fsync the hot root                                                ⟶ hot.discard.synced
 *     4. delete the key (synced)                                           ⟶ hot.discard.deleted
 *     A crash before 4 leaves `transient`, which the next discard scan (or an open) finishes.
 * @module
 */

import { rmSync, statSync } from "node:fs";
import { fsyncDir } from "../../ffi/libc.ts";
import { RocksDbError } from "../../ffi/rocksdb.ts";
import { type ChunkId, pad8 } from "../geometry/chunk.ts";
import { hotKey } from "../geometry/keys.ts";
import { crashPoint } from "../crash_point.ts";
import { errnoCode, FatalError, FullhistoryError } from "../errors.ts";
import { type Catalog } from "./catalog.ts";
import { hotState } from "./hot_reads.ts";
import { writeSynced } from "./_store.ts";

/** How the bracket opens and closes a chunk's hot DB; owned by the hot DB module (style R16). */
export interface HotDbOpener<HotDb> {
  /** Opens the DB in `dir`; with `create`, creates it (the directory is then absent). */
  open(dir: string, options: { create: boolean }): HotDb;
  /** Closes a DB returned by `open`. */
  close(db: HotDb): void;
}

/** A `ready` hot DB is missing or will not open (reference §5.6 `ErrHotVolumeLost`). Fatal (D11). */
export class HotVolumeLostError extends FatalError {
  override name = "HotVolumeLostError";
}

/** The bracket failed after the DB was opened, and closing it failed too (both errors are the cause). */
export class HotBracketError extends FullhistoryError {
  override name = "HotBracketError";
}

/** Opens chunk `chunkId`'s hot DB, creating it when its key is not `ready` (see the module steps). */
export function openHotDbForChunk<HotDb>(catalog: Catalog, chunkId: ChunkId, opener: HotDbOpener<HotDb>): HotDb {
  if (hotState(catalog, chunkId) === "ready") return openReadyHotDb(catalog, chunkId, opener);
  const dir = catalog.layout.hotDbDir(chunkId);
  rmSync(dir, { recursive: true, force: true });
  crashPoint("hot.open.removed");
  writeSynced(catalog, [{ key: hotKey(chunkId), value: "transient" }]);
  crashPoint("hot.open.transient");
  const db = opener.open(dir, { create: true });
  crashPoint("hot.open.created");
  try {
    fsyncDir(dir);
    fsyncDir(catalog.layout.roots.hot);
    crashPoint("hot.open.synced");
    writeSynced(catalog, [{ key: hotKey(chunkId), value: "ready" }]);
  } catch (err) {
    closeAfterFailure(opener, db, { chunkId, err });
    throw err;
  }
  crashPoint("hot.open.ready");
  return db;
}

/** Removes chunk `chunkId`'s hot DB and key (see the module steps). The caller closed the DB. */
export function discardHotDbForChunk(catalog: Catalog, chunkId: ChunkId): void {
  const state = hotState(catalog, chunkId);
  if (state === undefined) return;
  if (state === "ready") writeSynced(catalog, [{ key: hotKey(chunkId), value: "transient" }]);
  crashPoint("hot.discard.transient");
  rmSync(catalog.layout.hotDbDir(chunkId), { recursive: true, force: true });
  crashPoint("hot.discard.removed");
  fsyncDir(catalog.layout.roots.hot);
  crashPoint("hot.discard.synced");
  writeSynced(catalog, [{ key: hotKey(chunkId), deleted: true }]);
  crashPoint("hot.discard.deleted");
}

function openReadyHotDb<HotDb>(catalog: Catalog, chunkId: ChunkId, opener: HotDbOpener<HotDb>): HotDb {
  const dir = catalog.layout.hotDbDir(chunkId);
  const lost = `Hot storage lost: chunk ${pad8(chunkId)} is "ready"`;
  const remedy = "run surgical recovery for this chunk (its ledgers may exist nowhere else)";
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (err) {
    if (errnoCode(err) === undefined) throw err;
    const what = errnoCode(err) === "ENOENT" ? "is missing" : `cannot be read (${errnoCode(err)})`;
    throw new HotVolumeLostError(`${lost} but its hot dir "${dir}" ${what}; ${remedy}`, { cause: err });
  }
  if (!isDirectory) throw new HotVolumeLostError(`${lost} but "${dir}" is not a directory; ${remedy}`);
  try {
    return opener.open(dir, { create: false });
  } catch (err) {
    // Expected open failures (RocksDB errors, a corrupt DB) mean the volume lost it; a bug propagates.
    if (!(err instanceof FullhistoryError)) throw err;
    // A RocksDbError's message repeats "Cannot open … (RocksDB dir)"; its detail is the new part.
    const detail = err instanceof RocksDbError ? err.detail : err.message;
    throw new HotVolumeLostError(`${lost} but its hot DB "${dir}" won't open (${detail}); ${remedy}`, { cause: err });
  }
}

function closeAfterFailure<HotDb>(opener: HotDbOpener<HotDb>, db: HotDb, failure: { chunkId: ChunkId; err: unknown }): void {
  try {
    opener.close(db);
  } catch (closeErr) {
    throw new HotBracketError(
      `Cannot finish creating the hot DB of chunk ${pad8(failure.chunkId)}, and closing it failed too; ` +
        "restart: the key stays transient and the DB is recreated",
      { cause: new AggregateError([failure.err, closeErr]) },
    );
  }
}
