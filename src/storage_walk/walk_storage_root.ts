/**
 * Lists what is under one storage root: the one directory walker. Only `audit` (INV-3: every file
 * traces to a key), `status` (bytes per root) and the lifecycle's `cold_tier_bytes` gauge list
 * directories, to measure, never to find work: everything else walks catalog keys (style "no
 * directory listing to find work", reference §5.5).
 *
 * Entries are reported without following symlinks; the caller decides where to descend. A root
 * that does not exist yields nothing (a store that never wrote a file of that kind). A tree deeper
 * than `WALK_DEPTH_MAX` is not a layout we wrote and is refused rather than walked forever.
 * @module
 */

import { type Dirent, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { errnoCode, FullhistoryError } from "../errors.ts";

/** Our layouts are two levels deep (bucket/file, window/file, hot dir/RocksDB files); allow slack. */
export const WALK_DEPTH_MAX = 16;

/** One thing found under a root. */
export interface RootEntry {
  /** Relative to the root, "/"-separated (what `Layout.keyOfPath` takes). */
  readonly relativePath: string;
  /** 1 for entries directly in the root. */
  readonly depth: number;
  readonly type: "file" | "directory" | "other";
  /** Size of a regular file; 0 for anything else. */
  readonly byteCount: number;
}

/** A root or a directory under it could not be listed. */
export class StorageWalkError extends FullhistoryError {
  override name = "StorageWalkError";
}

/**
 * Every entry under `root` in path order (depth first: a directory, then what is in it, in name
 * order). `descend(entry)` says whether to list a directory's contents (default: always).
 */
export function* walkStorageRoot(root: string, options: { descend?: (entry: RootEntry) => boolean } = {}): Generator<RootEntry> {
  // One frame per open directory; the stack is at most WALK_DEPTH_MAX deep.
  const stack: { dir: string; relativeDir: string; depth: number; children: Dirent[]; next: number }[] = [
    { dir: root, relativeDir: "", depth: 1, children: listDir(root, { isRoot: true }), next: 0 },
  ];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const child = frame.children[frame.next++];
    if (child === undefined) {
      stack.pop();
      continue;
    }
    const relativePath = frame.relativeDir === "" ? child.name : `${frame.relativeDir}/${child.name}`;
    const path = join(frame.dir, child.name);
    const entry: RootEntry = { relativePath, depth: frame.depth, type: typeOf(child), byteCount: child.isFile() ? fileBytes(path) : 0 };
    yield entry;
    if (entry.type !== "directory" || !(options.descend?.(entry) ?? true)) continue;
    if (frame.depth >= WALK_DEPTH_MAX) {
      throw new StorageWalkError(`Cannot walk "${path}": deeper than ${WALK_DEPTH_MAX} levels under "${root}", not a layout fullhistory writes`);
    }
    stack.push({ dir: path, relativeDir: relativePath, depth: frame.depth + 1, children: listDir(path, { isRoot: false }), next: 0 });
  }
}

/** Total bytes of the regular files under `root` (0 when it does not exist). */
export function storageRootBytes(root: string): number {
  let byteCount = 0;
  for (const entry of walkStorageRoot(root)) byteCount += entry.byteCount;
  return byteCount;
}

function listDir(dir: string, options: { isRoot: boolean }): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (err) {
    const code = errnoCode(err);
    if (code === undefined) throw err;
    if (code === "ENOENT" && options.isRoot) return []; // nothing of this kind was ever written
    throw new StorageWalkError(`Cannot list "${dir}": ${code}; check the volume and its permissions`, { cause: err });
  }
}

function fileBytes(path: string): number {
  try {
    return lstatSync(path).size;
  } catch (err) {
    const code = errnoCode(err);
    if (code === undefined) throw err;
    // Gone between the listing and the stat: the daemon swept it (reference §5.5); it has no size.
    if (code === "ENOENT") return 0;
    throw new StorageWalkError(`Cannot stat "${path}": ${code}; check the volume and its permissions`, { cause: err });
  }
}

function typeOf(entry: Dirent): RootEntry["type"] {
  if (entry.isFile()) return "file";
  if (entry.isDirectory()) return "directory";
  return "other";
}
