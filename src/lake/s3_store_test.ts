import { afterAll, beforeAll, expect, test } from "bun:test";
import { thrownError } from "../../test/support/thrown_error.ts";
import { S3_TEST_BUCKET, S3_TEST_REGION, S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, type S3TestServer, startS3Server } from "../../test/support/s3_server.ts";
import { LakeConfigError, LakeUnavailableError, TransientStoreError } from "./lake_errors.ts";
import { openS3Store, type S3StoreOptions } from "./s3_store.ts";

const S3_STORE_MODULE = `${import.meta.dir}/s3_store.ts`;

/**
 * Every variable Bun.S3Client, Bun's fetch (and the AWS SDKs) would fall back to, set to values
 * that break a request that uses them: a key s3rver does not know, a session token, another
 * region, a dead endpoint or proxy, another bucket.
 */
const HOSTILE_ENV = {
  AWS_ACCESS_KEY_ID: "ENVKEY",
  AWS_SECRET_ACCESS_KEY: "ENVSECRET",
  AWS_SESSION_TOKEN: "ENVTOKEN",
  AWS_REGION: "ap-south-1",
  AWS_DEFAULT_REGION: "ap-south-1",
  AWS_ENDPOINT: "http://127.0.0.1:1",
  AWS_BUCKET: "envbucket",
  S3_ACCESS_KEY_ID: "ENVKEY",
  S3_SECRET_ACCESS_KEY: "ENVSECRET",
  S3_SESSION_TOKEN: "ENVTOKEN",
  S3_REGION: "ap-south-1",
  S3_ENDPOINT: "http://127.0.0.1:1",
  S3_BUCKET: "envbucket",
  HTTP_PROXY: "http://127.0.0.1:1",
  HTTPS_PROXY: "http://127.0.0.1:1",
  ALL_PROXY: "http://127.0.0.1:1",
  http_proxy: "http://127.0.0.1:1",
};

let s3rver: S3TestServer;
beforeAll(async () => {
  s3rver = await startS3Server();
  await s3rver.client.write("env/dir/object.bin", new Uint8Array([1, 2, 3]));
});
afterAll(async () => {
  await s3rver.stop();
});

/**
 * In a child bun with only PATH and `HOSTILE_ENV`: opens an S3 store with `options`, gets `key`
 * and lists `dirKey`; returns what it saw, or the error's name and message.
 */
async function runInHostileEnv(options: S3StoreOptions, request: { key: string; dirKey: string }): Promise<unknown> {
  const script = `
    import { openS3Store } from ${JSON.stringify(S3_STORE_MODULE)};
    const { options, request } = JSON.parse(process.argv.at(-1));
    try {
      const store = openS3Store(options);
      const bytes = await store.get(request.key);
      const names = await store.listChildren(request.dirKey, 10);
      console.log(JSON.stringify({ bytes: bytes === undefined ? null : [...bytes], names }));
    } catch (err) {
      console.log(JSON.stringify({ error: err.name, message: err.message }));
    }`;
  const child = Bun.spawn([process.execPath, "-e", script, JSON.stringify({ options, request })], {
    env: { PATH: process.env["PATH"] ?? "", ...HOSTILE_ENV },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  expect(stderr).toBe("");
  expect(exitCode).toBe(0);
  return JSON.parse(stdout);
}

test("openS3Store() without credentials reads s3rver anonymously despite AWS_*, S3_* and *_PROXY variables", async () => {
  const options = { destinationBucketPath: `${S3_TEST_BUCKET}/env`, endpointUrl: s3rver.endpoint, region: S3_TEST_REGION };
  expect(await runInHostileEnv(options, { key: "dir/object.bin", dirKey: "dir" })).toEqual({ bytes: [1, 2, 3], names: ["object.bin"] });
});

test("openS3Store() with param credentials signs with them, not the environment's", async () => {
  const options = {
    destinationBucketPath: `${S3_TEST_BUCKET}/env`,
    endpointUrl: s3rver.endpoint,
    region: S3_TEST_REGION,
    accessKeyId: S3RVER_ACCESS_KEY_ID,
    secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
  };
  expect(await runInHostileEnv(options, { key: "dir/object.bin", dirKey: "" })).toEqual({ bytes: [1, 2, 3], names: ["dir/"] });
});

test("openS3Store() sends no Authorization or session token without credentials, and the param key and region with them", async () => {
  const seen: { path: string; authorization: string | null; sessionToken: string | null }[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      seen.push({ path: new URL(request.url).pathname, authorization: request.headers.get("authorization"), sessionToken: request.headers.get("x-amz-security-token") });
      return new Response("<ListBucketResult></ListBucketResult>");
    },
  });
  try {
    const options = { destinationBucketPath: "lake/p", endpointUrl: `http://127.0.0.1:${server.port}`, region: "eu-north-1" };
    await runInHostileEnv(options, { key: "k", dirKey: "" });
    await runInHostileEnv({ ...options, accessKeyId: "PARAMKEY", secretAccessKey: "PARAMSECRET" }, { key: "k", dirKey: "" });
    expect(seen.map((request) => request.path)).toEqual(["/lake/p/k", "/lake", "/lake/p/k", "/lake"]);
    expect(seen.map((request) => request.sessionToken)).toEqual([null, null, null, null]);
    expect(seen[0]!.authorization).toBeNull();
    expect(seen[1]!.authorization).toBeNull();
    for (const request of seen.slice(2)) expect(request.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=PARAMKEY\/\d{8}\/eu-north-1\/s3\/aws4_request, /);
  } finally {
    await server.stop(true);
  }
});

test("openS3Store() refuses one credential without the other", () => {
  const options = { destinationBucketPath: "lake", accessKeyId: "KEY" };
  expect(thrownError(() => openS3Store(options), LakeConfigError).message).toContain("set both access_key_id and secret_access_key");
});

test("openS3Store() refuses an endpoint_url that is not an http(s) URL", () => {
  for (const endpointUrl of ["127.0.0.1:9000", "ftp://127.0.0.1", "http://127.0.0.1:9000/?x=1"]) {
    expect(thrownError(() => openS3Store({ destinationBucketPath: "lake", endpointUrl }), LakeConfigError).message).toContain(`endpoint_url "${endpointUrl}"`);
  }
});

/** A store over a local server that gives every request the same canned S3 answer. */
async function withCannedAnswer(answer: () => Response | Promise<Response>, run: (options: S3StoreOptions) => Promise<void>): Promise<void> {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: answer });
  try {
    await run({ destinationBucketPath: "lake/p", endpointUrl: `http://127.0.0.1:${server.port}`, region: "us-east-1", requestTimeoutMs: 200 });
  } finally {
    await server.stop(true);
  }
}

function s3Error(code: string, status: number, headers: Record<string, string> = {}): Response {
  return new Response(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>m</Message></Error>`, { status, headers });
}

test("S3 get() of a wrong-region bucket is a LakeConfigError naming the bucket's region", async () => {
  await withCannedAnswer(
    () => s3Error("PermanentRedirect", 301, { "x-amz-bucket-region": "us-east-2" }),
    async (options) => {
      await expect(openS3Store(options).get("k")).rejects.toThrow(/the bucket is in region "us-east-2", not "us-east-1"; set region = "us-east-2"/);
    },
  );
});

test("S3 get() denied to an anonymous request is a LakeConfigError suggesting credentials", async () => {
  await withCannedAnswer(
    () => s3Error("AccessDenied", 403),
    async (options) => {
      const failure = openS3Store(options).get("k");
      await expect(failure).rejects.toBeInstanceOf(LakeConfigError);
      await expect(failure).rejects.toThrow("allows anonymous reads (else set access_key_id and secret_access_key)");
    },
  );
});

test("S3 get() answered SlowDown, a bare 500 or nothing in time is transient", async () => {
  for (const answer of [() => s3Error("SlowDown", 503), () => new Response(null, { status: 500 }), () => new Promise<Response>(() => {})]) {
    await withCannedAnswer(answer, async (options) => {
      await expect(openS3Store(options).get("k")).rejects.toBeInstanceOf(TransientStoreError);
    });
  }
});

test("S3 listChildren() rejects an answer naming a key outside the listed prefix", async () => {
  await withCannedAnswer(
    () => new Response("<ListBucketResult><Contents><Key>elsewhere/x</Key></Contents></ListBucketResult>"),
    async (options) => {
      const listing = openS3Store(options).listChildren("d", 5);
      await expect(listing).rejects.toBeInstanceOf(LakeUnavailableError);
      await expect(listing).rejects.toThrow('lists "elsewhere/x", outside "p/d/"');
    },
  );
});

test("S3 listChildren() unescapes XML in names and sorts keys and prefixes together", async () => {
  await withCannedAnswer(
    () =>
      new Response(
        "<ListBucketResult><Contents><Key>p/b&amp;c</Key><Size>1</Size></Contents><Contents><Key>p/&#x41;</Key></Contents>" +
          "<CommonPrefixes><Prefix>p/a/</Prefix></CommonPrefixes></ListBucketResult>",
      ),
    async (options) => {
      expect(await openS3Store(options).listChildren("", 5)).toEqual(["A", "a/", "b&c"]);
    },
  );
});

test("S3 listChildren() keeps a numeric entity beyond Unicode as written instead of failing with a RangeError", async () => {
  await withCannedAnswer(
    () => new Response("<ListBucketResult><Contents><Key>p/x&#x110000;&#99999999999;</Key></Contents></ListBucketResult>"),
    async (options) => {
      expect(await openS3Store(options).listChildren("", 5)).toEqual(["x&#x110000;&#99999999999;"]);
    },
  );
});
