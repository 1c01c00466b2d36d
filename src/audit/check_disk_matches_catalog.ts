/**
 * INV-3, disk matches catalog (reference §2.1, §5.5, Appendix C), checked both ways:
 *
 *   keys → disk   every file of a `frozen` chunk key and of a `frozen` coverage exists as a regular
 *                 file; every `ready` hot key has its directory. (`freezing`/`pruning` keys may
 *                 have any subset of their files: that is what those states mean.)
 *   disk → keys   every file under the artifact roots and every directory under the hot root maps
 *                 through `Layout.keyOfPath` (the one key ↔ path map, D2) to a key the catalog
 *                 holds, in any state. Anything else is stray: an unknown name, a file whose key is
 *                 gone (an unlink the sweep missed), a directory where a file belongs.
 *
 * Not walked: the catalog root (RocksDB's own files) and the inside of hot DB directories. The
 * lock file `fullhistory.lock` of each root (D4) is expected.
 * @module
 */

import { statSync } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../errors.ts";
import { chunkKey, hotKey, indexKey } from "../geometry/keys.ts";
import { type Layout, type StorageRootName, LOCK_FILE_NAME, STORAGE_ROOT_NAMES } from "../geometry/layout.ts";
import type { CatalogSnapshot } from "./catalog_snapshot.ts";
import type { Violation } from "./violation.ts";
import { type RootEntry, walkStorageRoot } from "../storage_walk/walk_storage_root.ts";

/** What the INV-3 check found. */
export interface DiskCheck {
  readonly violations: Violation[];
  /** Frozen files found missing (the integrity check skips their keys). */
  readonly missingPaths: ReadonlySet<string>;
  /** Files and hot directories found under the roots. */
  readonly entryCount: number;
}

/** Checks `snapshot` against the files under `layout`'s roots. */
export function checkDiskMatchesCatalog(layout: Layout, snapshot: CatalogSnapshot): DiskCheck {
  const violations: Violation[] = [];
  const missingPaths = new Set<string>();
  const expect = (key: string, path: string, kind: "file" | "directory") => {
    const detail = missingDetail(path, kind);
    if (detail === undefined) return;
    violations.push({ invariant: "INV-3", key, path, detail });
    missingPaths.add(path);
  };
  for (const entry of snapshot.chunkEntries) {
    if (entry.state !== "frozen") continue;
    for (const path of layout.artifactPaths(entry.chunkId, entry.kind)) expect(chunkKey(entry.chunkId, entry.kind), path, "file");
  }
  for (const entry of snapshot.coverages) {
    if (entry.state === "frozen") expect(indexKey(entry.coverage), layout.indexPath(entry.coverage), "file");
  }
  for (const entry of snapshot.hotEntries) {
    if (entry.state === "ready") expect(hotKey(entry.chunkId), layout.hotDbDir(entry.chunkId), "directory");
  }
  const keys = catalogKeys(snapshot);
  let entryCount = 0;
  for (const rootName of STORAGE_ROOT_NAMES) {
    if (rootName === "catalog") continue;
    const root = layout.roots[rootName];
    // Artifact roots hold {bucket or window}/{file}; the hot root holds {chunk}/ (RocksDB inside).
    const descend = (entry: RootEntry) => rootName !== "hot" && entry.depth === 1;
    for (const entry of walkStorageRoot(root, { descend })) {
      const detail = strayDetail(layout, { rootName, entry, keys });
      if (detail === "not an artifact") continue;
      entryCount++;
      if (detail !== undefined) violations.push({ invariant: "INV-3", key: detail.key, path: join(root, entry.relativePath), detail: detail.text });
    }
  }
  return { violations, missingPaths, entryCount };
}

/** Why a frozen/ready key's file or dir is not usable, or undefined when it is. */
function missingDetail(path: string, kind: "file" | "directory"): string | undefined {
  let isKind: boolean;
  try {
    const stats = statSync(path);
    isKind = kind === "file" ? stats.isFile() : stats.isDirectory();
  } catch (err) {
    const code = errnoCode(err);
    if (code === undefined) throw err;
    return code === "ENOENT" ? `${kind === "file" ? "frozen" : "ready"} but the ${kind} is missing` : `cannot stat it (${code})`;
  }
  return isKind ? undefined : `${kind === "file" ? "frozen" : "ready"} but it is not a ${kind}`;
}

/**
 * Judges one entry: "not an artifact" for a bucket or window directory (the walk descends into
 * it) and the root's lock file, undefined for an entry its key accounts for, else what is stray.
 */
function strayDetail(
  layout: Layout,
  found: { rootName: StorageRootName; entry: RootEntry; keys: ReadonlySet<string> },
): "not an artifact" | { key: string | undefined; text: string } | undefined {
  const { rootName, entry, keys } = found;
  const isHotRoot = rootName === "hot";
  if (entry.depth === 1 && entry.type === "file" && entry.relativePath === LOCK_FILE_NAME) return "not an artifact";
  if (!isHotRoot && entry.depth === 1 && entry.type === "directory") return "not an artifact";
  const wantType = isHotRoot ? "directory" : "file";
  const key = layout.keyOfPath(rootName, entry.relativePath);
  if (entry.type !== wantType) return { key, text: `stray ${entry.type}: a ${wantType} belongs here` };
  if (key === undefined) return { key, text: `stray ${entry.type}: no catalog key could name it` };
  if (!keys.has(key)) return { key, text: `orphaned ${entry.type}: its catalog key is absent` };
  return undefined;
}

function catalogKeys(snapshot: CatalogSnapshot): Set<string> {
  const keys = new Set<string>();
  for (const entry of snapshot.chunkEntries) keys.add(chunkKey(entry.chunkId, entry.kind));
  for (const entry of snapshot.coverages) keys.add(indexKey(entry.coverage));
  for (const entry of snapshot.hotEntries) keys.add(hotKey(entry.chunkId));
  return keys;
}
