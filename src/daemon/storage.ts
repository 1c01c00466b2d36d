/**
 * The daemon's storage, opened in the order of reference §7.6 steps 2–3: lock every storage root
 * (D4; fails fast naming the root another process holds), then open the catalog read-write. The
 * locks are held until `close()`, which closes the catalog first and releases the locks last, so
 * no other process can open a root while this one still writes to it. A failure while opening
 * releases whatever was taken.
 * @module
 */

import { type Catalog, closeCatalog, openCatalog } from "../catalog/catalog.ts";
import type { StorageConfig } from "../config/config.ts";
import { Layout, STORAGE_ROOT_NAMES } from "../geometry/layout.ts";
import { WindowGeometry } from "../geometry/windows.ts";
import { lockRoots, type RootLocks } from "../lock/root_locks.ts";

/** Locked roots, their layout and the open catalog. */
export interface Storage {
  readonly layout: Layout;
  readonly locks: RootLocks;
  readonly catalog: Catalog;
  /** Closes the catalog, then releases the locks. Idempotent. */
  close(): void;
}

/** Locks the six roots of `config` (in lock order, reference §4.5) and opens the catalog. */
export function openStorage(config: StorageConfig): Storage {
  const locks = lockRoots(STORAGE_ROOT_NAMES.map((name) => config.roots[name]));
  let catalog: Catalog;
  const layout = new Layout(config.roots, new WindowGeometry());
  try {
    catalog = openCatalog(layout, { readOnly: false });
  } catch (err) {
    locks.release();
    throw err;
  }
  let closed = false;
  return {
    layout,
    locks,
    catalog,
    close() {
      if (closed) return;
      closed = true;
      try {
        closeCatalog(catalog);
      } finally {
        locks.release();
      }
    },
  };
}
