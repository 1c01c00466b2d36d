/**
 * The `S3` datastore (lake-and-xdr §1.5) over plain `fetch`: GetObject for objects, ListObjectsV2
 * with a "/" delimiter and a page limit for the first names of one level. Read-only. Params
 * (`[backfill.datastore.params]`), and nothing else: no environment variable is read (D3):
 *
 *   destination_bucket_path   "bucket/prefix" (required), e.g. "aws-public-blockchain/v1.1/stellar/ledgers/pubnet"
 *   region                    e.g. "us-east-2" (default us-east-1)
 *   endpoint_url              e.g. "http://127.0.0.1:9000" for an S3-compatible server (path-style);
 *                             absent = AWS, https://{bucket}.s3.{region}.amazonaws.com
 *   access_key_id, secret_access_key
 *       both (requests are SigV4-signed, s3_sigv4.ts) or neither (requests are anonymous, as for
 *       public buckets such as aws-public-blockchain)
 *
 * Bun.S3Client is not used: it reads AWS_* / S3_* variables for the session token, region and
 * endpoint even when given explicit values, and cannot make anonymous requests; `fetch` is told
 * not to use the *_PROXY variables (docs/lake.md "Credentials and the environment").
 *
 * Transient (retried by the caller): any failure to get an answer (refused, reset, DNS, TLS,
 * timeout), 5xx, 429 and S3's RequestTimeout / SlowDown codes. Configuration (fatal): wrong bucket,
 * region, credentials or access. Anything else is a permanent `LakeUnavailableError`.
 * @module
 */

import { assert } from "../assert.ts";
import { LakeConfigError, LakeUnavailableError, TransientStoreError } from "./lake_errors.ts";
import { LIST_PAGE_NAMES_MAX, type ObjectStore } from "./object_store.ts";
import { compareCodeUnits } from "./filesystem_store.ts";
import { amzDateOf, type S3Credentials, signS3Get, uriEncode } from "./s3_sigv4.ts";

/** The datastore params of type `S3`, already split out of the params map. */
export interface S3StoreOptions {
  readonly destinationBucketPath: string;
  readonly region?: string | undefined;
  readonly endpointUrl?: string | undefined;
  readonly accessKeyId?: string | undefined;
  readonly secretAccessKey?: string | undefined;
  /** A request (answer and body) not complete after this long is abandoned as transient (default 60 s). */
  readonly requestTimeoutMs?: number | undefined;
}

const REQUEST_TIMEOUT_MS_DEFAULT = 60_000;
/** AWS's own default region; public lakes name theirs (aws-public-blockchain is us-east-2). */
const REGION_DEFAULT = "us-east-1";
/** An error answer's body is a short XML document; read no more of it than this. */
const ERROR_BODY_CHARS_MAX = 4096;

/** Transient whatever the status (RequestTimeout comes with a 400; every 5xx and 429 is transient too). */
const TRANSIENT_CODES = new Set(["RequestTimeout", "SlowDown"]);
/** Wrong bucket, region or credentials (every 403 and 301 is a config error too). */
const CONFIG_CODES = new Set([
  "NoSuchBucket",
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidToken",
  "ExpiredToken",
  "AuthorizationHeaderMalformed",
  "PermanentRedirect",
]);

/** Opens an S3 store. Makes no request: a wrong bucket or credentials fail on first use. */
export function openS3Store(options: S3StoreOptions): ObjectStore {
  const { bucket, prefix } = splitBucketPath(options.destinationBucketPath);
  if ((options.accessKeyId === undefined) !== (options.secretAccessKey === undefined)) {
    throw new LakeConfigError(
      "Cannot open S3 datastore: set both access_key_id and secret_access_key in " +
        "[backfill.datastore.params], or neither (then requests are anonymous, for public buckets)",
    );
  }
  const region = options.region ?? REGION_DEFAULT;
  const credentials =
    options.accessKeyId === undefined || options.secretAccessKey === undefined
      ? undefined
      : { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, region };
  const requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS_DEFAULT;
  assert(requestTimeoutMs > 0, `S3 request timeout ${requestTimeoutMs} ms must be > 0`);
  const bucketUrl = bucketUrlOf({ bucket, region, endpointUrl: options.endpointUrl });
  return new S3Store({ bucketUrl, bucket, prefix, credentials, region, requestTimeoutMs });
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

/**
 * The URL of the bucket itself, without a trailing "/": path-style under `endpointUrl`; on AWS
 * virtual-hosted, or path-style when the bucket name has a dot (it would not match the TLS
 * wildcard certificate of `*.s3.{region}.amazonaws.com`).
 */
function bucketUrlOf(options: { bucket: string; region: string; endpointUrl: string | undefined }): string {
  if (options.endpointUrl === undefined) {
    const awsHost = `s3.${options.region}.amazonaws.com`;
    return options.bucket.includes(".") ? `https://${awsHost}/${uriEncode(options.bucket)}` : `https://${options.bucket}.${awsHost}`;
  }
  let endpoint: URL;
  try {
    endpoint = new URL(options.endpointUrl);
  } catch (err) {
    throw new LakeConfigError(`Cannot open S3 datastore: endpoint_url "${options.endpointUrl}" is not a URL; want e.g. "http://127.0.0.1:9000"`, { cause: err });
  }
  if (endpoint.protocol !== "http:" && endpoint.protocol !== "https:") {
    throw new LakeConfigError(`Cannot open S3 datastore: endpoint_url "${options.endpointUrl}" is not http or https`);
  }
  if (endpoint.search !== "" || endpoint.hash !== "") {
    throw new LakeConfigError(`Cannot open S3 datastore: endpoint_url "${options.endpointUrl}" has a query or fragment; give scheme, host, port (and path) only`);
  }
  return `${endpoint.origin}${endpoint.pathname.replace(/\/+$/, "")}/${uriEncode(options.bucket)}`;
}

class S3Store implements ObjectStore {
  readonly #bucketUrl: string;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #credentials: S3Credentials | undefined;
  readonly #region: string;
  readonly #requestTimeoutMs: number;

  constructor(options: {
    bucketUrl: string;
    bucket: string;
    prefix: string;
    credentials: S3Credentials | undefined;
    region: string;
    requestTimeoutMs: number;
  }) {
    this.#bucketUrl = options.bucketUrl;
    this.#bucket = options.bucket;
    this.#prefix = options.prefix;
    this.#credentials = options.credentials;
    this.#region = options.region;
    this.#requestTimeoutMs = options.requestTimeoutMs;
  }

  locate(key: string): string {
    return `s3://${this.#bucket}/${this.#prefix}${key}`;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const objectKey = this.#prefix + key;
    const url = new URL(`${this.#bucketUrl}/${objectKey.split("/").map(uriEncode).join("/")}`);
    const action = `reading "${this.locate(key)}"`;
    const answer = await this.#get(url, action);
    if (answer.status === 404 && answer.code === "NoSuchKey") return undefined;
    if (answer.bytes === undefined) throw this.#failure(answer, action);
    return answer.bytes;
  }

  async listChildren(dirKey: string, limit: number): Promise<string[]> {
    assert(limit >= 1, `listing limit ${limit} must be >= 1`);
    assert(limit <= LIST_PAGE_NAMES_MAX, `listing limit ${limit} exceeds one page`);
    const prefix = this.#prefix + (dirKey === "" || dirKey.endsWith("/") ? dirKey : `${dirKey}/`);
    const query = new URLSearchParams({ "list-type": "2", prefix, delimiter: "/", "max-keys": String(limit) });
    // Path "/" on a virtual-hosted bucket, "/bucket" path-style: the bucket URL with no trailing "/".
    const url = new URL(`${this.#bucketUrl}?${query.toString()}`);
    const action = `listing "${this.locate(dirKey)}"`;
    const answer = await this.#get(url, action);
    if (answer.bytes === undefined) throw this.#failure(answer, action);
    const names = parseListNames(new TextDecoder().decode(answer.bytes), { prefix, action });
    names.sort(compareCodeUnits);
    return names.slice(0, limit);
  }

  /** One GET, signed when the store has credentials. A request that gets no answer is transient. */
  async #get(url: URL, action: string): Promise<S3Answer> {
    const headers = this.#credentials === undefined ? {} : signS3Get(url, { credentials: this.#credentials, amzDate: amzDateOf(new Date()) });
    try {
      const response = await fetch(url, {
        headers,
        // S3 answers a wrong region with 301 PermanentRedirect: a config error, not a place to follow.
        redirect: "manual",
        // No HTTP_PROXY / HTTPS_PROXY / ALL_PROXY from the environment (D3).
        proxy: false,
        // The bytes as stored: a lake object is zstd by format, not by Content-Encoding.
        decompress: false,
        signal: AbortSignal.timeout(this.#requestTimeoutMs),
      });
      if (response.ok) return { status: response.status, code: undefined, bytes: await response.bytes(), bucketRegion: undefined };
      const body = (await response.text()).slice(0, ERROR_BODY_CHARS_MAX);
      return { status: response.status, code: xmlElementText(body, "Code"), bytes: undefined, bucketRegion: response.headers.get("x-amz-bucket-region") ?? undefined };
    } catch (err) {
      if (isTimeout(err)) throw new TransientStoreError(`${action}: no answer after ${this.#requestTimeoutMs} ms`, { cause: err });
      const reason = err instanceof Error ? err.message : String(err);
      throw new TransientStoreError(`${action} failed (${reason})`, { cause: err });
    }
  }

  #failure(answer: S3Answer, action: string): Error {
    const what = answer.code === undefined ? `HTTP ${answer.status}` : `${answer.code}, HTTP ${answer.status}`;
    if (answer.status >= 500 || answer.status === 429 || (answer.code !== undefined && TRANSIENT_CODES.has(answer.code))) {
      return new TransientStoreError(`${action} failed (${what})`);
    }
    if (answer.bucketRegion !== undefined && answer.bucketRegion !== this.#region) {
      return new LakeConfigError(
        `Cannot read S3 datastore: ${action} failed (${what}): the bucket is in region "${answer.bucketRegion}", ` +
          `not "${this.#region}"; set region = "${answer.bucketRegion}" in [backfill.datastore.params]`,
      );
    }
    if ((answer.code !== undefined && CONFIG_CODES.has(answer.code)) || answer.status === 301 || answer.status === 403) {
      const access = this.#credentials === undefined ? "the bucket allows anonymous reads (else set access_key_id and secret_access_key)" : "access_key_id and secret_access_key";
      return new LakeConfigError(
        `Cannot read S3 datastore: ${action} failed (${what}); check destination_bucket_path, region, endpoint_url ` +
          `and ${access} in [backfill.datastore.params]`,
      );
    }
    return new LakeUnavailableError(`Cannot read S3 datastore: ${action} failed (${what}); check the S3 endpoint and the lake, then restart`);
  }
}

/** What one GET answered: the body on 2xx, else the S3 error code and the bucket's region if told. */
interface S3Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly bytes: Uint8Array | undefined;
  readonly bucketRegion: string | undefined;
}

/**
 * The names under `prefix` in a ListObjectsV2 answer: each `Contents/Key` and each
 * `CommonPrefixes/Prefix`, with `prefix` removed. The answer is input: a name outside `prefix` is
 * a broken server, not a name to slice.
 */
function parseListNames(xml: string, options: { prefix: string; action: string }): string[] {
  if (!xml.includes("<ListBucketResult")) {
    throw new LakeUnavailableError(`Cannot read S3 datastore: ${options.action}: the answer is not a ListBucketResult; check endpoint_url`);
  }
  const keys = [...xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)].map((match) => xmlElementText(match[1]!, "Key"));
  const prefixes = [...xml.matchAll(/<CommonPrefixes>([\s\S]*?)<\/CommonPrefixes>/g)].map((match) => xmlElementText(match[1]!, "Prefix"));
  return [...keys, ...prefixes].map((name) => {
    if (name === undefined || !name.startsWith(options.prefix)) {
      throw new LakeUnavailableError(`Cannot read S3 datastore: ${options.action}: the answer lists "${name ?? "(no name)"}", outside "${options.prefix}"`);
    }
    return name.slice(options.prefix.length);
  });
}

/** The unescaped text of the first `<name>…</name>` in `xml`, or undefined. */
function xmlElementText(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match === null ? undefined : unescapeXml(match[1]!);
}

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** The largest Unicode code point; a numeric entity beyond it is left as written (the answer is input). */
const CODE_POINT_MAX = 0x10ffff;

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (entity, body: string) => {
    if (!body.startsWith("#")) return XML_ENTITIES[body] ?? entity;
    const codePoint = body.startsWith("#x") ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
    return codePoint <= CODE_POINT_MAX ? String.fromCodePoint(codePoint) : entity;
  });
}

function isTimeout(err: unknown): boolean {
  return err instanceof DOMException && err.name === "TimeoutError";
}
