/**
 * `fullhistory get-ledger SEQ --config FILE [--raw]`: one ledger from retained history — its frozen
 * pack, or the `ready` hot DB of a chunk not frozen yet (reference §6, §8.4, §8.9) — as one JSON
 * line, the same summary `inspect` prints plus the whole LedgerCloseMeta:
 *
 *   {"seq":50002,"closeTime":1700250010,"protocol":25,"txHashes":["…"],"innerHashes":[],
 *    "eventCount":4,"txCount":1,"metadataXdr":"<base64 LedgerCloseMeta>"}
 *
 * `--raw` writes the LedgerCloseMeta XDR bytes to stdout instead (`inspect` reads such a file).
 * Below the floor, neither frozen nor in a ready hot DB, or not ingested yet: not found, one line
 * on stderr, exit 1.
 * @module
 */

import { UsageError } from "../errors.ts";
import { FIRST_LEDGER_SEQ, LEDGER_SEQ_MAX, type LedgerSeq } from "../geometry/chunk.ts";
import { NotFoundError } from "../read/not_found_error.ts";
import { readLedger } from "../read/read_ledger.ts";
import { describeRetainedRange } from "../read/retained_range.ts";
import { onePositional, splitCommandArgs } from "./_command_args.ts";
import { withStoreReads } from "./_open_read_only.ts";
import type { Command } from "./commands.ts";
import { describeLedger } from "./inspect_command.ts";

const RAW_FLAG = "raw";

export const GET_LEDGER_COMMAND: Command = {
  name: "get-ledger",
  summary: "Print a ledger's summary and LedgerCloseMeta as JSON (or raw XDR)",
  usage: [
    "fullhistory get-ledger SEQ --config FILE [--raw] [--section.key=VALUE ...]",
    "  Prints one JSON line: seq, closeTime, protocol, txHashes, innerHashes, eventCount, txCount,",
    "  metadataXdr (the base64 LedgerCloseMeta).",
    "  --raw   write the LedgerCloseMeta XDR bytes to stdout instead",
    "  Exit 0 when found, 1 when not in the retained history (one line on stderr), 2 on a bad SEQ.",
  ].join("\n"),
  async run(argv) {
    const args = splitCommandArgs(argv, { switches: [RAW_FLAG], valueFlags: [] });
    const ledgerSeq = parseLedgerSeq(onePositional(args, { command: "get-ledger", name: "SEQ" }));
    return withStoreReads(args.configArgv, ({ tiers, retained }) => {
      const lcmBytes = readLedger(tiers, ledgerSeq, retained);
      if (lcmBytes === undefined) {
        throw new NotFoundError(`Ledger ${ledgerSeq} not found in retained history ${describeRetainedRange(retained)}`);
      }
      if (args.switches.has(RAW_FLAG)) {
        process.stdout.write(lcmBytes);
      } else {
        const summary = describeLedger(lcmBytes);
        const json = { ...summary, txCount: summary.txHashes.length, metadataXdr: Buffer.from(lcmBytes).toString("base64") };
        process.stdout.write(`${JSON.stringify(json)}\n`);
      }
      return 0;
    });
  },
};

function parseLedgerSeq(text: string): LedgerSeq {
  const value = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= FIRST_LEDGER_SEQ && value <= LEDGER_SEQ_MAX)) {
    throw new UsageError(`Invalid ledger sequence "${text}": want a whole number from ${FIRST_LEDGER_SEQ} to ${LEDGER_SEQ_MAX}`);
  }
  return value as LedgerSeq;
}
