/**
 * `fullhistory status --config FILE [--json]`: where the store stands (reference §2, §6, §7.8):
 * the pinned earliest ledger, the retention floor, the last committed ledger (derived, never
 * stored; the highest ready hot DB's last ledger when it is above the cold chunks), each window's
 * coverages, key counts by family and state, bytes per storage root and the hot chunks with the
 * ledgers each ready hot DB holds. Text for people, `--json` (one object, fields as in
 * `StoreStatus`) for scripts. Read-only: runs beside the daemon and shows the catalog, and each hot
 * DB, as of its open.
 * @module
 */

import { UsageError } from "../errors.ts";
import { ARTIFACT_KINDS, ARTIFACT_STATES, HOT_STATES } from "../geometry/keys.ts";
import { type ChunkId, chunkFirstLedger, pad8 } from "../geometry/chunk.ts";
import { STORAGE_ROOT_NAMES } from "../geometry/layout.ts";
import { type CoverageStatus, type HotChunkStatus, type StoreStatus, collectStoreStatus } from "../audit/store_status.ts";
import { splitCommandArgs } from "./_command_args.ts";
import { withReadOnlyStore } from "./_open_read_only.ts";
import type { Command } from "./commands.ts";

const JSON_FLAG = "json";
const LABEL_WIDTH = 23;
const COUNT_WIDTH = 9;
const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;

export const STATUS_COMMAND: Command = {
  name: "status",
  summary: "Show the store: pin, retention floor, last committed ledger, windows, keys, bytes",
  usage: [
    "fullhistory status --config FILE [--json] [--section.key=VALUE ...]",
    "  Prints the pinned earliest ledger, the retention floor, the last committed ledger, each",
    "  window's index coverages, catalog key counts by state, bytes per storage root, and the hot",
    "  chunks with the ledgers each ready hot DB holds.",
    "  --json   one JSON object instead of text",
  ].join("\n"),
  async run(argv) {
    const args = splitCommandArgs(argv, { switches: [JSON_FLAG], valueFlags: [] });
    if (args.positionals.length > 0) throw new UsageError(`status takes no arguments, got "${args.positionals[0]}"`);
    return withReadOnlyStore(args.configArgv, ({ config, catalog }) => {
      const status = collectStoreStatus(catalog, config.retention);
      process.stdout.write(args.switches.has(JSON_FLAG) ? `${JSON.stringify(status)}\n` : formatStatus(status));
      return 0;
    });
  },
};

/** The text form: one fact per line, values aligned in one column. */
export function formatStatus(status: StoreStatus): string {
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`${label.padEnd(LABEL_WIDTH)}${value}`.trimEnd());
  row("earliest ledger", String(status.earliestLedger ?? "not pinned (no daemon has started on this store)"));
  row("retention", status.retentionChunks === 0 ? "full history (retention_chunks = 0)" : `${status.retentionChunks} chunks`);
  row("retention floor", `ledger ${status.retentionFloorLedger} (chunk ${pad8(status.retentionFloorChunk)})`);
  const bound = status.lastCommittedExact ? "" : " (chunk granularity: the highest ready hot DB is unreadable, see hot chunks)";
  row("last committed ledger", `${status.lastCommittedLedger}${bound}`);
  row("index windows", status.windows.length === 0 ? "none" : "");
  for (const window of status.windows) {
    const frozen = window.frozen === null ? "no frozen coverage" : `frozen ${coverageText(window.frozen)}`;
    const others = window.others.map((coverage) => `${coverage.state} ${coverageText(coverage)}`);
    row(`  window ${pad8(window.windowId)}`, [frozen, ...others].join("; "));
  }
  row("catalog keys", ARTIFACT_STATES.map((state) => state.padStart(COUNT_WIDTH)).join(""));
  for (const kind of ARTIFACT_KINDS) row(`  chunk ${kind}`, countsText(status.keyCounts.chunk[kind], ARTIFACT_STATES));
  row("  index", countsText(status.keyCounts.index, ARTIFACT_STATES));
  row("  hot", HOT_STATES.map((state) => `${state} ${status.keyCounts.hot[state]}`).join(", "));
  row("storage", "");
  for (const name of STORAGE_ROOT_NAMES) row(`  ${name}`, `${formatBytes(status.storageBytes[name]).padStart(COUNT_WIDTH + 2)}  ${status.storageRoots[name]}`);
  row("hot chunks", status.hotChunks.length === 0 ? "none" : "");
  for (const chunk of status.hotChunks) row(`  chunk ${pad8(chunk.chunkId)}`, hotChunkText(chunk));
  return `${lines.join("\n")}\n`;
}

function hotChunkText(chunk: HotChunkStatus): string {
  if (chunk.state === "transient") return "transient (being created or discarded)";
  if (chunk.problem !== null) return `ready, unreadable: ${chunk.problem}`;
  return chunk.lastLedger === null ? "ready, empty" : `ready, ledgers ${chunkFirstLedger(chunk.chunkId as ChunkId)}..${chunk.lastLedger}`;
}

function coverageText(coverage: CoverageStatus): string {
  return `[${pad8(coverage.lo)}, ${pad8(coverage.hi)}]${coverage.terminal ? " (final)" : ""}`;
}

function countsText<State extends string>(counts: Record<State, number>, states: readonly State[]): string {
  return states.map((state) => String(counts[state]).padStart(COUNT_WIDTH)).join("");
}

/** 1536 → "1.5 KiB"; whole bytes below 1 KiB. */
export function formatBytes(byteCount: number): string {
  let value = byteCount;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}
