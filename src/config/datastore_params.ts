/**
 * The `[backfill.datastore] params` each datastore type takes (D3: strict, an unknown or missing
 * entry is an error naming it and what is allowed). Checked by the config loader, so a bad entry
 * is rejected before anything on disk is touched (`check-config` sees it too), and again by
 * `openLakeStore` (src/lake) for callers that build the options themselves. It lives in config: the
 * loader is its first user, and the lake may import config, not the reverse (docs/architecture.md).
 *
 *   type = "Filesystem"   params: destination_path
 *   type = "S3"           params: destination_bucket_path, region, endpoint_url,
 *                                 access_key_id, secret_access_key
 * @module
 */

import type { DatastoreType } from "./config.ts";

const PARAMS_OF_TYPE: Readonly<Record<DatastoreType, { required: readonly string[]; optional: readonly string[] }>> = {
  Filesystem: { required: ["destination_path"], optional: [] },
  S3: {
    required: ["destination_bucket_path"],
    optional: ["region", "endpoint_url", "access_key_id", "secret_access_key"],
  },
};

/** Why `params` do not fit `type` (the first unknown, then the first missing entry), or undefined when they do. */
export function datastoreParamsProblem(type: DatastoreType, params: Readonly<Record<string, string>>): string | undefined {
  const { required, optional } = PARAMS_OF_TYPE[type];
  const allowed = [...required, ...optional];
  const unknownName = Object.keys(params).find((name) => !allowed.includes(name));
  if (unknownName !== undefined) {
    return `unknown [backfill.datastore.params] key "${unknownName}" for type "${type}": allowed are ${allowed.join(", ")}`;
  }
  const missingName = required.find((name) => params[name] === undefined || params[name] === "");
  if (missingName !== undefined) return `missing [backfill.datastore.params] ${missingName}: type "${type}" requires it`;
  return undefined;
}
