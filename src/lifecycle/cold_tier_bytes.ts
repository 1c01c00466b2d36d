/**
 * `cold_tier_bytes` (reference §10.1, §7.7 step 8): the bytes of every regular file under the four
 * cold roots — ledgers, events, txhash_raw, txhash_index — measured after the prune stage. The hot
 * root and the catalog are not cold. A root that does not exist counts 0. Strays and half-written
 * files count too: this is what the volume holds, not what the catalog promises (audit judges that).
 *
 * A measurement, not a way to find work (style: "no directory listing to find work"): it uses
 * the one directory walker (`src/storage_walk`), which refuses trees deeper than any layout we write. Each root is walked
 * synchronously; the event loop turns between roots (a full-history events root is ~20,000 files).
 * @module
 */

import { storageRootBytes } from "../storage_walk/walk_storage_root.ts";
import type { Layout, StorageRootName } from "../geometry/layout.ts";
import { yieldToEventLoop } from "./_yield_to_event_loop.ts";

/** The storage roots that hold cold (immutable, frozen) files. */
export const COLD_ROOT_NAMES: readonly StorageRootName[] = ["ledgers", "events", "txhashRaw", "txhashIndex"];

/** Total bytes of the regular files under the cold roots; a walk failure is a `StorageWalkError`. */
export async function coldTierBytes(layout: Layout): Promise<number> {
  let byteCount = 0;
  for (const rootName of COLD_ROOT_NAMES) {
    await yieldToEventLoop();
    byteCount += storageRootBytes(layout.roots[rootName]);
  }
  return byteCount;
}
