/**
 * The `Filesystem` datastore (go-stellar-sdk; lake-and-xdr §1.5): keys are files under
 * `destination_path`. Read-only. Errors a retry can cure on network and FUSE mounts (EIO, ESTALE,
 * ETIMEDOUT, EAGAIN, EINTR) are transient; a missing file is "absent", anything else is permanent.
 * @module
 */

import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { assert } from "../assert.ts";
import { errnoCode } from "../errors.ts";
import { LakeConfigError, LakeUnavailableError, TransientStoreError } from "./lake_errors.ts";
import { type ObjectStore } from "./object_store.ts";

/** The datastore params of type `Filesystem` (`[backfill.datastore.params]`). */
export interface FilesystemStoreOptions {
  /** The datastore root: the directory holding `.config.json` and the partition directories. */
  readonly destinationPath: string;
}

const TRANSIENT_ERRNO = new Set(["EIO", "ESTALE", "ETIMEDOUT", "EAGAIN", "EINTR"]);

/** Opens a Filesystem store; the root must exist and be a directory. */
export async function openFilesystemStore(options: FilesystemStoreOptions): Promise<ObjectStore> {
  const root = options.destinationPath;
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(root)).isDirectory();
  } catch (err) {
    const code = errnoCode(err);
    if (code === undefined) throw err;
    if (code !== "ENOENT") {
      throw new LakeConfigError(
        `Cannot open Filesystem datastore: destination_path "${root}" cannot be read (${code}); ` +
          "check [backfill.datastore.params] destination_path and its permissions",
        { cause: err },
      );
    }
    throw new LakeConfigError(
      `Cannot open Filesystem datastore: destination_path "${root}" does not exist; ` +
        `set [backfill.datastore.params] destination_path to the lake's root directory`,
    );
  }
  if (!isDirectory) {
    throw new LakeConfigError(`Cannot open Filesystem datastore: destination_path "${root}" is not a directory`);
  }
  return new FilesystemStore(root);
}

class FilesystemStore implements ObjectStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  locate(key: string): string {
    return join(this.#root, key);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await Bun.file(this.locate(key)).bytes();
    } catch (err) {
      const code = errnoCode(err);
      if (code === "ENOENT") return undefined;
      if (code !== undefined && TRANSIENT_ERRNO.has(code)) {
        throw new TransientStoreError(`reading "${this.locate(key)}" failed (${code})`, { cause: err });
      }
      if (code === undefined) throw err;
      throw new LakeUnavailableError(`Cannot read lake object "${this.locate(key)}": ${code}; check the lake's files and their permissions`, {
        cause: err,
      });
    }
  }

  async listChildren(dirKey: string, limit: number): Promise<string[]> {
    assert(limit >= 1, `listing limit ${limit} must be >= 1`);
    let entries;
    try {
      entries = await readdir(this.locate(dirKey), { withFileTypes: true });
    } catch (err) {
      const code = errnoCode(err);
      if (code === "ENOENT") return [];
      if (code !== undefined && TRANSIENT_ERRNO.has(code)) {
        throw new TransientStoreError(`listing "${this.locate(dirKey)}" failed (${code})`, { cause: err });
      }
      if (code === undefined) throw err;
      throw new LakeUnavailableError(`Cannot list lake directory "${this.locate(dirKey)}": ${code}; check the lake's files and their permissions`, {
        cause: err,
      });
    }
    const names = entries.map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name));
    names.sort(compareCodeUnits);
    return names.slice(0, limit);
  }
}

/** Byte-wise ascending order, the order S3 lists keys in (not locale order). */
export function compareCodeUnits(left: string, right: string): number {
  if (left < right) return -1;
  return left > right ? 1 : 0;
}
