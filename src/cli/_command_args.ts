/**
 * Splits a read-only command's own arguments (`get-tx HASH`, `--json`, `--deep N`) from the config
 * arguments (`--config FILE`, `--section.key=VALUE`), which go to `parseConfigArgs` untouched (D3).
 * The split follows `parseConfigArgs`'s own reading of a flag: `--name=value` is one argument,
 * `--name value` takes the next one unless it starts with `--`. So `--config x.toml HASH` leaves
 * HASH as the positional and `x.toml` with `--config`.
 * @module
 */

import { UsageError } from "../errors.ts";

/** The command's own flags: a switch takes no value, a value flag takes one (`--deep 3`, `--deep=3`). */
export interface CommandFlagSpec {
  readonly switches: readonly string[];
  readonly valueFlags: readonly string[];
}

export interface CommandArgs {
  /** Positional arguments, in order. */
  readonly positionals: readonly string[];
  /** Switches given (by name without `--`). */
  readonly switches: ReadonlySet<string>;
  /** Value flags given (by name without `--`). */
  readonly values: ReadonlyMap<string, string>;
  /** Everything else, for `parseConfigArgs`. */
  readonly configArgv: readonly string[];
}

/** Splits `argv` by `spec`; a command flag given twice or a value flag without a value is a `UsageError`. */
export function splitCommandArgs(argv: readonly string[], spec: CommandFlagSpec): CommandArgs {
  const positionals: string[] = [];
  const switches = new Set<string>();
  const values = new Map<string, string>();
  const configArgv: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const equalsAt = arg.indexOf("=");
    const name = arg.slice(2, equalsAt === -1 ? undefined : equalsAt);
    if (spec.switches.includes(name)) {
      if (equalsAt !== -1) throw new UsageError(`Flag --${name} takes no value: give --${name} alone`);
      if (switches.has(name)) throw new UsageError(`Flag --${name} is given twice; give it once`);
      switches.add(name);
      continue;
    }
    const next = argv[index + 1];
    const takesNext = equalsAt === -1 && next !== undefined && !next.startsWith("--");
    if (spec.valueFlags.includes(name)) {
      const value = equalsAt !== -1 ? arg.slice(equalsAt + 1) : takesNext ? next : undefined;
      if (value === undefined || value === "") throw new UsageError(`Flag --${name} needs a value: --${name}=VALUE or --${name} VALUE`);
      if (values.has(name)) throw new UsageError(`Flag --${name} is given twice; give it once`);
      values.set(name, value);
      if (equalsAt === -1) index++;
      continue;
    }
    configArgv.push(arg);
    if (takesNext) {
      configArgv.push(next);
      index++;
    }
  }
  return { positionals, switches, values, configArgv };
}

/** The one positional argument `name` of `command`, or a `UsageError` showing the synopsis. */
export function onePositional(args: CommandArgs, usage: { command: string; name: string }): string {
  const [positional] = args.positionals;
  if (positional === undefined || args.positionals.length !== 1) {
    throw new UsageError(`${usage.command} takes exactly one ${usage.name}: fullhistory ${usage.command} ${usage.name} --config FILE`);
  }
  return positional;
}

/**
 * Runs `parse` (a strict `util.parseArgs` call of `command`) and turns its rejections — an unknown
 * option, an option without its value — into a one-line `UsageError` (exit 2), not a bug (exit 70).
 */
export function parseCommandFlags<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof TypeError) || !("code" in err) || !String(err.code).startsWith("ERR_PARSE_ARGS_")) throw err;
    const firstSentence = err.message.split(". ")[0]!;
    throw new UsageError(`${command}: ${firstSentence}; run fullhistory ${command} --help`);
  }
}
