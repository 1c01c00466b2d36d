/**
 * A key the reader's catalog snapshot shows as visible (`frozen`, `ready`; reference §6 reader
 * contract) names data that is not there. Two causes look alike from one snapshot:
 *
 *   1. a running daemon retired it after the snapshot was taken (a prune unlinks a file under a
 *      key that is no longer `frozen` in the live catalog, a discard removes a hot DB the cold files
 *      now serve, reference §5.5, §5.6): a fresh snapshot no longer shows the key, and the data is
 *      served from where it moved;
 *   2. the store is damaged (INV-3): a fresh snapshot shows the same key and the same hole.
 *
 * So a read command that meets it retries ONCE with a fresh snapshot (`withStoreReads`) and
 * reports it only when it persists. The subclasses name the key and the path.
 * @module
 */

import { FullhistoryError } from "../errors.ts";

export class VisibleDataGoneError extends FullhistoryError {
  override name = "VisibleDataGoneError";
}
