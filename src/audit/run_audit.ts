/**
 * `runAudit` (D15; reference Appendix C): judges a store against INV-1..INV-4 by walking the
 * catalog and the filesystem independently of the daemon's own scans, so a bug in those scans
 * cannot hide its own damage. Read-only: it never repairs (convergence is the daemon's job at its
 * next start, reference §7.6), so an operator can run it at any time; on a running daemon it sees
 * the step in flight (see check_single_state.ts).
 *
 *   1. snapshot every catalog key; derive the last committed ledger and the retention floor (§6, §7.8)
 *   2. INV-2 single state and INV-4 retention bound: catalog only
 *   3. INV-3 disk ↔ catalog: stat every frozen/ready key's files, walk every root
 *   4. INV-1 integrity: read every frozen file through (skipping those step 3 found missing)
 *   5. INV-1 deep (optional): re-derive sampled chunks from their source and byte-compare
 *
 * One violation per (invariant, key, path): a key broken two ways under one invariant is one line.
 * @module
 */

import type { Catalog } from "../catalog/catalog.ts";
import { type RetainedRange, retainedRange } from "../read/retained_range.ts";
import { readCatalogSnapshot } from "./catalog_snapshot.ts";
import { checkDiskMatchesCatalog } from "./check_disk_matches_catalog.ts";
import { checkFrozenFiles } from "./check_frozen_files.ts";
import { checkRetentionBound } from "./check_retention_bound.ts";
import { checkSingleState } from "./check_single_state.ts";
import { type DeepAuditOptions, deepAudit } from "./deep_audit.ts";
import { INVARIANTS, type Violation } from "./violation.ts";

export interface AuditOptions {
  /** `[retention] retention_chunks`: with the pinned earliest ledger, it sets the floor INV-4 checks. */
  readonly retentionChunks: number;
  /** Re-derive a sample of frozen chunks (INV-1 deep); absent = no deep check. */
  readonly deep?: DeepAuditOptions | undefined;
}

export interface AuditReport {
  /** Sorted by invariant, then in the order found. Empty = clean. */
  readonly violations: readonly Violation[];
  readonly retained: RetainedRange;
  /** Catalog keys judged (chunk, index and hot keys). */
  readonly keyCount: number;
  /** Files and hot directories found under the roots. */
  readonly entryCount: number;
  /** Frozen keys whose files were read through. */
  readonly checkedKeyCount: number;
  /** Chunks the deep check re-derived. */
  readonly derivedChunkCount: number;
}

/** Audits the store behind `catalog` (read-only is enough). */
export async function runAudit(catalog: Catalog, options: AuditOptions): Promise<AuditReport> {
  const layout = catalog.layout;
  const snapshot = readCatalogSnapshot(catalog);
  const retained = retainedRange(catalog, { retentionChunks: options.retentionChunks });
  const violations: Violation[] = [
    ...checkSingleState(snapshot, { windows: layout.windows, lastLedgerSeq: retained.lastLedgerSeq }),
    ...checkRetentionBound(snapshot, { windows: layout.windows, floor: retained }),
  ];
  const disk = checkDiskMatchesCatalog(layout, snapshot);
  violations.push(...disk.violations);
  const files = checkFrozenFiles(layout, snapshot, { missingPaths: disk.missingPaths });
  violations.push(...files.violations);
  let derivedChunkCount = 0;
  if (options.deep !== undefined) {
    const deep = await deepAudit(catalog, { ...options.deep, snapshot, missingPaths: disk.missingPaths });
    violations.push(...deep.violations);
    derivedChunkCount = deep.derivedChunkCount;
  }
  return {
    violations: uniqueViolations(violations).sort((a, b) => INVARIANTS.indexOf(a.invariant) - INVARIANTS.indexOf(b.invariant)),
    retained,
    keyCount: snapshot.chunkEntries.length + snapshot.coverages.length + snapshot.hotEntries.length,
    entryCount: disk.entryCount,
    checkedKeyCount: files.checkedKeyCount,
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
