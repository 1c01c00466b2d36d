/**
 * The cold read tier (reference §8.4, §8.7; D6, D8): ledgers from frozen ledger packs, tx
 * candidates from the frozen `.idx` coverage of each window. Visibility comes from the catalog
 * (only `frozen` keys, reference §6); the catalog is a read-only snapshot taken when it was opened
 * (bun-ffi.md §5.1), so a tier sees one consistent set of keys.
 *
 * Bytes read back are input (style R4): the pack reader checks the pack holds exactly its chunk,
 * each record's zstd frame checksum guards the ledger, and here the ledger's own header must name
 * the ledger asked for. A frozen key whose file is gone is reported naming the key and the path
 * (INV-3), never read around.
 * @module
 */

import { artifactState } from "../catalog/artifact_reads.ts";
import type { Catalog } from "../catalog/catalog.ts";
import { allCoverages } from "../catalog/coverage_reads.ts";
import { errnoCode, FullhistoryError } from "../errors.ts";
import { CorruptFileError } from "../formats/corrupt_file_error.ts";
import { type LedgerPackReader, openLedgerPack } from "../formats/ledger_pack_reader.ts";
import { type TxhashIndexReader, openTxhashIndex } from "../formats/txhash_index_reader.ts";
import {
  type ChunkId,
  type LedgerSeq,
  chunkFirstLedger,
  chunkOfLedger,
  CHUNK_ID_MAX,
  FIRST_LEDGER_SEQ,
  LEDGERS_PER_CHUNK,
} from "../geometry/chunk.ts";
import { chunkKey, indexKey } from "../geometry/keys.ts";
import type { IndexCoverage } from "../geometry/windows.ts";
import { ledgerSeqOf } from "../xdr/ledger_seq_of.ts";
import { OpenHandles } from "./_open_handles.ts";
import type { ReadTier } from "./read_tier.ts";
import { VisibleDataGoneError } from "./visible_data_gone_error.ts";

/** Ledger packs kept open at once; the oldest opened is closed first. */
const OPEN_PACKS_MAX = 16;

/** A `frozen` key names a file that is not there (INV-3 broken, or pruned after our snapshot). */
export class FrozenFileMissingError extends VisibleDataGoneError {
  override name = "FrozenFileMissingError";
}

/** Opens the cold tier over `catalog` (read-only is enough; nothing is written). */
export function openColdTier(catalog: Catalog): ColdTier {
  return new ColdTier(catalog);
}

/** Frozen packs and frozen index coverages, as the catalog snapshot shows them. */
export class ColdTier implements ReadTier {
  readonly name = "cold";
  readonly #catalog: Catalog;
  /** Frozen coverages, newest window first: a recent tx is found with the fewest probes. */
  readonly #coverages: readonly IndexCoverage[];
  readonly #indexes = new Map<string, TxhashIndexReader>();
  readonly #packs = new OpenHandles<ChunkId, LedgerPackReader>(OPEN_PACKS_MAX);
  /** Per chunk asked: is its ledgers key frozen. At most one entry per chunk id. */
  readonly #frozenLedgers = new Map<ChunkId, boolean>();

  /** Use `openColdTier`. */
  constructor(catalog: Catalog) {
    this.#catalog = catalog;
    this.#coverages = allCoverages(catalog)
      .filter((entry) => entry.state === "frozen")
      .map((entry) => entry.coverage)
      .reverse();
  }

  ledger(ledgerSeq: LedgerSeq): Uint8Array | undefined {
    if (ledgerSeq < FIRST_LEDGER_SEQ) return undefined;
    const chunkId = chunkOfLedger(ledgerSeq);
    // Ledgers past CHUNK_ID_MAX's last one fall in a chunk no catalog key can name (D1): none is stored.
    if (chunkId > CHUNK_ID_MAX) return undefined;
    if (!this.#ledgersFrozen(chunkId)) return undefined;
    const pack = this.#pack(chunkId);
    const lcmBytes = pack.ledger(ledgerSeq);
    const headerLedgerSeq = ledgerSeqOf(lcmBytes);
    if (headerLedgerSeq !== ledgerSeq) {
      throw new CorruptFileError(
        this.#catalog.layout.ledgerPackPath(chunkId),
        `record of ledger ${ledgerSeq} holds ledger ${headerLedgerSeq}`,
      );
    }
    return lcmBytes;
  }

  *txCandidates(txHash: Uint8Array): Generator<LedgerSeq> {
    for (const coverage of this.#coverages) {
      const seqs = this.#index(coverage).lookup(txHash);
      for (let index = seqs.length - 1; index >= 0; index--) yield seqs[index]!;
    }
  }

  close(): void {
    this.#packs.closeAll();
    for (const index of this.#indexes.values()) index.close();
    this.#indexes.clear();
  }

  /** Whether `chunk:{c}:ledgers` is frozen, asked once per chunk (the catalog is a snapshot). */
  #ledgersFrozen(chunkId: ChunkId): boolean {
    let frozen = this.#frozenLedgers.get(chunkId);
    if (frozen === undefined) {
      frozen = artifactState(this.#catalog, { chunkId, kind: "ledgers" }) === "frozen";
      this.#frozenLedgers.set(chunkId, frozen);
    }
    return frozen;
  }

  #pack(chunkId: ChunkId): LedgerPackReader {
    const open = this.#packs.get(chunkId);
    if (open !== undefined) return open;
    const path = this.#catalog.layout.ledgerPackPath(chunkId);
    const expected = { firstLedgerSeq: chunkFirstLedger(chunkId), ledgerCount: LEDGERS_PER_CHUNK };
    const pack = openFrozenFile({ key: chunkKey(chunkId, "ledgers"), path }, () => openLedgerPack(path, expected));
    this.#packs.add(chunkId, pack);
    return pack;
  }

  #index(coverage: IndexCoverage): TxhashIndexReader {
    const key = indexKey(coverage);
    const open = this.#indexes.get(key);
    if (open !== undefined) return open;
    const path = this.#catalog.layout.indexPath(coverage);
    const index = openFrozenFile({ key, path }, () => openTxhashIndex(path));
    this.#indexes.set(key, index);
    return index;
  }
}

/** Runs `open`; a file missing under its frozen key becomes a `FrozenFileMissingError`. */
function openFrozenFile<T>(file: { key: string; path: string }, open: () => T): T {
  try {
    return open();
  } catch (err) {
    // Both the pack reader (FileIoError) and the index reader (CorruptFileError) keep the errno as cause.
    if (!(err instanceof FullhistoryError) || errnoCode(err.cause) !== "ENOENT") throw err;
    throw new FrozenFileMissingError(
      `Cannot read "${file.path}": "${file.key}" is frozen but the file is missing; unless a running daemon ` +
        "pruned it after the catalog was read, the store is damaged: run fullhistory audit",
      { cause: err },
    );
  }
}
