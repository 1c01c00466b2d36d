/**
 * The `fullhistory` executable's entry point (`bun build --compile src/cli/main.ts`). It parses the
 * global flags, dispatches to one row of `COMMANDS` and owns the exit status (style: no
 * `process.exit` below the CLI entry and the supervisor):
 *
 *   0   success
 *   1   expected failure (`FullhistoryError`): one line on stderr, no stack
 *   2   bad command line (`UsageError`)
 *   70  anything else: a bug (EX_SOFTWARE); the message and stack go to stderr
 * @module
 */

import { version } from "../../package.json";
import { loadRocksLibrary } from "../../ffi/rocksdb.ts";
import { errnoCode, FullhistoryError, UsageError } from "../errors.ts";
import { type Command, COMMANDS } from "./commands.ts";
import { RUN_COMMAND } from "./run_command.ts";

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_BUG = 70;

const ROCKSDB_LIB_FLAG = "--rocksdb-lib";

function usageText(): string {
  const nameWidth = Math.max(...COMMANDS.map((command) => command.name.length));
  const commandLines = COMMANDS.map((command) => `  ${command.name.padEnd(nameWidth)}   ${command.summary}`);
  return [
    `fullhistory ${version}: Stellar full-history ledger daemon`,
    "",
    "Usage:",
    "  fullhistory --config FILE [--section.key=VALUE ...]   run the daemon",
    "  fullhistory COMMAND [ARGS ...]                        run one command",
    "  fullhistory COMMAND --help                            help for one command",
    "  fullhistory --help | --version",
    "",
    "Commands:",
    ...commandLines,
    "",
    "Global flags (accepted anywhere on the command line):",
    `  ${ROCKSDB_LIB_FLAG} PATH   load librocksdb from PATH and nowhere else`,
    "",
    "Every config key is also a flag: --section.key=VALUE beats the file, which beats the default.",
    "Exit status: 0 ok, 1 failure (one line on stderr), 2 usage error, 70 internal error (a bug).",
    "",
  ].join("\n");
}

/** Removes `--rocksdb-lib PATH` / `--rocksdb-lib=PATH` wherever it appears (D13). */
function takeRocksLibFlag(argv: readonly string[]): { rest: string[]; rocksLibPath: string | undefined } {
  const rest: string[] = [];
  let rocksLibPath: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    let value: string | undefined;
    if (arg === ROCKSDB_LIB_FLAG) {
      value = argv[index + 1];
      index++;
      if (value === undefined || value.startsWith("--")) {
        throw new UsageError(`Flag ${ROCKSDB_LIB_FLAG} needs a value: ${ROCKSDB_LIB_FLAG} /path/to/librocksdb.so`);
      }
    } else if (arg.startsWith(`${ROCKSDB_LIB_FLAG}=`)) {
      value = arg.slice(ROCKSDB_LIB_FLAG.length + 1);
    } else {
      rest.push(arg);
      continue;
    }
    if (value === "") throw new UsageError(`Flag ${ROCKSDB_LIB_FLAG} needs a non-empty path`);
    if (rocksLibPath !== undefined) throw new UsageError(`Flag ${ROCKSDB_LIB_FLAG} is given twice; give it once`);
    rocksLibPath = value;
  }
  return { rest, rocksLibPath };
}

function findCommand(name: string): Command {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command !== undefined) return command;
  throw new UsageError(`Unknown command "${name}": run fullhistory --help for the list of commands`);
}

async function dispatch(argv: readonly string[]): Promise<number> {
  const { rest, rocksLibPath } = takeRocksLibFlag(argv);
  const first = rest[0];
  if (first === undefined) {
    process.stderr.write(usageText());
    return EXIT_USAGE;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(usageText());
    return EXIT_OK;
  }
  if (first === "--version") {
    process.stdout.write(`fullhistory ${version}\n`);
    return EXIT_OK;
  }
  const command = first.startsWith("-") ? RUN_COMMAND : findCommand(first);
  const commandArgv = first.startsWith("-") ? rest : rest.slice(1);
  if (commandArgv.includes("--help") || commandArgv.includes("-h")) {
    process.stdout.write(`${command.usage}\n`);
    return EXIT_OK;
  }
  // Load the operator's library now, before any command opens a database: the loader's first
  // call wins and an explicit path never falls back (D13). Without the flag, loading stays lazy.
  if (rocksLibPath !== undefined) loadRocksLibrary({ explicitPath: rocksLibPath });
  return command.run(commandArgv);
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`fullhistory: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof FullhistoryError) {
      process.stderr.write(`fullhistory: ${err.message}\n`);
      return EXIT_FAILURE;
    }
    const detail = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
    process.stderr.write(`fullhistory: internal error (a bug, please report it): ${detail}\n`);
    return EXIT_BUG;
  }
}

// A failed write of the output (`get-ledger --raw > file` on a full disk) is an expected failure:
// one line and exit 1, not an unhandled stream error with a stack. A reader that closed the pipe
// early (`status | head -1`) took what it wanted: nothing to say.
let stdoutFailed = false;
process.stdout.on("error", (err: unknown) => {
  const code = errnoCode(err);
  if (code === "EPIPE") return;
  process.stderr.write(`fullhistory: Cannot write to stdout (${code ?? String(err)}); check where the output is redirected\n`);
  stdoutFailed = true;
  process.exitCode = EXIT_FAILURE; // the error may come after main() returned
});

const exitStatus = await main(process.argv.slice(2));
process.exitCode = stdoutFailed && exitStatus === EXIT_OK ? EXIT_FAILURE : exitStatus;
