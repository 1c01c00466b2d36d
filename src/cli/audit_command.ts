/**
 * `fullhistory audit --config FILE [--scrub | --scrub-sample N] [--deep N]` (D15; reference
 * Appendix C): checks the store against INV-1..INV-4 and prints one line per violation, then a
 * summary:
 *
 *   INV-3 chunk:00000005:ledgers /data/ledgers/00000/00000005.pack: frozen but the file is missing
 *   audit: 1 violation (INV-3 1); 15 keys, 14 files and dirs, 11 keys opened, 0 read through, 0 chunks re-derived; retained [2, 60001]
 *
 * By default every frozen file is opened and validated as a reader would (trailers, headers, index
 * checksums) and every ready hot DB passes its open-time checks: minutes on a large store.
 * `--scrub` also reads every frozen file through (every record's checksum: hours on terabytes);
 * `--scrub-sample N` reads N evenly spaced frozen keys through. `--deep N` re-derives N sampled
 * frozen chunks from the configured lake and byte-compares them (INV-1). Exit 0 only when clean, 1
 * when anything is violated. Read-only: audit never repairs; the daemon converges at its next
 * start. Judge a settled store: on a running daemon the step in flight shows as an INV-2 line
 * (docs/operator_commands.md).
 * @module
 */

import { type AuditReport, runAudit } from "../audit/run_audit.ts";
import type { ScrubScope } from "../audit/check_frozen_files.ts";
import { formatViolation, INVARIANTS } from "../audit/violation.ts";
import { lakeSourceOptions } from "../daemon/startup.ts";
import { UsageError } from "../errors.ts";
import { openLakeSource } from "../lake/open_lake_source.ts";
import { describeRetainedRange } from "../read/retained_range.ts";
import { type CommandArgs, splitCommandArgs } from "./_command_args.ts";
import { withReadOnlyStore } from "./_open_read_only.ts";
import type { Command } from "./commands.ts";

const DEEP_FLAG = "deep";
const SCRUB_FLAG = "scrub";
const SCRUB_SAMPLE_FLAG = "scrub-sample";
/** A sample beyond this is a typo, not a plan: each deep chunk is 10,000 ledgers from the lake. */
const SAMPLE_MAX = 1_000_000;

export const AUDIT_COMMAND: Command = {
  name: "audit",
  summary: "Check the store's invariants (INV-1..4); --scrub reads every frozen file through, --deep N re-derives N chunks",
  usage: [
    "fullhistory audit --config FILE [--scrub | --scrub-sample N] [--deep N] [--section.key=VALUE ...]",
    "  Walks the catalog and the storage roots and checks: one frozen coverage per window and no",
    "  unfinished keys (INV-2), every file traced to a key and every frozen key's files present",
    "  (INV-3), nothing below the retention floor (INV-4), every frozen file opens and validates as a",
    "  reader would (trailers, headers, index checksums) and every ready hot DB opens (INV-1).",
    "  --scrub           also read every frozen file through: every record's checksum (hours on terabytes)",
    "  --scrub-sample N  read N evenly spaced frozen keys through instead",
    "  --deep N          also re-derive N evenly spaced frozen chunks from the lake and byte-compare (INV-1)",
    "  Prints one line per violation, then a summary. Exit 0 when clean, 1 when not. Never repairs.",
  ].join("\n"),
  async run(argv) {
    const args = splitCommandArgs(argv, { switches: [SCRUB_FLAG], valueFlags: [DEEP_FLAG, SCRUB_SAMPLE_FLAG] });
    if (args.positionals.length > 0) throw new UsageError(`audit takes no arguments, got "${args.positionals[0]}"`);
    const deepText = args.values.get(DEEP_FLAG);
    const sampleCount = deepText === undefined ? undefined : parseSampleCount(deepText, DEEP_FLAG);
    const scrub = scrubScope(args);
    return withReadOnlyStore(args.configArgv, async ({ config, catalog }) => {
      // Scratch on the store's own volume (a dense chunk re-derives to ~1 GB; /tmp may be small).
      const scratchDir = config.storage.defaultDataDir;
      const deep = sampleCount === undefined ? undefined : { sampleCount, source: await openLakeSource(lakeSourceOptions(config)), scratchDir };
      const report = await runAudit(catalog, { retentionChunks: config.retention.retentionChunks, scrub, deep });
      for (const violation of report.violations) process.stdout.write(`${formatViolation(violation)}\n`);
      process.stdout.write(`${summaryLine(report)}\n`);
      return report.violations.length === 0 ? 0 : 1;
    });
  },
};

function scrubScope(args: CommandArgs): ScrubScope {
  const sampleText = args.values.get(SCRUB_SAMPLE_FLAG);
  if (sampleText === undefined) return args.switches.has(SCRUB_FLAG) ? "all" : "none";
  if (args.switches.has(SCRUB_FLAG)) throw new UsageError(`Flags --${SCRUB_FLAG} and --${SCRUB_SAMPLE_FLAG} exclude each other: give one`);
  return { sampleCount: parseSampleCount(sampleText, SCRUB_SAMPLE_FLAG) };
}

function parseSampleCount(text: string, flag: string): number {
  const value = /^\d{1,7}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 1 && value <= SAMPLE_MAX)) {
    throw new UsageError(`Invalid --${flag} "${text}": want a sample size, a whole number from 1 to ${SAMPLE_MAX}`);
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
    `${counted(report.openedKeyCount, "key")} opened, ${report.scrubbedKeyCount} read through, ` +
    `${counted(report.derivedChunkCount, "chunk")} re-derived; ` +
    `retained ${describeRetainedRange(report.retained)}`
  );
}

function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
