/**
 * `[backfill.datastore]` + `[backfill.bsb]` + the network passphrase → a `LedgerSource` (D3, D12).
 * Takes plain values, not the config object, so it is testable alone. Params are strict, like the
 * rest of the config (`src/config/datastore_params.ts`; the config loader checks them first).
 * @module
 */

import { unreachable } from "../assert.ts";
import { type ConfiguredSchema } from "./datastore_manifest.ts";
import { datastoreParamsProblem } from "../config/datastore_params.ts";
import { openDatastoreSource } from "./datastore_source.ts";
import { openFilesystemStore } from "./filesystem_store.ts";
import { LakeConfigError } from "./lake_errors.ts";
import { type LedgerSource } from "./ledger_source.ts";
import { type ObjectStore } from "./object_store.ts";
import { openS3Store } from "./s3_store.ts";

export type DatastoreType = "Filesystem" | "S3";

/** The lake settings in plain units. */
export interface LakeSourceOptions {
  readonly type: DatastoreType;
  readonly params: Readonly<Record<string, string>>;
  readonly schema: ConfiguredSchema;
  /** `[backfill.bsb]` as the config module holds it (`BsbConfig`): buffer_size, num_workers, max_retries, retry_wait. */
  readonly bsb: {
    readonly bufferObjectCount: number;
    readonly workerCount: number;
    readonly maxRetries: number;
    readonly retryWaitMs: number;
  };
  readonly networkPassphrase: string;
}

/** Opens the store of `options.type`, reads the manifest and checks the network. */
export async function openLakeSource(options: LakeSourceOptions): Promise<LedgerSource> {
  const store = await openLakeStore(options.type, options.params);
  return openDatastoreSource(store, {
    networkPassphrase: options.networkPassphrase,
    schema: options.schema,
    prefetch: {
      bufferSize: options.bsb.bufferObjectCount,
      workerCount: options.bsb.workerCount,
      maxRetries: options.bsb.maxRetries,
      retryWaitMs: options.bsb.retryWaitMs,
    },
    storeKind: options.type,
  });
}

/** The object store of one datastore type, after checking its params. */
export async function openLakeStore(type: DatastoreType, params: Readonly<Record<string, string>>): Promise<ObjectStore> {
  checkParams(type, params);
  switch (type) {
    case "Filesystem":
      return openFilesystemStore({ destinationPath: params["destination_path"]! });
    case "S3":
      return openS3Store({
        destinationBucketPath: params["destination_bucket_path"]!,
        region: params["region"],
        endpointUrl: params["endpoint_url"],
        accessKeyId: params["access_key_id"],
        secretAccessKey: params["secret_access_key"],
      });
    default:
      return unreachable(type);
  }
}

function checkParams(type: DatastoreType, params: Readonly<Record<string, string>>): void {
  const problem = datastoreParamsProblem(type, params);
  if (problem !== undefined) throw new LakeConfigError(`Invalid config: ${problem}`);
}
