/**
 * Builds a tx-hash index `.idx` (txindex.md §3, D6, D9) from a coverage's sorted `.bin` runs in
 * ONE streaming pass: run merge (`txhash_merge.ts`) → block encoder → counts → footer → header.
 * Pure (style R12): a function of the runs' entry set and [minLedger, maxLedger]; same entries ⇒
 * same bytes, whatever the order of `runPaths`, and whatever the number of partitions.
 *
 * `buildTxhashIndex` runs on one core, synchronously (it runs inside a Bun Worker).
 * `buildTxhashIndexInParallel` cuts the key space into P partitions (`txhash_index_partition.ts`,
 * txindex.md §3.6): partition 0 is encoded here straight into the index; partition p ≥ 1 is
 * encoded by `encodeElsewhere` (a Worker) into a side file, created beside the output and unlinked
 * at once, so a crash leaves nothing to sweep (its space returns when the fd closes). Once
 * partition p − 1 is placed, p's offset is known and its bytes are copied after it; counts, footer
 * and header follow as in the one-core build. Extra I/O: partitions 1..P−1's block bytes are written
 * twice (≈ 4.3 B/key × (P−1)/P), against the 20 B/key of runs every build reads.
 *
 * Keeps: every entry's seq lies in [minLedger, maxLedger] (else `CorruptFileError` naming the run
 * and the seq, reference §8.7); zero keys build a valid empty index (D9, unlike the reference's
 * ErrEmptyBuildSet); duplicate or colliding key prefixes never fail the build (they become several
 * candidates). The output is created/truncated, fsynced and closed; on any failure it is removed.
 * The header is written last, so a torn file never carries a valid header. Fsyncing the directory
 * entry is the caller's barrier step (reference §5.3).
 * @module
 */

import { closeSync, constants, fsyncSync, openSync, readSync, rmSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { assert } from "../assert.ts";
import { errnoCode } from "../errors.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { type EncodedBlocks, writeAllSync, writeCountsAndFooter } from "./_txhash_index_encoder.ts";
import { IDX_HEADER_BYTES, IDX_PAYLOAD_MAX, encodeTxhashIndexHeader } from "./_txhash_index_layout.ts";
import {
  type TxhashIndexPartitionTask,
  type TxhashIndexPlan,
  encodeTxhashIndexPartition,
  planTxhashIndexPartitions,
} from "./txhash_index_partition.ts";
import { TxhashWriteError } from "./txhash_write_error.ts";

/** Side-file bytes copied into the index per read/write pair. */
const COPY_BUFFER_BYTES = 1 << 20;

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

/** How `buildTxhashIndexInParallel` runs partitions 1..P−1. */
export interface TxhashIndexParallelism {
  /** P, the key partitions (≥ 1); partition 0 runs in the calling thread. */
  partitionCount: number;
  /** Encodes one partition into `sideFd` from byte 0 (`encodeTxhashIndexPartition`, in a Worker). */
  encodeElsewhere: (task: TxhashIndexPartitionTask, sideFd: number) => Promise<EncodedBlocks>;
  /**
   * Called per merged batch of partition 0 and before the side files are copied; may throw to
   * abandon the build (a cancelled task), which then unwinds like a failed one: it still waits for
   * `encodeElsewhere` (stopped by the caller's own means), closes every fd and removes the output.
   */
  checkStop?: () => void;
}

/** Builds the index on one core; throws `CorruptFileError` for a bad run and `TxhashWriteError` for a failed write. */
export function buildTxhashIndex(options: TxhashIndexBuildOptions): TxhashIndexBuilt {
  checkLedgerRange(options);
  const plan = planTxhashIndexPartitions(options, 1);
  return writeIndex(options, (fd) => {
    const encoded = encodeTxhashIndexPartition(plan.partitions[0]!, { fd, byteOffset: IDX_HEADER_BYTES });
    return finishIndex(fd, { plan, options, encoded });
  });
}

/** Builds the same bytes as `buildTxhashIndex` with P partitions encoded concurrently (module doc). */
export async function buildTxhashIndexInParallel(options: TxhashIndexBuildOptions, parallelism: TxhashIndexParallelism): Promise<TxhashIndexBuilt> {
  checkLedgerRange(options);
  const plan = planTxhashIndexPartitions(options, parallelism.partitionCount);
  const sideFds: number[] = [];
  let fd: number | undefined;
  try {
    for (let partition = 1; partition < plan.partitions.length; partition++) sideFds.push(openUnlinked(`${options.outputPath}.part${partition}`));
    fd = openSync(options.outputPath, "w");
    const remote = Promise.allSettled(sideFds.map((sideFd, index) => parallelism.encodeElsewhere(plan.partitions[index + 1]!, sideFd)));
    // Partition 0 meanwhile, here. A throw still waits for the Workers: they write to the side fds.
    let local: EncodedBlocks | undefined;
    let localError: unknown;
    try {
      local = encodeTxhashIndexPartition(plan.partitions[0]!, { fd, byteOffset: IDX_HEADER_BYTES }, { checkStop: parallelism.checkStop });
    } catch (err) {
      localError = err;
    }
    const settled = await remote;
    if (local === undefined) throw localError;
    const encoded = [local];
    for (const outcome of settled) {
      if (outcome.status === "rejected") throw outcome.reason;
      encoded.push(outcome.value);
    }
    parallelism.checkStop?.();
    const outputFd = fd;
    fd = undefined;
    return writeIndex(options, () => {
      const combined = appendSideFiles(outputFd, { plan, encoded, sideFds });
      return finishIndex(outputFd, { plan, options, encoded: combined });
    }, outputFd);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(options.outputPath, { force: true }); // force: ENOENT only (open itself failed); other errors surface
    if (errnoCode(err) === undefined) throw err; // a corrupt run or a bug: already the right error
    throw new TxhashWriteError(options.outputPath, err);
  } finally {
    for (const sideFd of sideFds) closeSync(sideFd);
  }
}

function checkLedgerRange(options: TxhashIndexBuildOptions): void {
  const { minLedger, maxLedger } = options;
  assert(minLedger <= maxLedger, `index ledger range [${minLedger}, ${maxLedger}] is reversed`);
  assert(maxLedger - minLedger <= IDX_PAYLOAD_MAX, `index ledger range [${minLedger}, ${maxLedger}] overflows the payload`);
}

/**
 * A read-write file with no name in `path`'s directory. Linux's O_TMPFILE creates it nameless, so
 * no crash can leave it behind as debris; where the filesystem lacks it, the file is created at
 * `path` (a leftover of that name replaced) and unlinked at once.
 */
function openUnlinked(path: string): number {
  try {
    return openSync(dirname(path), O_TMPFILE | constants.O_RDWR, 0o600);
  } catch (err) {
    if (!TMPFILE_UNSUPPORTED.has(errnoCode(err) ?? "")) throw err;
  }
  const fd = openSync(path, "w+");
  unlinkSync(path);
  return fd;
}

/** O_TMPFILE (`open(2)`): __O_TMPFILE (0o20000000 on Linux's generic, x86-64 and arm64 ABIs) | O_DIRECTORY. */
const O_TMPFILE = 0o20000000 | constants.O_DIRECTORY;
/** What `open(2)` returns where O_TMPFILE is not supported (kernel or filesystem). */
const TMPFILE_UNSUPPORTED: ReadonlySet<string> = new Set(["EOPNOTSUPP", "EISDIR", "EINVAL", "ENOTSUP"]);

/**
 * Runs `encode` on the output's fd (opened here unless `openFd` is given), then fsyncs and closes it;
 * on any failure the output is removed and a system error becomes `TxhashWriteError`.
 */
function writeIndex(options: TxhashIndexBuildOptions, encode: (fd: number) => TxhashIndexBuilt, openFd?: number): TxhashIndexBuilt {
  const path = options.outputPath;
  let fd: number | undefined = openFd;
  try {
    fd ??= openSync(path, "w");
    const built = encode(fd);
    fsyncSync(fd);
    const closing = fd;
    fd = undefined;
    closeSync(closing);
    return built;
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

/**
 * Copies partitions 1..P−1 from their side files after partition 0's blocks, in key order, and
 * returns the whole index's block bytes and counts.
 */
function appendSideFiles(fd: number, parts: { plan: TxhashIndexPlan; encoded: EncodedBlocks[]; sideFds: number[] }): EncodedBlocks {
  const { plan, encoded } = parts;
  const counts = new Uint32Array(2 ** plan.params.blockBits);
  const buffer = new Uint8Array(COPY_BUFFER_BYTES);
  let blockDataBytes = 0;
  for (let partition = 0; partition < encoded.length; partition++) {
    const task = plan.partitions[partition]!;
    const part = encoded[partition]!;
    assert(part.counts.length === counts.length, `partition ${partition} counts ${part.counts.length} blocks, want ${counts.length}`);
    let partKeyCount = 0;
    for (let block = task.blockFrom; block < task.blockEnd; block++) {
      counts[block] = part.counts[block]!;
      partKeyCount += part.counts[block]!;
    }
    // Every key of the partition lies in its blocks: the other blocks' counts are zero.
    assert(partKeyCount === task.keyCount, `partition ${partition} counts ${partKeyCount} keys in its blocks, want ${task.keyCount}`);
    if (partition > 0) copySideFile(parts.sideFds[partition - 1]!, { fd, buffer, byteCount: part.blockDataBytes, byteOffset: IDX_HEADER_BYTES + blockDataBytes });
    blockDataBytes += part.blockDataBytes;
  }
  return { blockDataBytes, counts };
}

function copySideFile(sideFd: number, copy: { fd: number; buffer: Uint8Array; byteCount: number; byteOffset: number }): void {
  let copied = 0;
  // Bounded: every pass copies at least one byte or throws.
  while (copied < copy.byteCount) {
    const want = Math.min(copy.buffer.length, copy.byteCount - copied);
    const bytesRead = readSync(sideFd, copy.buffer, 0, want, copied);
    assert(bytesRead > 0, `side file ends at byte ${copied} of ${copy.byteCount}`);
    writeAllSync(copy.fd, { bytes: copy.buffer.subarray(0, bytesRead), byteOffset: copy.byteOffset + copied });
    copied += bytesRead;
  }
}

/** Counts, footer, then the header last (a torn file never carries a valid header). */
function finishIndex(fd: number, index: { plan: TxhashIndexPlan; options: TxhashIndexBuildOptions; encoded: EncodedBlocks }): TxhashIndexBuilt {
  const { plan, options, encoded } = index;
  const fileBytes = writeCountsAndFooter(fd, { ...encoded, keyCount: plan.keyCount });
  const header = encodeTxhashIndexHeader({
    ...plan.params,
    minLedger: options.minLedger,
    maxLedger: options.maxLedger,
    keyCount: plan.keyCount,
    blockDataBytes: encoded.blockDataBytes,
  });
  writeAllSync(fd, { bytes: header, byteOffset: 0 });
  return { keyCount: plan.keyCount, byteCount: fileBytes };
}
