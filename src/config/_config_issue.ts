/**
 * Turns the first zod issue of a rejected config into the ONE line an operator reads (D3): the
 * key as a dotted path, the bad value (and the flag that set it), and what is allowed. Unknown
 * keys and sections get a "did you mean" from the schema tree, or the list of what the section
 * takes. Keys the reference had but we dropped say what replaced them.
 * @module
 */

import type { z } from "zod";
import { assert } from "../assert.ts";
import { closestName } from "./_did_you_mean.ts";
import { type ConfigNode, leafPaths, nodeAt } from "./_config_tree.ts";

/** Reference keys (§4.1, Appendix B) an operator may carry over, with what to do instead. */
const RETIRED_KEYS: ReadonlyMap<string, string> = new Map([
  ["layout", "the tx-hash index window is fixed at 1000 chunks (README D1); remove the section"],
  ["layout.chunks_per_txhash_index", "the tx-hash index window is fixed at 1000 chunks (README D1); remove it"],
  ["service.default_data_dir", "it moved: write default_data_dir under [storage]"],
  ["ingestion.captive_core_config", "the live source tails the lake, not captive core (README D12); remove it"],
  ["backfill.bsb.bucket_path", "the lake location is a [backfill.datastore] params entry; see docs/configuration.md"],
]);

/** The value at `path` in the (merged) input document. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const name of path) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[name];
  }
  return value;
}

/** A TOML table: smol-toml builds them without a prototype, overrides with a plain `{}`. */
function isTable(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || prototype === Object.prototype;
}

/** A value as the operator wrote it: strings quoted, numbers bare, tables and arrays named. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "an array";
  if (isTable(value)) return "a table";
  return String(value);
}

function dotted(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}

function unknownKeyMessage(parentPath: readonly PropertyKey[], name: string, input: unknown): string {
  const path = [...parentPath, name];
  const isSection = isTable(valueAt(input, path));
  const label = isSection ? `section [${dotted(path)}]` : `key ${dotted(path)}`;
  const retired = RETIRED_KEYS.get(dotted(path));
  if (retired !== undefined) return `Invalid config: unknown ${label}: ${retired}`;
  const parent = nodeAt(parentPath.map(String));
  const siblings = parent?.kind === "section" ? [...parent.children.keys()] : [];
  const sibling = closestName(name, siblings);
  if (sibling !== undefined) {
    const suggestion = [...parentPath.map(String), sibling].join(".");
    return `Invalid config: unknown ${label} (did you mean ${isSection ? `[${suggestion}]` : suggestion}?)`;
  }
  const elsewhere = leafPaths().find((leafPath) => leafPath.endsWith(`.${name}`));
  if (elsewhere !== undefined) return `Invalid config: unknown ${label} (did you mean ${elsewhere}?)`;
  const where = parentPath.length === 0 ? "the file takes sections" : `[${dotted(parentPath)}] takes`;
  return `Invalid config: unknown ${label} (${where} ${siblings.join(", ")})`;
}

function invalidValueMessage(issue: z.core.$ZodIssue, input: unknown, flagByPath: ReadonlyMap<string, string>): string {
  const key = dotted(issue.path);
  const node: ConfigNode | undefined = nodeAt(issue.path.map(String));
  const allowed = node?.kind === "section" || node?.kind === "map" ? `must be a table ([${key}])` : issue.message;
  const value = valueAt(input, issue.path);
  if (value === undefined) return `Invalid config: ${key} is missing: ${allowed}`;
  const flag = flagByPath.get(key);
  const source = flag === undefined ? "" : ` (from ${flag})`;
  return `Invalid config: ${key} = ${describeValue(value)}${source}: ${allowed}`;
}

/**
 * The one-line message for a failed parse of `input`. Unknown keys come first: a typo'd key
 * usually also leaves a required key missing, and the typo is the thing to fix.
 */
export function configIssueMessage(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  flagByPath: ReadonlyMap<string, string>,
): string {
  const unknown = issues.find((issue) => issue.code === "unrecognized_keys");
  if (unknown !== undefined && unknown.code === "unrecognized_keys") {
    return unknownKeyMessage(unknown.path, unknown.keys[0]!, input);
  }
  const first = issues[0];
  assert(first !== undefined, "zod rejected the config without an issue");
  return invalidValueMessage(first, input, flagByPath);
}
