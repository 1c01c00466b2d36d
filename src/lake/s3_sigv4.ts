/**
 * AWS Signature Version 4 for the S3 datastore's bodiless GET requests (AWS "Authenticating
 * Requests: Using the Authorization Header"): canonical request → string to sign → HMAC chain
 * keyed by the secret, date, region and service. Pure: the caller passes the credentials and the
 * time, nothing is read from the environment (D3, docs/lake.md "Credentials"). Bun.S3Client is not
 * used because it falls back to AWS_* / S3_* variables for the session token, region and endpoint
 * even when given explicit values.
 * @module
 */

import { createHash, createHmac } from "node:crypto";
import { assert } from "../assert.ts";

/** Long-term S3 credentials and the region they sign for. */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
}

/** SHA-256 of the empty body: every request we sign is a GET without one. */
export const EMPTY_PAYLOAD_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const ALGORITHM = "AWS4-HMAC-SHA256";
const SERVICE = "s3";
// "20130524T000000Z": ISO 8601 basic format, UTC, whole seconds.
const AMZ_DATE = /^(\d{8})T\d{6}Z$/;

/** `date` in the `x-amz-date` format (`YYYYMMDD'T'HHMMSS'Z'`). */
export function amzDateOf(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/**
 * RFC 3986 percent-encoding as SigV4 wants it: every byte but `A-Z a-z 0-9 - . _ ~` as `%XX`
 * (uppercase hex). `encodeURIComponent` also leaves `! ' ( ) *` alone, hence the second pass.
 */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The headers that sign a GET of `url` (whose path is already `uriEncode`d per segment):
 * `x-amz-date`, `x-amz-content-sha256` and `authorization`, to send along with `headers`. Signed
 * are `host` (from `url`), every header in `headers` (lowercase names) and the two `x-amz-*` ones.
 * `x-amz-content-sha256` is the empty body's hash unless `headers` names another payload hash
 * (S3 also takes "UNSIGNED-PAYLOAD").
 */
export function signS3Get(url: URL, options: { credentials: S3Credentials; amzDate: string; headers?: Readonly<Record<string, string>> }): Record<string, string> {
  const dateMatch = AMZ_DATE.exec(options.amzDate);
  assert(dateMatch !== null, `x-amz-date "${options.amzDate}" is not YYYYMMDDTHHMMSSZ`);
  const day = dateMatch[1]!;
  const payloadSha256 = options.headers?.["x-amz-content-sha256"] ?? EMPTY_PAYLOAD_SHA256;
  const amzHeaders = { "x-amz-content-sha256": payloadSha256, "x-amz-date": options.amzDate };
  const signed: Record<string, string> = { host: url.host, ...options.headers, ...amzHeaders };
  const names = Object.keys(signed).sort();
  for (const name of names) assert(name === name.toLowerCase(), `header name "${name}" must be lowercase`);
  const canonicalRequest = [
    "GET",
    url.pathname,
    canonicalQuery(url.searchParams),
    ...names.map((name) => `${name}:${signed[name]!.trim().replace(/ +/g, " ")}`),
    "",
    names.join(";"),
    payloadSha256,
  ].join("\n");
  const scope = `${day}/${options.credentials.region}/${SERVICE}/aws4_request`;
  const stringToSign = [ALGORITHM, options.amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const signingKey = [day, options.credentials.region, SERVICE, "aws4_request"].reduce<Uint8Array>(
    (key, part) => hmac(key, part),
    Buffer.from(`AWS4${options.credentials.secretAccessKey}`, "utf8"),
  );
  const signature = Buffer.from(hmac(signingKey, stringToSign)).toString("hex");
  return {
    ...amzHeaders,
    authorization: `${ALGORITHM} Credential=${options.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`,
  };
}

function canonicalQuery(params: URLSearchParams): string {
  const pairs = [...params].map(([name, value]) => [uriEncode(name), uriEncode(value)] as const);
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function hmac(key: Uint8Array, text: string): Uint8Array {
  return createHmac("sha256", key).update(text, "utf8").digest();
}
