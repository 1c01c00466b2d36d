/**
 * The fsync primitives the one-write protocol and the sweeps stand on (reference §5.1). A new file
 * is durable only once its data AND the directory entries naming it are fsynced: the file, its
 * parent, and — when this attempt created the parent — the grandparent that names the parent.
 * Storage roots themselves are made durable at lock time (reference §5.8), so the grandparent of an
 * artifact (its root) always exists.
 * @module
 */

import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { fsyncDir, fsyncPath } from "../../ffi/libc.ts";
import { assert } from "../assert.ts";
import { errnoCode, FullhistoryError } from "../errors.ts";

/** Parent directories this attempt created (§5.2 step 4): their own entries still need an fsync. */
export type NewParentDirs = ReadonlySet<string>;

/** A path where the layout needs a directory holds something else. */
export class ArtifactDirError extends FullhistoryError {
  override name = "ArtifactDirError";
}

/** Bucket and window directories are 0755 (reference §3.1). */
const ARTIFACT_DIR_MODE = 0o755;

/**
 * §5.2 / §5.3 step 4: records which distinct parent directories of `paths` do not exist yet, then
 * creates them. Call before writing; pass the result to `barrierNewFiles`. Each parent's own parent
 * (a storage root) must already exist.
 */
export function createParentDirs(paths: readonly string[]): NewParentDirs {
  const created = new Set<string>();
  for (const parentDir of new Set(paths.map((path) => dirname(path)))) {
    if (directoryExists(parentDir)) continue;
    assert(directoryExists(dirname(parentDir)), `storage root "${dirname(parentDir)}" is missing (locked roots exist, §5.8)`);
    try {
      mkdirSync(parentDir, { mode: ARTIFACT_DIR_MODE });
    } catch (err) {
      // Another worker created it between our stat and mkdir; its entry may not be durable yet, so
      // this attempt still fsyncs the grandparent.
      if (errnoCode(err) !== "EEXIST") throw err;
    }
    created.add(parentDir);
  }
  return created;
}

/** fsync file → parent → (if `newParent`) grandparent (reference §5.1 `BarrierNewFile`). */
export function barrierNewFile(path: string, options: { newParent: boolean }): void {
  fsyncPath(path);
  fsyncDir(dirname(path));
  if (options.newParent) fsyncDir(dirname(dirname(path)));
}

/**
 * `barrierNewFile` over many paths with each directory fsynced once: every file, then every
 * distinct parent, then the grandparent of every parent in `newParentDirs`. Per path the order is
 * the same as `barrierNewFile`'s.
 */
export function barrierNewFiles(paths: readonly string[], options: { newParentDirs: NewParentDirs }): void {
  for (const path of paths) fsyncPath(path);
  const parentDirs = new Set(paths.map((path) => dirname(path)));
  for (const parentDir of parentDirs) fsyncDir(parentDir);
  const grandparentDirs = new Set([...parentDirs].filter((dir) => options.newParentDirs.has(dir)).map((dir) => dirname(dir)));
  for (const grandparentDir of grandparentDirs) fsyncDir(grandparentDir);
}

/** fsyncs each distinct parent directory of `paths` once (reference §5.1 `FsyncParentDirs`). */
export function fsyncParentDirs(paths: readonly string[]): void {
  for (const parentDir of new Set(paths.map((path) => dirname(path)))) fsyncDir(parentDir);
}

function directoryExists(dir: string): boolean {
  const stats = statSync(dir, { throwIfNoEntry: false });
  if (stats === undefined) return false;
  if (stats.isDirectory()) return true;
  throw new ArtifactDirError(`Cannot use "${dir}" as an artifact directory: it exists but is not a directory; move it away and restart`);
}
