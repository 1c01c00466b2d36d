/**
 * One exclusive, non-blocking `flock` per storage root (D4, reference §4.5, §5.8).
 *
 * Per root, after `path.resolve` and de-duplication, in the given order:
 *   1. remember the deepest existing ancestor of the root;
 *   2. `mkdir -p` the root (0755);
 *   3. fsync every directory from the root up to and including that ancestor, so a root created
 *      now is durable before anything is written under it (§5.8: the artifact barriers only reach
 *      a root's contents, never the root's own entry). ALWAYS at least the root and its parent: a
 *      root that exists may come from an attempt killed between its mkdir and these fsyncs (or
 *      from the operator's `mkdir -p` just before), so its entry may not be durable yet (the same
 *      timeline as docs/catalog.md decision 7, one level up);
 *   4. open or create `{root}/fullhistory.lock` (0644) and `flock(LOCK_EX | LOCK_NB)` it.
 * The first failure releases every lock taken so far, so nothing leaks. The kernel drops a flock
 * when its last fd closes, on any exit including `kill -9`: no stale-lock cleanup exists or is needed.
 * @module
 */

import { closeSync, constants, mkdirSync, openSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fsyncDir, tryFlockExclusive, unlockFlock } from "../../ffi/libc.ts";
import { assert } from "../assert.ts";
import { FatalError, errnoCode } from "../errors.ts";
import { LOCK_FILE_NAME } from "../geometry/layout.ts";

/** Another process (or another `lockRoots` in this one) holds a storage root. */
export class RootLockedError extends FatalError {
  override name = "RootLockedError";
  readonly root: string;

  constructor(root: string) {
    const lockPath = join(root, LOCK_FILE_NAME);
    super(
      `Cannot lock storage root "${root}": another fullhistory process holds ${lockPath}; stop it or point [storage] elsewhere`,
    );
    this.root = root;
  }
}

/** A storage root could not be created, made durable, or its lock file opened (permissions, a file in the way). */
export class StorageRootError extends FatalError {
  override name = "StorageRootError";
}

/** Held locks on distinct, absolute storage roots. `release()` is idempotent. */
export interface RootLocks {
  readonly roots: readonly string[];
  release(): void;
}

const ROOT_DIR_MODE = 0o755;
const LOCK_FILE_MODE = 0o644;

/** Locks every root (see the module comment) or throws having released whatever it took. */
export function lockRoots(roots: readonly string[]): RootLocks {
  for (const root of roots) assert(root.length > 0, "empty storage root (config resolves every root)");
  const distinctRoots = [...new Set(roots.map((root) => resolve(root)))];
  const lockFds: number[] = [];
  try {
    for (const root of distinctRoots) lockFds.push(lockRoot(root));
  } catch (err) {
    releaseFds(lockFds);
    throw err;
  }
  let released = false;
  return {
    roots: distinctRoots,
    release(): void {
      if (released) return;
      released = true;
      releaseFds(lockFds);
    },
  };
}

function lockRoot(root: string): number {
  let existingAncestor: string;
  try {
    existingAncestor = deepestExistingAncestor(root); // step 1
    mkdirSync(root, { recursive: true, mode: ROOT_DIR_MODE }); // step 2
  } catch (err) {
    throw new StorageRootError(
      `Cannot create storage root "${root}": ${describe(err)}; make its parent a writable directory or point [storage] elsewhere`,
      { cause: err },
    );
  }
  fsyncRootChain(root, existingAncestor === root ? dirname(root) : existingAncestor); // step 3
  const lockPath = join(root, LOCK_FILE_NAME);
  let fd: number;
  try {
    fd = openSync(lockPath, constants.O_CREAT | constants.O_RDWR, LOCK_FILE_MODE); // step 4 (O_CLOEXEC: bun-ffi.md §5.2)
  } catch (err) {
    throw new StorageRootError(`Cannot open lock file "${lockPath}": ${describe(err)}; fix its permissions`, { cause: err });
  }
  let locked: boolean;
  try {
    locked = tryFlockExclusive(fd);
  } catch (err) {
    closeSync(fd);
    throw new StorageRootError(`Cannot lock "${lockPath}": ${describe(err)}`, { cause: err });
  }
  if (!locked) {
    closeSync(fd);
    throw new RootLockedError(root);
  }
  return fd;
}

/** The root itself if it exists, else its nearest existing ancestor ("/" always exists). */
function deepestExistingAncestor(root: string): string {
  const depthMax = root.split("/").length; // one step per path segment, then "/" is reached
  let dir = root;
  for (let depth = 0; depth < depthMax; depth++) {
    if (statSync(dir, { throwIfNoEntry: false }) !== undefined) return dir;
    dir = dirname(dir);
  }
  assert(false, `no existing ancestor of "${root}", not even "/"`);
}

function fsyncRootChain(root: string, existingAncestor: string): void {
  const depthMax = root.split("/").length;
  let dir = root;
  for (let depth = 0; depth < depthMax; depth++) {
    try {
      fsyncDir(dir);
    } catch (err) {
      throw new StorageRootError(`Cannot fsync storage root "${root}" (at "${dir}"): ${describe(err)}`, { cause: err });
    }
    if (dir === existingAncestor) return;
    dir = dirname(dir);
  }
  assert(false, `"${existingAncestor}" is not an ancestor of "${root}"`);
}

function releaseFds(fds: readonly number[]): void {
  for (const fd of fds) {
    unlockFlock(fd);
    closeSync(fd); // closing the only fd of the open file description would also release it
  }
}

function describe(err: unknown): string {
  return errnoCode(err) ?? (err instanceof Error ? err.message : String(err));
}
