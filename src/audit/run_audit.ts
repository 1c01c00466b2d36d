/**
 * `runAudit` (D15; reference Appendix C): judges a store against INV-1..INV-4 by walking the
 * catalog and the filesystem independently of the daemon's own scans, so a bug in those scans
 * cannot hide its own damage. Read-only: it never repairs (convergence is the daemon's job at its
 * next start, reference §7.6), so an operator can run it at any time; on a running daemon it sees
 * the step in flight (see check_single_state.ts).
 *
 *   1. snapshot every catalog key; open every `ready` hot DB read-only and derive the last
 *      committed ledger from the real watermark (§7.8 with the hot probe) and the floor (§6)
 *   2. INV-2 single state and INV-4 retention bound: catalog only
 *   3. INV-3 disk ↔ catalog: stat every frozen/ready key's files, walk every root
 *   4. INV-1 hot tier: every ready hot DB passed its open-time checks; none below the live one is short
 *   5. INV-1 frozen files: open and validate each (what readers check at open); read through
 *      the `scrub` scope (skipping what step 3 found missing)
 *   6. INV-1 deep (optional): re-derive sampled chunks from their source and byte-compare
 *
 * Cost: steps 1–5 without a scrub are a few small reads per file, minutes on a large store; the
 * scrub decompresses every byte it reads (~70 MB/s per core), the deep check re-derives chunks.
 * One violation per (invariant, key, path): a key broken two ways under one invariant is one line.
 * @module
 */

import type { Catalog } from "../catalog/catalog.ts";
import type { RetainedRange } from "../read/retained_range.ts";
import { readCatalogSnapshot } from "./catalog_snapshot.ts";
import { checkDiskMatchesCatalog } from "./check_disk_matches_catalog.ts";
import { type ScrubScope, checkFrozenFiles } from "./check_frozen_files.ts";
import { checkHotChunks } from "./check_hot_chunks.ts";
import { checkRetentionBound } from "./check_retention_bound.ts";
import { checkSingleState } from "./check_single_state.ts";
import { type DeepAuditOptions, deepAudit } from "./deep_audit.ts";
import { readHotTier } from "./hot_tier_reading.ts";
import { INVARIANTS, type Violation } from "./violation.ts";

export interface AuditOptions {
  /** `[retention] retention_chunks`: with the pinned earliest ledger, it sets the floor INV-4 checks. */
  readonly retentionChunks: number;
  /** Frozen keys whose files are read through (INV-1 scrub); absent = none, every file is still opened and validated. */
  readonly scrub?: ScrubScope | undefined;
  /** Re-derive a sample of frozen chunks (INV-1 deep); absent = no deep check. */
  readonly deep?: DeepAuditOptions | undefined;
}

export interface AuditReport {
  /** Sorted by invariant, then in the order found. Empty = clean. */
  readonly violations: readonly Violation[];
  readonly retained: RetainedRange;
  /** False when the highest ready hot DB was unreadable and the last committed ledger has chunk granularity. */
  readonly watermarkExact: boolean;
  /** Catalog keys judged (chunk, index and hot keys). */
  readonly keyCount: number;
  /** Files and hot directories found under the roots. */
  readonly entryCount: number;
  /** Frozen and ready keys whose files or hot DB were opened and validated. */
  readonly openedKeyCount: number;
  /** Frozen keys whose files were read through. */
  readonly scrubbedKeyCount: number;
  /** Chunks the deep check re-derived. */
  readonly derivedChunkCount: number;
}

/** Audits the store behind `catalog` (read-only is enough). */
export async function runAudit(catalog: Catalog, options: AuditOptions): Promise<AuditReport> {
  const layout = catalog.layout;
  const snapshot = readCatalogSnapshot(catalog);
  const hot = readHotTier(catalog, snapshot.hotEntries, { retentionChunks: options.retentionChunks });
  const violations: Violation[] = [
    ...checkSingleState(snapshot, { windows: layout.windows, lastLedgerSeq: hot.retained.lastLedgerSeq }),
    ...checkRetentionBound(snapshot, { windows: layout.windows, floor: hot.retained }),
  ];
  const disk = checkDiskMatchesCatalog(layout, snapshot);
  violations.push(...disk.violations);
  const hotCheck = checkHotChunks(layout, hot.chunks, { snapshot, missingPaths: disk.missingPaths });
  violations.push(...hotCheck.violations);
  const files = checkFrozenFiles(layout, snapshot, { missingPaths: disk.missingPaths, scrub: options.scrub ?? "none" });
  violations.push(...files.violations);
  let derivedChunkCount = 0;
  if (options.deep !== undefined) {
    const deep = await deepAudit(catalog, { ...options.deep, snapshot, missingPaths: disk.missingPaths });
    violations.push(...deep.violations);
    derivedChunkCount = deep.derivedChunkCount;
  }
  return {
    violations: uniqueViolations(violations).sort((a, b) => INVARIANTS.indexOf(a.invariant) - INVARIANTS.indexOf(b.invariant)),
    retained: hot.retained,
    watermarkExact: hot.watermarkExact,
    keyCount: snapshot.chunkEntries.length + snapshot.coverages.length + snapshot.hotEntries.length,
    entryCount: disk.entryCount,
    openedKeyCount: hotCheck.openedKeyCount + files.openedKeyCount,
    scrubbedKeyCount: files.scrubbedKeyCount,
    derivedChunkCount,
  };
}

function uniqueViolations(violations: readonly Violation[]): Violation[] {
  const seen = new Set<string>();
  return violations.filter((violation) => {
    const identity = `${violation.invariant}\u0000${violation.key ?? ""}\u0000${violation.path ?? ""}`;
    if (seen.has(identity)) return false;
    seen.add(identity);
    return true;
  });
}
