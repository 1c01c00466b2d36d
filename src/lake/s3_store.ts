/**
 * The `S3` datastore (lake-and-xdr §1.5) over Bun's built-in S3 client (`Bun.S3Client`): GetObject
 * for objects, ListObjectsV2 with a "/" delimiter and a page limit for the first names of one level.
 * Read-only. Params (`[backfill.datastore.params]`):
 *
 *   destination_bucket_path   "bucket/prefix" (required), e.g. "aws-public-blockchain/v1.1/stellar/ledgers/pubnet"
 *   region                    e.g. "us-east-2"
 *   endpoint_url              e.g. "http://127.0.0.1:9000" for an S3-compatible server (path-style)
 *   access_key_id, secret_access_key
 *       both or neither; when absent Bun's client reads S3_ACCESS_KEY_ID / AWS_ACCESS_KEY_ID and
 *       S3_SECRET_ACCESS_KEY / AWS_SECRET_ACCESS_KEY from the environment (keeps secrets out of the TOML)
 *
 * Transient (retried by the caller): connection refused/closed/reset, timeouts, 5xx codes, and
 * Bun's "UnknownError" (a non-2xx answer without an S3 error body, e.g. a bare 503 from a proxy).
 * @module
 */

import { assert } from "../assert.ts";
import { LakeConfigError, TransientStoreError } from "./lake_errors.ts";
import { LIST_PAGE_NAMES_MAX, type ObjectStore } from "./object_store.ts";
import { compareCodeUnits } from "./filesystem_store.ts";

/** The datastore params of type `S3`, already split out of the params map. */
export interface S3StoreOptions {
  readonly destinationBucketPath: string;
  readonly region?: string | undefined;
  readonly endpointUrl?: string | undefined;
  readonly accessKeyId?: string | undefined;
  readonly secretAccessKey?: string | undefined;
  /** A request still unanswered after this long is abandoned as transient (default 60 s). */
  readonly requestTimeoutMs?: number | undefined;
}

const REQUEST_TIMEOUT_MS_DEFAULT = 60_000;

const TRANSIENT_CODES = new Set([
  "ConnectionRefused",
  "ConnectionClosed",
  "ConnectionReset",
  "ConnectionTimedOut",
  "RequestTimeout",
  "InternalError",
  "ServiceUnavailable",
  "SlowDown",
  "UnknownError",
]);

/** Opens an S3 store. Makes no request: a wrong bucket or credentials fail on first use. */
export function openS3Store(options: S3StoreOptions): ObjectStore {
  const { bucket, prefix } = splitBucketPath(options.destinationBucketPath);
  if ((options.accessKeyId === undefined) !== (options.secretAccessKey === undefined)) {
    throw new LakeConfigError(
      "Cannot open S3 datastore: set both access_key_id and secret_access_key in " +
        "[backfill.datastore.params], or neither (then the environment's credentials are used)",
    );
  }
  const client = new Bun.S3Client({
    bucket,
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpointUrl === undefined ? {} : { endpoint: options.endpointUrl }),
    ...(options.accessKeyId === undefined ? {} : { accessKeyId: options.accessKeyId }),
    ...(options.secretAccessKey === undefined ? {} : { secretAccessKey: options.secretAccessKey }),
  });
  const requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS_DEFAULT;
  assert(requestTimeoutMs > 0, `S3 request timeout ${requestTimeoutMs} ms must be > 0`);
  return new S3Store({ client, bucket, prefix, requestTimeoutMs });
}

/** "bucket/some/prefix" → bucket "bucket", key prefix "some/prefix/" ("" when there is none). */
export function splitBucketPath(bucketPath: string): { bucket: string; prefix: string } {
  const trimmed = bucketPath.replace(/^\/+|\/+$/g, "");
  const slash = trimmed.indexOf("/");
  const bucket = slash === -1 ? trimmed : trimmed.slice(0, slash);
  if (bucket === "") {
    throw new LakeConfigError(
      `Cannot open S3 datastore: destination_bucket_path "${bucketPath}" names no bucket; ` +
        `want "bucket" or "bucket/prefix"`,
    );
  }
  return { bucket, prefix: slash === -1 ? "" : `${trimmed.slice(slash + 1)}/` };
}

class S3Store implements ObjectStore {
  readonly #client: Bun.S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #requestTimeoutMs: number;

  constructor(options: { client: Bun.S3Client; bucket: string; prefix: string; requestTimeoutMs: number }) {
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#prefix = options.prefix;
    this.#requestTimeoutMs = options.requestTimeoutMs;
  }

  locate(key: string): string {
    return `s3://${this.#bucket}/${this.#prefix}${key}`;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await this.#bounded(this.#client.file(this.#prefix + key).bytes(), key);
    } catch (err) {
      if (s3Code(err) === "NoSuchKey") return undefined;
      throw this.#classify(err, `reading "${this.locate(key)}"`);
    }
  }

  async listChildren(dirKey: string, limit: number): Promise<string[]> {
    assert(limit >= 1, `listing limit ${limit} must be >= 1`);
    assert(limit <= LIST_PAGE_NAMES_MAX, `listing limit ${limit} exceeds one page`);
    const prefix = this.#prefix + (dirKey === "" || dirKey.endsWith("/") ? dirKey : `${dirKey}/`);
    let page: Bun.S3ListObjectsResponse;
    try {
      page = await this.#bounded(this.#client.list({ prefix, delimiter: "/", maxKeys: limit }), dirKey);
    } catch (err) {
      throw this.#classify(err, `listing "${this.locate(dirKey)}"`);
    }
    const names: string[] = [];
    for (const object of page.contents ?? []) names.push(object.key.slice(prefix.length));
    for (const common of page.commonPrefixes ?? []) names.push(common.prefix.slice(prefix.length));
    names.sort(compareCodeUnits);
    return names.slice(0, limit);
  }

  /** Bun's S3 reads take no AbortSignal: an unanswered request is abandoned after the timeout. */
  async #bounded<T>(request: Promise<T>, key: string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const message = `"${this.locate(key)}": no answer after ${this.#requestTimeoutMs} ms`;
        reject(new TransientStoreError(message));
      }, this.#requestTimeoutMs);
    });
    try {
      return await Promise.race([request, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #classify(err: unknown, action: string): Error {
    if (err instanceof TransientStoreError) return err;
    const code = s3Code(err);
    if (code !== undefined && TRANSIENT_CODES.has(code)) {
      return new TransientStoreError(`${action} failed (${code})`, { cause: err });
    }
    if (code === "NoSuchBucket" || code === "AccessDenied" || code === "InvalidAccessKeyId" || code === "SignatureDoesNotMatch") {
      return new LakeConfigError(
        `Cannot read S3 datastore: ${action} failed (${code}); check destination_bucket_path, ` +
          `region, endpoint_url and the credentials in [backfill.datastore.params]`,
        { cause: err },
      );
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}

function s3Code(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}
