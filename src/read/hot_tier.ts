/**
 * The hot read tier (reference §8.9, §5.6, §7.8; README reader contract; D8): ledgers and tx hashes
 * of the chunks whose `hot:chunk:{c}` key is `ready` in the catalog snapshot, read from their hot
 * DBs (`docs/hot.md`). A `transient` key is never read: its directory is being created or removed.
 *
 * Cold wins where it covers (README invariants; the hot DB of a frozen chunk waits for the discard
 * scan, §7.10, and holds the same ledgers):
 *   - `ledger(seq)`: a chunk whose `ledgers` key is `frozen` is the cold tier's; its hot DB is not
 *     opened even while it exists.
 *   - `txCandidates(hash)`: a chunk that its window's frozen coverage holds is answered by the
 *     `.idx`; its hot DB is not probed. A frozen chunk the coverage does not hold yet (the window
 *     rebuild has not committed) is probed here, and its candidates read from the pack.
 * The retention gate and the full-hash check sit above the tiers (`read_ledger.ts`,
 * `find_transaction.ts`).
 *
 * Handles: each hot DB is opened read-only (no LOCK) on first use and kept until `close()`, at most
 * `OPEN_HOT_DBS_MAX` at once. A read-only open sees the DB as of that open (bun-ffi.md §5.1): a
 * ledger the ingestion loop commits afterwards is not seen by this tier. An open that races the live
 * writer's memtable flush is retried (`writer_race.ts`). A `ready` key whose directory or files are
 * gone is a `ReadyHotDbMissingError` (a discard after the snapshot, or a lost hot volume); a DB that fails its
 * open-time checks is `HotDbCorruptError`, one that will not open `HotDbOpenError` — never served.
 *
 * `probe()` is the watermark probe of `lastCommittedLedger` (§7.8) over the SAME handles, so the
 * last committed ledger a reader reports and the ledgers it serves come from one view.
 * @module
 */

import { statSync } from "node:fs";
import { RocksDbError } from "../../ffi/rocksdb.ts";
import { artifactState } from "../catalog/artifact_reads.ts";
import type { Catalog } from "../catalog/catalog.ts";
import { allCoverages } from "../catalog/coverage_reads.ts";
import { readyHotChunkIds } from "../catalog/hot_reads.ts";
import type { HotProbe } from "../catalog/last_committed.ts";
import { assert } from "../assert.ts";
import { errnoCode } from "../errors.ts";
import { type ChunkId, type LedgerSeq, chunkOfLedger, FIRST_LEDGER_SEQ, pad8 } from "../geometry/chunk.ts";
import { hotKey } from "../geometry/keys.ts";
import { coverageContains } from "../geometry/windows.ts";
import { type HotChunkDb, openHotChunkDbReadOnly } from "../hot/hot_chunk_db.ts";
import { HotDbOpenError } from "../hot/hot_errors.ts";
import { OpenHandles } from "./_open_handles.ts";
import type { ReadTier } from "./read_tier.ts";
import { VisibleDataGoneError } from "./visible_data_gone_error.ts";
import { openRacingWriterSync } from "./writer_race.ts";

/**
 * Hot DBs kept open at once; the oldest opened is closed first. Steady state has one or two ready
 * chunks (the live one and one awaiting its freeze); more means the lifecycle is behind.
 */
export const OPEN_HOT_DBS_MAX = 4;

/** A `ready` hot key whose directory is gone (discarded after our snapshot, or the hot volume lost it). */
export class ReadyHotDbMissingError extends VisibleDataGoneError {
  override name = "ReadyHotDbMissingError";
}

/** Opens the hot tier over `catalog`'s snapshot (read-only is enough; nothing is written). */
export function openHotTier(catalog: Catalog): HotTier {
  return new HotTier(catalog);
}

/** The `ready` hot DBs of the catalog snapshot; see the module doc. */
export class HotTier implements ReadTier {
  readonly name = "hot";
  readonly #catalog: Catalog;
  /** Ready chunks, newest first. */
  readonly #readyChunkIds: readonly ChunkId[];
  /** Ready chunks whose `ledgers` key is not frozen: the ones `ledger()` reads. */
  readonly #ledgerChunkIds: ReadonlySet<ChunkId>;
  /** Ready chunks no frozen coverage holds, newest first (a recent tx is found with the fewest opens). */
  readonly #txChunkIds: readonly ChunkId[];
  readonly #dbs = new OpenHandles<ChunkId, HotChunkDb>(OPEN_HOT_DBS_MAX);

  /** Use `openHotTier`. Reads the ready keys and, for those chunks only, their cold state. */
  constructor(catalog: Catalog) {
    this.#catalog = catalog;
    this.#readyChunkIds = readyHotChunkIds(catalog).reverse();
    const frozenCoverages = allCoverages(catalog)
      .filter((entry) => entry.state === "frozen")
      .map((entry) => entry.coverage);
    this.#ledgerChunkIds = new Set(this.#readyChunkIds.filter((chunkId) => artifactState(catalog, { chunkId, kind: "ledgers" }) !== "frozen"));
    this.#txChunkIds = this.#readyChunkIds.filter((chunkId) => !frozenCoverages.some((coverage) => coverageContains(coverage, { lo: chunkId, hi: chunkId })));
  }

  /** The chunks this tier may open (ready in the snapshot), newest first. */
  get readyChunkIds(): readonly ChunkId[] {
    return this.#readyChunkIds;
  }

  ledger(ledgerSeq: LedgerSeq): Uint8Array | undefined {
    if (ledgerSeq < FIRST_LEDGER_SEQ) return undefined;
    const chunkId = chunkOfLedger(ledgerSeq);
    if (!this.#ledgerChunkIds.has(chunkId)) return undefined; // not ready, or cold wins
    return this.#db(chunkId).ledger(ledgerSeq);
  }

  *txCandidates(txHash: Uint8Array): Generator<LedgerSeq> {
    for (const chunkId of this.#txChunkIds) {
      const ledgerSeq = this.#db(chunkId).txLedgerSeq(txHash);
      if (ledgerSeq !== undefined) yield ledgerSeq;
    }
  }

  /** The last ledger chunk `chunkId`'s hot DB holds (undefined: none yet); opens it if needed. */
  maxCommittedLedger(chunkId: ChunkId): LedgerSeq | undefined {
    return this.#db(chunkId).maxCommittedSeq();
  }

  /**
   * The `HotProbe` of `lastCommittedLedger` over this tier's handles: the catalog's bracket opens
   * through it (a missing dir or a failed open is `HotVolumeLostError` there), and its close is a
   * no-op because the tier owns the handle until `close()`.
   */
  probe(): HotProbe<HotChunkDb> {
    return {
      opener: (chunkId) => ({
        open: (_dir, options) => {
          assert(!options.create, `a reader's probe never creates a hot DB (chunk ${chunkId})`);
          return this.#db(chunkId);
        },
        close: () => {},
      }),
      maxCommittedLedger: (db) => db.maxCommittedSeq(),
    };
  }

  close(): void {
    this.#dbs.closeAll();
  }

  #db(chunkId: ChunkId): HotChunkDb {
    assert(this.#readyChunkIds.includes(chunkId), `chunk ${pad8(chunkId)} is not ready in the snapshot; the hot tier reads only ready chunks`);
    const open = this.#dbs.get(chunkId);
    if (open !== undefined) return open;
    const dir = this.#catalog.layout.hotDbDir(chunkId);
    requireDirectory(dir, chunkId);
    const db = openReadyHotDb(dir, chunkId);
    this.#dbs.add(chunkId, db);
    return db;
  }
}

/**
 * Opens a ready chunk's hot DB read-only. A discard that starts after the snapshot removes the
 * directory file by file (`discardHotDbForChunk` step 2), so an open that found the directory can
 * still meet CURRENT or the MANIFEST gone: that is the same retired data as a missing directory.
 */
function openReadyHotDb(dir: string, chunkId: ChunkId): HotChunkDb {
  try {
    return openRacingWriterSync(() => openHotChunkDbReadOnly(dir, { chunkId }));
  } catch (err) {
    if (!(err instanceof HotDbOpenError) || !(err.cause instanceof RocksDbError) || !err.cause.detail.includes(NO_SUCH_FILE)) throw err;
    throw readyHotDbMissing({ dir, chunkId }, { gone: `its files are missing (${err.cause.detail})`, cause: err });
  }
}

/** RocksDB's text for ENOENT (POSIX strerror), in the detail of an open that found a file gone. */
const NO_SUCH_FILE = "No such file or directory";

/** A ready key's directory must exist; its absence is told apart from a RocksDB open failure. */
function requireDirectory(dir: string, chunkId: ChunkId): void {
  try {
    statSync(dir);
  } catch (err) {
    const code = errnoCode(err);
    if (code === undefined) throw err;
    if (code !== "ENOENT") {
      throw new HotDbOpenError(`Cannot open the hot DB of chunk ${pad8(chunkId)} at "${dir}": ${code}; check the hot volume and its permissions`, {
        cause: err,
      });
    }
    throw readyHotDbMissing({ dir, chunkId }, { gone: "the directory is missing", cause: err });
  }
}

/** A ready key whose data is `gone` (the directory, or files in it): retired since the snapshot, or lost. */
function readyHotDbMissing(db: { dir: string; chunkId: ChunkId }, context: { gone: string; cause: unknown }): ReadyHotDbMissingError {
  return new ReadyHotDbMissingError(
    `Cannot read the hot DB "${db.dir}": "${hotKey(db.chunkId)}" is ready but ${context.gone}; unless a running daemon ` +
      "discarded it after the catalog was read, the hot volume lost it: run fullhistory audit",
    { cause: context.cause },
  );
}
