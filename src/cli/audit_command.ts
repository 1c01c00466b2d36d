/**
 * `fullhistory audit --config FILE [--deep N]` (D15; reference Appendix C): checks the store
 * against INV-1..INV-4 and prints one line per violation, then a summary:
 *
 *   INV-3 chunk:00000005:ledgers /data/ledgers/00000/00000005.pack: frozen but the file is missing
 *   audit: 1 violation (INV-3 1); 15 keys, 14 files and dirs, 11 keys read through, 0 chunks re-derived
 *
 * `--deep N` also re-derives N sampled frozen chunks from the configured lake and byte-compares
 * them (INV-1). Exit 0 only when clean, 1 when anything is violated. Read-only: audit never
 * repairs; the daemon converges at its next start. Judge a settled store: on a running daemon the
 * step in flight shows as an INV-2 line (docs/operator_commands.md).
 * @module
 */

import { type AuditReport, runAudit } from "../audit/run_audit.ts";
import { formatViolation, INVARIANTS } from "../audit/violation.ts";
import { lakeSourceOptions } from "../daemon/startup.ts";
import { UsageError } from "../errors.ts";
import { openLakeSource } from "../lake/open_lake_source.ts";
import { describeRetainedRange } from "../read/retained_range.ts";
import { splitCommandArgs } from "./_command_args.ts";
import { withReadOnlyStore } from "./_open_read_only.ts";
import type { Command } from "./commands.ts";

const DEEP_FLAG = "deep";
/** A deep sample beyond this is a typo, not a plan: each chunk is 10,000 ledgers from the lake. */
const DEEP_SAMPLE_MAX = 1_000_000;

export const AUDIT_COMMAND: Command = {
  name: "audit",
  summary: "Check the store's invariants (INV-1..4); --deep N re-derives N chunks from the lake",
  usage: [
    "fullhistory audit --config FILE [--deep N] [--section.key=VALUE ...]",
    "  Walks the catalog and the storage roots and checks: one frozen coverage per window and no",
    "  unfinished keys (INV-2), every file traced to a key and every frozen key's files present",
    "  (INV-3), nothing below the retention floor (INV-4), every frozen file's checksums (INV-1).",
    "  --deep N   also re-derive N evenly spaced frozen chunks from the lake and byte-compare (INV-1)",
    "  Prints one line per violation, then a summary. Exit 0 when clean, 1 when not. Never repairs.",
  ].join("\n"),
  async run(argv) {
    const args = splitCommandArgs(argv, { switches: [], valueFlags: [DEEP_FLAG] });
    if (args.positionals.length > 0) throw new UsageError(`audit takes no arguments, got "${args.positionals[0]}"`);
    const deepText = args.values.get(DEEP_FLAG);
    const sampleCount = deepText === undefined ? undefined : parseSampleCount(deepText);
    return withReadOnlyStore(args.configArgv, async ({ config, catalog }) => {
      // Scratch on the store's own volume (a dense chunk re-derives to ~1 GB; /tmp may be small).
      const scratchDir = config.storage.defaultDataDir;
      const deep = sampleCount === undefined ? undefined : { sampleCount, source: await openLakeSource(lakeSourceOptions(config)), scratchDir };
      const report = await runAudit(catalog, { retentionChunks: config.retention.retentionChunks, deep });
      for (const violation of report.violations) process.stdout.write(`${formatViolation(violation)}\n`);
      process.stdout.write(`${summaryLine(report)}\n`);
      return report.violations.length === 0 ? 0 : 1;
    });
  },
};

function parseSampleCount(text: string): number {
  const value = /^\d{1,7}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 1 && value <= DEEP_SAMPLE_MAX)) {
    throw new UsageError(`Invalid --deep "${text}": want how many chunks to re-derive, a whole number from 1 to ${DEEP_SAMPLE_MAX}`);
  }
  return value;
}

/** `audit: clean; …` or `audit: 3 violations (INV-1 1, INV-3 2); …`. */
export function summaryLine(report: AuditReport): string {
  const byInvariant = INVARIANTS.map((invariant) => [invariant, report.violations.filter((violation) => violation.invariant === invariant).length] as const)
    .filter(([, invariantCount]) => invariantCount > 0)
    .map(([invariant, invariantCount]) => `${invariant} ${invariantCount}`);
  const verdict = report.violations.length === 0 ? "clean" : `${counted(report.violations.length, "violation")} (${byInvariant.join(", ")})`;
  return (
    `audit: ${verdict}; ${counted(report.keyCount, "key")}, ${report.entryCount} files and dirs, ` +
    `${counted(report.checkedKeyCount, "key")} read through, ${counted(report.derivedChunkCount, "chunk")} re-derived; ` +
    `retained ${describeRetainedRange(report.retained)}`
  );
}

function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
