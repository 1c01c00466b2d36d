/**
 * Command-line config arguments (D3): `--config FILE` (required) and one flag per config leaf,
 * `--section.key=value` or `--section.key value`; a map entry is a leaf too
 * (`--backfill.datastore.params.destination_path=/x`). Flag names come from the schema tree, so a
 * flag exists exactly when the TOML key does. No environment variables are read.
 * @module
 */

import { UsageError } from "../errors.ts";
import { closestName } from "./_did_you_mean.ts";
import { CONFIG_TREE, type ConfigNode, leafPaths } from "./_config_tree.ts";

/** One `--section.key=value` flag, typed by its leaf: integer leaves carry a number when the text is one. */
export interface ConfigOverride {
  /** The TOML path, e.g. ["backfill", "workers"] or ["backfill", "datastore", "params", "region"]. */
  readonly path: readonly string[];
  readonly value: string | number;
  /** The flag as the operator spelled its name, for error messages: "--backfill.workers". */
  readonly flag: string;
}

export interface ConfigArgs {
  /** `--config`, as given (relative paths are relative to the working directory). */
  readonly configPath: string;
  /** Flags in command-line order; each path appears once. */
  readonly overrides: readonly ConfigOverride[];
}

const CONFIG_FLAG = "config";
/** Decimal integer text; anything else reaches the schema as a string and is rejected there. */
const INTEGER_TEXT_RE = /^[+-]?\d+$/;

/** Every config flag name in schema order, `--section.key`; a map shows as `--path.KEY`. */
export function configFlagNames(): string[] {
  return leafPaths().map((path) => `--${path}`);
}

/** Walks `segments` down the tree: the TOML path of the leaf it names, or a usage error. */
function overridePath(segments: readonly string[], flag: string): { path: string[]; leaf: ConfigNode } {
  let node: ConfigNode = CONFIG_TREE;
  for (let index = 0; index < segments.length; index++) {
    if (node.kind === "map") {
      // A map's entry name may itself contain dots: everything after the map is the entry name.
      const entryName = segments.slice(index).join(".");
      if (entryName === "") throw new UsageError(`Flag ${flag} has an empty entry name: ${flag.replace(/\.$/, "")}.KEY=VALUE`);
      return { path: [...segments.slice(0, index), entryName], leaf: node.entry };
    }
    const child: ConfigNode | undefined = node.kind === "section" ? node.children.get(segments[index]!) : undefined;
    if (child === undefined) throw unknownFlag(flag);
    node = child;
  }
  if (node.kind === "section") {
    throw new UsageError(`Flag ${flag} names a section, not a key: give one key, e.g. ${flag}.${[...node.children.keys()][0]}=VALUE`);
  }
  if (node.kind === "map") throw new UsageError(`Flag ${flag} names a map: give one entry, ${flag}.KEY=VALUE`);
  return { path: [...segments], leaf: node };
}

function unknownFlag(flag: string): UsageError {
  const suggestion = closestName(flag, configFlagNames());
  const hint = suggestion === undefined ? "run with --help for every flag" : `did you mean ${suggestion}?`;
  return new UsageError(`Unknown flag ${flag} (${hint})`);
}

/**
 * Splits `argv[index]` into a flag name and its value, consuming the next argument when needed.
 * `value` is undefined when none was given: the caller names an unknown flag before asking for one.
 */
function readFlag(argv: readonly string[], index: number): { name: string; value: string | undefined; nextIndex: number } {
  const arg = argv[index]!;
  if (!arg.startsWith("--") || arg === "--") {
    throw new UsageError(`Unexpected argument "${arg}": flags look like --config FILE or --section.key=VALUE`);
  }
  const equalsAt = arg.indexOf("=");
  if (equalsAt !== -1) return { name: arg.slice(2, equalsAt), value: arg.slice(equalsAt + 1), nextIndex: index + 1 };
  const value = argv[index + 1];
  if (value === undefined || value.startsWith("--")) return { name: arg.slice(2), value: undefined, nextIndex: index + 1 };
  return { name: arg.slice(2), value, nextIndex: index + 2 };
}

function requireValue(flag: string, value: string | undefined): string {
  if (value === undefined) throw new UsageError(`Flag ${flag} needs a value: ${flag}=VALUE or ${flag} VALUE`);
  return value;
}

/** Parses `--config FILE [--section.key=VALUE ...]`; every problem is a one-line `UsageError`. */
export function parseConfigArgs(argv: readonly string[]): ConfigArgs {
  let configPath: string | undefined;
  const overrides: ConfigOverride[] = [];
  const seenFlags = new Set<string>();
  for (let index = 0; index < argv.length; ) {
    const { name, value, nextIndex } = readFlag(argv, index);
    index = nextIndex;
    const flag = `--${name}`;
    if (seenFlags.has(flag)) throw new UsageError(`Flag ${flag} is given twice; give it once`);
    seenFlags.add(flag);
    if (name === CONFIG_FLAG) {
      configPath = requireValue(flag, value);
      if (configPath === "") throw new UsageError("Flag --config needs a non-empty path");
      continue;
    }
    const { path, leaf } = overridePath(name.split("."), flag);
    const text = requireValue(flag, value);
    const typedValue = leaf.kind === "integer" && INTEGER_TEXT_RE.test(text) ? Number(text) : text;
    overrides.push({ path, value: typedValue, flag });
  }
  if (configPath === undefined) {
    throw new UsageError("Missing --config: pass the path of your fullhistory.toml, e.g. --config fullhistory.toml");
  }
  return { configPath, overrides };
}
