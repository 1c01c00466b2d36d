/**
 * The shape of the config as a plain tree, derived by walking `CONFIG_SCHEMA` once at load (D3:
 * flags and file keys come from the same schema, so they cannot drift). Sections hold named
 * children; a map (`params`) holds any entry names with string values; leaves are integers or
 * strings. Flag parsing, unknown-key messages and `--help` read this tree, never a second list.
 * @module
 */

import { z } from "zod";
import { InvariantError } from "../assert.ts";
import { CONFIG_SCHEMA } from "./config_schema.ts";

export type ConfigNode =
  | { kind: "section"; children: ReadonlyMap<string, ConfigNode> }
  | { kind: "map"; entry: ConfigNode }
  | { kind: "integer" }
  | { kind: "string" };

function nodeOf(schema: z.core.$ZodType, path: string): ConfigNode {
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional) {
    return nodeOf(schema.unwrap(), path);
  }
  if (schema instanceof z.ZodPipe) return nodeOf(schema.in, path);
  if (schema instanceof z.ZodObject) {
    const children = new Map<string, ConfigNode>();
    for (const [name, child] of Object.entries(schema.shape)) {
      children.set(name, nodeOf(child, path === "" ? name : `${path}.${name}`));
    }
    return { kind: "section", children };
  }
  if (schema instanceof z.ZodRecord) return { kind: "map", entry: nodeOf(schema.valueType, `${path}.*`) };
  if (schema instanceof z.ZodNumber) return { kind: "integer" };
  if (schema instanceof z.ZodString || schema instanceof z.ZodEnum) return { kind: "string" };
  throw new InvariantError(`config schema at "${path}" uses a zod type the flag layer does not know`);
}

/** The whole config tree (the root is a section of sections). */
export const CONFIG_TREE: ConfigNode = nodeOf(CONFIG_SCHEMA, "");

/** The node at `path`; a map's entries are its entry node; undefined when no such key exists. */
export function nodeAt(path: readonly string[]): ConfigNode | undefined {
  let node: ConfigNode = CONFIG_TREE;
  for (const name of path) {
    if (node.kind === "section") {
      const child = node.children.get(name);
      if (child === undefined) return undefined;
      node = child;
    } else if (node.kind === "map") {
      node = node.entry;
    } else {
      return undefined;
    }
  }
  return node;
}

/** Every leaf as a dotted path in schema order; a map appears as `path.KEY`. */
export function leafPaths(): string[] {
  const paths: string[] = [];
  const visit = (node: ConfigNode, path: string): void => {
    switch (node.kind) {
      case "section":
        for (const [name, child] of node.children) visit(child, path === "" ? name : `${path}.${name}`);
        return;
      case "map":
        paths.push(`${path}.KEY`);
        return;
      case "integer":
      case "string":
        paths.push(path);
        return;
    }
  };
  visit(CONFIG_TREE, "");
  return paths;
}
