/**
 * File integrity of every `frozen` artifact and coverage (D15; reported as INV-1, read
 * correctness: a frozen file is trusted blindly by readers, reference §2.1, so a file that fails
 * its own checks would be served wrong or not at all). Two depths:
 *
 *   open (every key, the default audit) — what the readers validate when they open the file, a few
 *   small reads per file, so a store of thousands of chunks is judged in minutes:
 *     ledger pack   trailer and its CRC, offset index CRC, the expected chunk (first ledger, 10,000)
 *     events        each file's trailer/footer, the three files' agreement (counts, offsets CRC)
 *     `.bin`        size = header count
 *     `.idx`        header, counts and footer CRCs, the coverage's ledger span
 *   scrub (`--scrub`, or an evenly spaced `--scrub-sample N`) — each file read completely, once:
 *     ledger pack   + every record's zstd frame checksum, every ledger's own header seq
 *     events        + every payload, posting list and dictionary block
 *     `.bin`        + entries sorted, every seq inside the chunk
 *     `.idx`        + every block's CRC
 *   The scrub decompresses everything (~70 MB/s of stored bytes per core, docs/operator_commands.md):
 *   hours on a large store, which is why it is asked for, not the default.
 *
 * Files INV-3 already found missing are skipped (one violation per cause).
 * @module
 */

import { unreachable } from "../assert.ts";
import { FileIoError } from "../formats/file_io_error.ts";
import { CorruptFileError } from "../formats/corrupt_file_error.ts";
import { openEventsSegment } from "../formats/events_segment_reader.ts";
import { type LedgerPackReader, openLedgerPack } from "../formats/ledger_pack_reader.ts";
import { openTxhashIndex } from "../formats/txhash_index_reader.ts";
import { openTxhashRun } from "../formats/txhash_run.ts";
import { type ChunkId, type LedgerSeq, chunkFirstLedger, chunkLastLedger, LEDGERS_PER_CHUNK } from "../geometry/chunk.ts";
import { type ArtifactKind, chunkKey, indexKey } from "../geometry/keys.ts";
import type { Layout } from "../geometry/layout.ts";
import { type IndexCoverage, coverageLedgerSpan } from "../geometry/windows.ts";
import { ledgerSeqOf } from "../xdr/ledger_seq_of.ts";
import { XdrError } from "../xdr/xdr_error.ts";
import type { CatalogSnapshot } from "./catalog_snapshot.ts";
import { evenlySpaced } from "./evenly_spaced.ts";
import type { Violation } from "./violation.ts";

/** Which frozen keys are read through: none (open checks only), all, or an evenly spaced sample. */
export type ScrubScope = "none" | "all" | { readonly sampleCount: number };

/** What the integrity check found. */
export interface FileCheck {
  readonly violations: Violation[];
  /** Keys whose files were opened and validated (every frozen key not missing). */
  readonly openedKeyCount: number;
  /** Of those, keys whose files were read through. */
  readonly scrubbedKeyCount: number;
}

/** Checks every frozen file of `snapshot` not in `missingPaths` (see the module doc for `scrub`). */
export function checkFrozenFiles(
  layout: Layout,
  snapshot: CatalogSnapshot,
  options: { missingPaths: ReadonlySet<string>; scrub: ScrubScope },
): FileCheck {
  const keys: { key: string; paths: readonly string[]; check: (depth: { readThrough: boolean }) => void }[] = [];
  for (const entry of snapshot.chunkEntries) {
    if (entry.state !== "frozen") continue;
    const check = (depth: { readThrough: boolean }) => checkChunkArtifact(layout, { chunkId: entry.chunkId, kind: entry.kind, ...depth });
    keys.push({ key: chunkKey(entry.chunkId, entry.kind), paths: layout.artifactPaths(entry.chunkId, entry.kind), check });
  }
  for (const entry of snapshot.coverages) {
    if (entry.state !== "frozen") continue;
    keys.push({ key: indexKey(entry.coverage), paths: [layout.indexPath(entry.coverage)], check: (depth) => checkIndexCoverage(layout, entry.coverage, depth) });
  }
  const present = keys.filter((file) => !file.paths.some((path) => options.missingPaths.has(path)));
  const scrubbed = new Set(scrubbedKeys(present, options.scrub));
  const violations: Violation[] = [];
  for (const file of present) {
    const failure = fileFailure(() => file.check({ readThrough: scrubbed.has(file) }));
    if (failure !== undefined) violations.push({ invariant: "INV-1", key: file.key, path: failure.path ?? file.paths[0], detail: failure.detail });
  }
  return { violations, openedKeyCount: present.length, scrubbedKeyCount: scrubbed.size };
}

function scrubbedKeys<T>(keys: readonly T[], scrub: ScrubScope): readonly T[] {
  if (scrub === "none") return [];
  if (scrub === "all") return keys;
  return evenlySpaced(keys, scrub.sampleCount);
}

/** Opens chunk `chunkId`'s `kind` files and validates them (read through with `readThrough`); throws what the readers throw. */
export function checkChunkArtifact(layout: Layout, check: { chunkId: ChunkId; kind: ArtifactKind; readThrough: boolean }): void {
  const { chunkId, readThrough } = check;
  const expected = { firstLedgerSeq: chunkFirstLedger(chunkId), ledgerCount: LEDGERS_PER_CHUNK };
  switch (check.kind) {
    case "ledgers": {
      const path = layout.ledgerPackPath(chunkId);
      const pack = openLedgerPack(path, expected);
      try {
        if (readThrough) scrubLedgerPack(pack, { path, firstLedgerSeq: expected.firstLedgerSeq, lastLedgerSeq: chunkLastLedger(chunkId) });
      } finally {
        pack.close();
      }
      return;
    }
    case "events": {
      const segment = openEventsSegment(layout.eventsPaths(chunkId), expected);
      try {
        if (readThrough) segment.checkAllRecords();
      } finally {
        segment.close();
      }
      return;
    }
    case "txhash": {
      const run = openTxhashRun(layout.txhashRunPath(chunkId), { ledgerSeqMin: expected.firstLedgerSeq, ledgerSeqMax: chunkLastLedger(chunkId) });
      try {
        // Each refill validates the entries it buffers (order, seq range); bounded by the entry count.
        if (readThrough) while (run.refill() > 0) run.cursor = run.bufferedCount;
      } finally {
        run.close();
      }
      return;
    }
    default:
      return unreachable(check.kind);
  }
}

/** Opens coverage `coverage`'s `.idx`: its ledger span must be the coverage's (R4 pair check); every block with `readThrough`. */
export function checkIndexCoverage(layout: Layout, coverage: IndexCoverage, depth: { readThrough: boolean }): void {
  const path = layout.indexPath(coverage);
  const index = openTxhashIndex(path);
  try {
    const span = coverageLedgerSpan(coverage);
    if (index.minLedger !== span.minLedger || index.maxLedger !== span.maxLedger) {
      throw new CorruptFileError(path, `covers ledgers [${index.minLedger}, ${index.maxLedger}], want [${span.minLedger}, ${span.maxLedger}]`);
    }
    if (depth.readThrough) index.checkAllBlocks();
  } finally {
    index.close();
  }
}

/** Every record of an open pack: its zstd checksum (the reader's), then the ledger's own header seq. */
function scrubLedgerPack(pack: LedgerPackReader, range: { path: string; firstLedgerSeq: LedgerSeq; lastLedgerSeq: LedgerSeq }): void {
  let ledgerSeq: number = range.firstLedgerSeq;
  for (const lcmBytes of pack.ledgers(range.firstLedgerSeq, range.lastLedgerSeq)) {
    const headerLedgerSeq = ledgerSeqOf(lcmBytes);
    if (headerLedgerSeq !== ledgerSeq) throw new CorruptFileError(range.path, `record of ledger ${ledgerSeq} holds ledger ${headerLedgerSeq}`);
    ledgerSeq++;
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
