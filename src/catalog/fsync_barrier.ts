/**
 * The fsync primitives the one-write protocol and the sweeps stand on (reference §5.1). A new file
 * is durable only once its data AND the directory entries naming it are fsynced: the file, its
 * parent, and the grandparent that names the parent. Storage roots themselves are made durable at
 * lock time (reference §5.8), so the grandparent of an artifact (its root) always exists.
 *
 * Deviation from reference §5.1/§5.2 step 4 (docs/catalog.md decision 7): the barrier fsyncs the
 * grandparent ALWAYS, not only when this attempt created the parent. Timeline the reference leaves
 * open: 1. attempt 1 mkdirs a bucket dir  2. crash before its barrier  3. attempt 2 finds the dir,
 * so "new parent" is false and the root is never fsynced  4. flip → `frozen`  5. power loss: POSIX
 * lets the bucket's entry in the root vanish, taking a frozen file with it (INV-3). One extra dir
 * fsync per barrier closes it, and nothing needs to remember which dirs were new.
 * @module
 */

import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { fsyncDir, fsyncPath } from "../../ffi/libc.ts";
import { assert } from "../assert.ts";
import { errnoCode, FullhistoryError } from "../errors.ts";

/** A path where the layout needs a directory holds something else. */
export class ArtifactDirError extends FullhistoryError {
  override name = "ArtifactDirError";
}

/** Bucket and window directories are 0755 (reference §3.1). */
const ARTIFACT_DIR_MODE = 0o755;

/**
 * §5.2 / §5.3 step 4: creates every missing distinct parent directory of `paths`. Call before
 * writing. Each parent's own parent (a storage root) must already exist.
 */
export function createParentDirs(paths: readonly string[]): void {
  for (const parentDir of distinctParentDirs(paths)) {
    if (directoryExists(parentDir)) continue;
    assert(directoryExists(dirname(parentDir)), `storage root "${dirname(parentDir)}" is missing (locked roots exist, §5.8)`);
    try {
      mkdirSync(parentDir, { mode: ARTIFACT_DIR_MODE });
    } catch (err) {
      // Another worker created it between our stat and mkdir; the barrier fsyncs the grandparent
      // either way, so its entry becomes durable with ours.
      if (errnoCode(err) !== "EEXIST") throw err;
    }
  }
}

/** fsync file → parent → grandparent (reference §5.1 `BarrierNewFile`, grandparent always: see @module). */
export function barrierNewFile(path: string): void {
  barrierNewFiles([path]);
}

/**
 * `barrierNewFile` over many paths with each directory fsynced once: every file, then every
 * distinct parent, then every distinct grandparent. Per path the order is the same as
 * `barrierNewFile`'s.
 */
export function barrierNewFiles(paths: readonly string[]): void {
  for (const path of paths) fsyncPath(path);
  const parentDirs = distinctParentDirs(paths);
  for (const parentDir of parentDirs) fsyncDir(parentDir);
  for (const grandparentDir of distinctParentDirs(parentDirs)) fsyncDir(grandparentDir);
}

/** fsyncs each distinct parent directory of `paths` once (reference §5.1 `FsyncParentDirs`). */
export function fsyncParentDirs(paths: readonly string[]): void {
  for (const parentDir of distinctParentDirs(paths)) fsyncDir(parentDir);
}

function distinctParentDirs(paths: readonly string[]): string[] {
  return [...new Set(paths.map((path) => dirname(path)))];
}

function directoryExists(dir: string): boolean {
  const stats = statSync(dir, { throwIfNoEntry: false });
  if (stats === undefined) return false;
  if (stats.isDirectory()) return true;
  throw new ArtifactDirError(`Cannot use "${dir}" as an artifact directory: it exists but is not a directory; move it away and restart`);
}
