/**
 * The subcommand table of the `fullhistory` executable. Every command is one row; `main.ts` only
 * parses global flags, dispatches by `name` and turns what a command throws into an exit status.
 * Adding a command = one import and one row here (keep rows sorted as `--help` lists them).
 * @module
 */

import { AUDIT_COMMAND } from "./audit_command.ts";
import { BACKFILL_COMMAND } from "./backfill_command.ts";
import { CHECK_CONFIG_COMMAND } from "./check_config_command.ts";
import { GET_LEDGER_COMMAND } from "./get_ledger_command.ts";
import { GET_TX_COMMAND } from "./get_tx_command.ts";
import { INSPECT_COMMAND } from "./inspect_command.ts";
import { RUN_COMMAND } from "./run_command.ts";
import { STATUS_COMMAND } from "./status_command.ts";
import { SYNTH_LAKE_COMMAND } from "./synth_lake_command.ts";

/** One subcommand: `fullhistory <name> [args]`. */
export interface Command {
  /** The word after `fullhistory` that selects this command. */
  readonly name: string;
  /** One line for `fullhistory --help`. */
  readonly summary: string;
  /** The full help for `fullhistory <name> --help`: synopsis, then one line per flag. */
  readonly usage: string;
  /**
   * Runs the command with the arguments after its name (global flags such as `--rocksdb-lib` are
   * already removed) and returns the exit status. Expected failures throw a `FullhistoryError`
   * (exit 1); a bad command line throws a `UsageError` (exit 2); anything else is a bug (exit 70).
   */
  run(argv: readonly string[]): Promise<number>;
}

/** Every subcommand, in `--help` order. */
export const COMMANDS: readonly Command[] = [
  RUN_COMMAND,
  BACKFILL_COMMAND,
  STATUS_COMMAND,
  GET_TX_COMMAND,
  GET_LEDGER_COMMAND,
  AUDIT_COMMAND,
  CHECK_CONFIG_COMMAND,
  INSPECT_COMMAND,
  SYNTH_LAKE_COMMAND,
];
