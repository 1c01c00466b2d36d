/**
 * Builds a tx-hash index `.idx` (txindex.md §3, D6, D9) from a coverage's sorted `.bin` runs in
 * ONE streaming pass: run merge (`txhash_merge.ts`) → block encoder → counts → footer → header.
 * Pure (style R12): a function of the runs' entry set and [minLedger, maxLedger]; same entries ⇒
 * same bytes, whatever the order of `runPaths`. Synchronous, so it can run inside a Bun Worker.
 *
 * Keeps: every entry's seq lies in [minLedger, maxLedger] (else `CorruptFileError` naming the run
 * and the seq, reference §8.7); zero keys build a valid empty index (D9, unlike the reference's
 * ErrEmptyBuildSet); duplicate or colliding key prefixes never fail the build (they become several
 * candidates). The output is created/truncated, fsynced and closed; on any failure it is removed.
 * The header is written last, so a torn file never carries a valid header. Fsyncing the directory
 * entry is the caller's barrier step (reference §5.3).
 * @module
 */

import { closeSync, fsyncSync, openSync, rmSync } from "node:fs";
import { assert } from "../assert.ts";
import { errnoCode } from "../errors.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { TxhashIndexEncoder, writeAllSync } from "./_txhash_index_encoder.ts";
import { IDX_PAYLOAD_MAX, encodeTxhashIndexHeader, txhashIndexParams } from "./_txhash_index_layout.ts";
import { type TxhashRunMerge, openTxhashRunMerge } from "./txhash_merge.ts";
import { TxhashWriteError } from "./txhash_write_error.ts";

/** Inputs of one index build. */
export interface TxhashIndexBuildOptions {
  /** The coverage's runs, any order; an empty list builds an empty index. */
  runPaths: readonly string[];
  /** Created or truncated; removed if the build fails. */
  outputPath: string;
  /** First ledger of the coverage: payload = seq − minLedger (reference §8.7). */
  minLedger: LedgerSeq;
  /** Last ledger of the coverage; maxLedger − minLedger must fit the 3-byte payload. */
  maxLedger: LedgerSeq;
}

/** What a build wrote. */
export interface TxhashIndexBuilt {
  keyCount: number;
  byteCount: number;
}

/** Builds the index; throws `CorruptFileError` for a bad run and `TxhashWriteError` for a failed write. */
export function buildTxhashIndex(options: TxhashIndexBuildOptions): TxhashIndexBuilt {
  const { minLedger, maxLedger } = options;
  assert(minLedger <= maxLedger, `index ledger range [${minLedger}, ${maxLedger}] is reversed`);
  assert(maxLedger - minLedger <= IDX_PAYLOAD_MAX, `index ledger range [${minLedger}, ${maxLedger}] overflows the payload`);
  const merge = openTxhashRunMerge(options.runPaths, { ledgerSeqMin: minLedger, ledgerSeqMax: maxLedger });
  try {
    return writeIndex(merge, options);
  } finally {
    merge.close();
  }
}

function writeIndex(merge: TxhashRunMerge, options: TxhashIndexBuildOptions): TxhashIndexBuilt {
  const path = options.outputPath;
  const keyCount = merge.entryCount;
  const params = txhashIndexParams(keyCount);
  let fd: number | undefined;
  try {
    fd = openSync(path, "w");
    const encoder = new TxhashIndexEncoder(fd, { params, minLedger: options.minLedger, keyCount });
    for (const batch of merge.batches()) encoder.addBatch(batch);
    const { blockDataBytes, fileBytes } = encoder.finish();
    const header = encodeTxhashIndexHeader({
      ...params,
      minLedger: options.minLedger,
      maxLedger: options.maxLedger,
      keyCount,
      blockDataBytes,
    });
    writeAllSync(fd, { bytes: header, byteOffset: 0 });
    fsyncSync(fd);
    const closing = fd;
    fd = undefined;
    closeSync(closing);
    return { keyCount, byteCount: fileBytes };
  } catch (err) {
    try {
      if (fd !== undefined) closeSync(fd);
    } finally {
      rmSync(path, { force: true }); // force: ENOENT only (open itself failed); other errors surface
    }
    if (errnoCode(err) === undefined) throw err; // a corrupt run or a bug: already the right error
    throw new TxhashWriteError(path, err);
  }
}
