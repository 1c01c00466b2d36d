/**
 * File integrity of every `frozen` artifact and coverage (D15; reported as INV-1, read
 * correctness: a frozen file is trusted blindly by readers, reference §2.1, so a file that fails
 * its own checks would be served wrong or not at all). Each file is read completely, once:
 *
 *   ledger pack   trailer, offset index CRC, the expected chunk (first ledger, 10,000 ledgers),
 *                 every record's zstd frame checksum, every ledger's own header seq
 *   events        the three files' agreement, every payload, posting list and dictionary block
 *   `.bin`        size = header count, entries sorted, every seq inside the chunk
 *   `.idx`        header, counts and footer CRCs, the coverage's ledger span, every block's CRC
 *
 * Files INV-3 already found missing are skipped (one violation per cause).
 * @module
 */

import { FileIoError } from "../formats/file_io_error.ts";
import { CorruptFileError } from "../formats/corrupt_file_error.ts";
import { openEventsSegment } from "../formats/events_segment_reader.ts";
import { openLedgerPack } from "../formats/ledger_pack_reader.ts";
import { openTxhashIndex } from "../formats/txhash_index_reader.ts";
import { openTxhashRun } from "../formats/txhash_run.ts";
import { type ChunkId, type LedgerSeq, chunkFirstLedger, chunkLastLedger, LEDGERS_PER_CHUNK } from "../geometry/chunk.ts";
import { type ArtifactKind, chunkKey, indexKey } from "../geometry/keys.ts";
import type { Layout } from "../geometry/layout.ts";
import { type IndexCoverage, coverageLedgerSpan } from "../geometry/windows.ts";
import { ledgerSeqOf } from "../xdr/ledger_seq_of.ts";
import { XdrError } from "../xdr/xdr_error.ts";
import type { CatalogSnapshot } from "./catalog_snapshot.ts";
import type { Violation } from "./violation.ts";

/** What the integrity check found. */
export interface FileCheck {
  readonly violations: Violation[];
  /** Keys whose files were read through. */
  readonly checkedKeyCount: number;
}

/** Reads every frozen file of `snapshot` not in `missingPaths` and reports each that fails. */
export function checkFrozenFiles(layout: Layout, snapshot: CatalogSnapshot, options: { missingPaths: ReadonlySet<string> }): FileCheck {
  const violations: Violation[] = [];
  let checkedKeyCount = 0;
  const check = (key: string, paths: readonly string[], verify: () => void) => {
    if (paths.some((path) => options.missingPaths.has(path))) return;
    checkedKeyCount++;
    const failure = fileFailure(verify);
    if (failure !== undefined) violations.push({ invariant: "INV-1", key, path: failure.path ?? paths[0], detail: failure.detail });
  };
  for (const entry of snapshot.chunkEntries) {
    if (entry.state !== "frozen") continue;
    const paths = layout.artifactPaths(entry.chunkId, entry.kind);
    check(chunkKey(entry.chunkId, entry.kind), paths, () => verifyChunkArtifact(layout, entry.chunkId, entry.kind));
  }
  for (const entry of snapshot.coverages) {
    if (entry.state !== "frozen") continue;
    const path = layout.indexPath(entry.coverage);
    check(indexKey(entry.coverage), [path], () => verifyIndexCoverage(layout, entry.coverage));
  }
  return { violations, checkedKeyCount };
}

/** Reads chunk `chunkId`'s `kind` files through; throws what the readers throw. */
export function verifyChunkArtifact(layout: Layout, chunkId: ChunkId, kind: ArtifactKind): void {
  const expected = { firstLedgerSeq: chunkFirstLedger(chunkId), ledgerCount: LEDGERS_PER_CHUNK };
  switch (kind) {
    case "ledgers":
      return verifyLedgerPack(layout.ledgerPackPath(chunkId), { firstLedgerSeq: expected.firstLedgerSeq, lastLedgerSeq: chunkLastLedger(chunkId) });
    case "events": {
      const segment = openEventsSegment(layout.eventsPaths(chunkId), expected);
      try {
        return segment.checkAllRecords();
      } finally {
        segment.close();
      }
    }
    case "txhash":
      return verifyTxhashRun(layout.txhashRunPath(chunkId), { ledgerSeqMin: expected.firstLedgerSeq, ledgerSeqMax: chunkLastLedger(chunkId) });
  }
}

/** Reads coverage `coverage`'s `.idx` through: its ledger span must be the coverage's (R4 pair check). */
export function verifyIndexCoverage(layout: Layout, coverage: IndexCoverage): void {
  const path = layout.indexPath(coverage);
  const index = openTxhashIndex(path);
  try {
    const span = coverageLedgerSpan(coverage);
    if (index.minLedger !== span.minLedger || index.maxLedger !== span.maxLedger) {
      throw new CorruptFileError(path, `covers ledgers [${index.minLedger}, ${index.maxLedger}], want [${span.minLedger}, ${span.maxLedger}]`);
    }
    index.checkAllBlocks();
  } finally {
    index.close();
  }
}

function verifyLedgerPack(path: string, range: { firstLedgerSeq: LedgerSeq; lastLedgerSeq: LedgerSeq }): void {
  const pack = openLedgerPack(path, { firstLedgerSeq: range.firstLedgerSeq, ledgerCount: range.lastLedgerSeq - range.firstLedgerSeq + 1 });
  try {
    let ledgerSeq: number = range.firstLedgerSeq;
    for (const lcmBytes of pack.ledgers(range.firstLedgerSeq, range.lastLedgerSeq)) {
      const headerLedgerSeq = ledgerSeqOf(lcmBytes);
      if (headerLedgerSeq !== ledgerSeq) throw new CorruptFileError(path, `record of ledger ${ledgerSeq} holds ledger ${headerLedgerSeq}`);
      ledgerSeq++;
    }
  } finally {
    pack.close();
  }
}

function verifyTxhashRun(path: string, range: { ledgerSeqMin: number; ledgerSeqMax: number }): void {
  const run = openTxhashRun(path, range);
  try {
    // Each refill validates the entries it buffers (order, seq range); bounded by the entry count.
    while (run.refill() > 0) run.cursor = run.bufferedCount;
  } finally {
    run.close();
  }
}

/** Runs `verify`; a failure of the file's bytes or of reading it becomes where and what, anything else is rethrown. */
function fileFailure(verify: () => void): { path: string | undefined; detail: string } | undefined {
  try {
    verify();
    return undefined;
  } catch (err) {
    if (err instanceof CorruptFileError) return { path: err.path, detail: `corrupt: ${err.detail}` };
    if (err instanceof FileIoError) return { path: err.path, detail: err.message };
    if (err instanceof XdrError) return { path: undefined, detail: `corrupt ledger: ${err.message}` };
    throw err;
  }
}
