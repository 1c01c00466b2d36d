/**
 * What a datastore source needs from the storage under a lake (lake-and-xdr §1.5): read one whole
 * object, and list the first few names of one directory level. Nothing lists the whole lake: tip
 * discovery reads the first page of the root and of the newest partition (keys sort newest first).
 * Implementations: `filesystem_store.ts` (`Filesystem`), `s3_store.ts` (`S3`).
 * @module
 */

/**
 * Keys are relative to the datastore root and use "/" between levels, exactly as the Galexie
 * layout names them (`FFFFFFFF--0-63999/FFFFFC1A--997.xdr.zst`, `.config.json`).
 */
export interface ObjectStore {
  /** The full location of `key` for messages: a path, or `s3://bucket/prefix/key`. */
  locate(key: string): string;
  /**
   * The whole object, or undefined when it does not exist. A failure that may pass if repeated
   * (network, 5xx, timeout, EIO) throws `TransientStoreError`; anything else is permanent.
   */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * The names directly under `dirKey` ("" for the root), ascending, at most `limit` of them;
   * directories (common prefixes) end in "/". An absent directory lists as empty.
   */
  listChildren(dirKey: string, limit: number): Promise<string[]>;
}

/** The most names one listing call returns (the S3 ListObjectsV2 page limit). */
export const LIST_PAGE_NAMES_MAX = 1000;
