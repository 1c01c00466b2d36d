/**
 * `[storage]` → the six storage roots (D3, D4; reference §3.1). Each root is the override if given,
 * else its default under `default_data_dir`; every one is resolved to an absolute path against the
 * working directory, lexically (symlinks are not followed: config loading touches no disk beyond
 * reading the file). Two roots on the same path are rejected (reference Appendix B), and so is a
 * root nested inside another: each root is locked (`{root}/fullhistory.lock`, D4) and walked by
 * audit on its own, so one root must never contain another's files.
 * @module
 */

import { isAbsolute, relative, resolve } from "node:path";
import { type StorageRootName, type StorageRoots, STORAGE_ROOT_NAMES } from "../geometry/layout.ts";
import type { StorageConfig } from "./config.ts";
import { ConfigError } from "./config_error.ts";

/** `[storage]` as the schema outputs it. */
export interface StorageSection {
  readonly default_data_dir: string;
  readonly catalog?: string | undefined;
  readonly ledgers?: string | undefined;
  readonly events?: string | undefined;
  readonly txhash_raw?: string | undefined;
  readonly txhash_index?: string | undefined;
  readonly hot?: string | undefined;
}

/** Each root's TOML key and its default below `default_data_dir` (reference §3.1). */
export const STORAGE_ROOT_KEYS: Readonly<Record<StorageRootName, { key: keyof StorageSection; defaultSubdir: string }>> = {
  catalog: { key: "catalog", defaultSubdir: "catalog/rocksdb" },
  ledgers: { key: "ledgers", defaultSubdir: "ledgers" },
  events: { key: "events", defaultSubdir: "events" },
  txhashRaw: { key: "txhash_raw", defaultSubdir: "txhash/raw" },
  txhashIndex: { key: "txhash_index", defaultSubdir: "txhash/index" },
  hot: { key: "hot", defaultSubdir: "hot" },
};

/** True when `inner` lies strictly below `outer` (both absolute and normalized). */
function isNestedIn(inner: string, outer: string): boolean {
  const path = relative(outer, inner);
  return path !== "" && !path.startsWith("..") && !isAbsolute(path);
}

function describeRoot(name: StorageRootName, storage: StorageSection, roots: StorageRoots): string {
  const { key } = STORAGE_ROOT_KEYS[name];
  const origin = storage[key] === undefined ? ", its default" : "";
  return `storage.${key} ("${roots[name]}"${origin})`;
}

/** Resolves and checks the roots; `cwd` anchors relative paths. */
export function resolveStorageRoots(storage: StorageSection, cwd: string): StorageConfig {
  const defaultDataDir = resolve(cwd, storage.default_data_dir);
  const rootOf = (name: StorageRootName): string => {
    const { key, defaultSubdir } = STORAGE_ROOT_KEYS[name];
    const override = storage[key];
    return override === undefined ? resolve(defaultDataDir, defaultSubdir) : resolve(cwd, override);
  };
  const roots: StorageRoots = Object.freeze({
    catalog: rootOf("catalog"),
    ledgers: rootOf("ledgers"),
    events: rootOf("events"),
    txhashRaw: rootOf("txhashRaw"),
    txhashIndex: rootOf("txhashIndex"),
    hot: rootOf("hot"),
  });
  for (const [index, name] of STORAGE_ROOT_NAMES.entries()) {
    for (const other of STORAGE_ROOT_NAMES.slice(index + 1)) {
      if (roots[name] === roots[other]) {
        throw new ConfigError(
          `Invalid config: ${describeRoot(name, storage, roots)} and ${describeRoot(other, storage, roots)} are the same directory: ` +
            "give each storage root its own directory",
        );
      }
    }
  }
  for (const name of STORAGE_ROOT_NAMES) {
    for (const outer of STORAGE_ROOT_NAMES) {
      if (isNestedIn(roots[name], roots[outer])) {
        throw new ConfigError(
          `Invalid config: ${describeRoot(name, storage, roots)} is inside ${describeRoot(outer, storage, roots)}: ` +
            "storage roots must not nest, each is locked and walked on its own",
        );
      }
    }
  }
  return Object.freeze({ defaultDataDir, roots });
}
