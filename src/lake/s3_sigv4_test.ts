import { expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { amzDateOf, signS3Get, uriEncode } from "./s3_sigv4.ts";

// The example credentials and requests of AWS's "Signature Calculations for the Authorization
// Header: Transferring Payload in a Single Chunk (AWS Signature Version 4)", with their signatures.
const AWS_EXAMPLE = {
  credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1" },
  amzDate: "20130524T000000Z",
};

test("signS3Get() reproduces AWS's documented GET Object signature", () => {
  const headers = signS3Get(new URL("https://examplebucket.s3.amazonaws.com/test.txt"), { ...AWS_EXAMPLE, headers: { range: "bytes=0-9" } });
  expect(headers["authorization"]).toBe(
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
      "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
  );
  expect(headers["x-amz-date"]).toBe("20130524T000000Z");
  expect(headers["x-amz-content-sha256"]).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
});

test("signS3Get() reproduces AWS's documented list signature, sorting the query", () => {
  const headers = signS3Get(new URL("https://examplebucket.s3.amazonaws.com/?prefix=J&max-keys=2"), AWS_EXAMPLE);
  expect(headers["authorization"]).toEndWith("SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
});

test("signS3Get() signs exactly as Bun.S3Client does for the same object and list requests", async () => {
  const captured: { url: string; headers: Record<string, string> }[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      captured.push({ url: request.url, headers: Object.fromEntries(request.headers) });
      return new Response('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult></ListBucketResult>');
    },
  });
  try {
    const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret/with+chars", region: "eu-west-3" };
    const client = new Bun.S3Client({ endpoint: `http://127.0.0.1:${server.port}`, bucket: "lake", ...credentials });
    await client.file("v1/FFFFFFFF--0-63999/FFFFFC1A--997.xdr.zst").bytes();
    await client.list({ prefix: "v1/FFFFFFFF--0-63999/", delimiter: "/", maxKeys: 2 });
    expect(captured).toHaveLength(2);
    for (const request of captured) {
      const bunAuthorization = request.headers["authorization"]!;
      const bunSigned = /SignedHeaders=([^,]+)/.exec(bunAuthorization)![1]!.split(";");
      // Every header Bun signed but host and x-amz-date (its payload hash is "UNSIGNED-PAYLOAD").
      const headers = Object.fromEntries(bunSigned.filter((name) => name !== "host" && name !== "x-amz-date").map((name) => [name, request.headers[name]!]));
      const ours = signS3Get(new URL(request.url), { credentials, amzDate: request.headers["x-amz-date"]!, headers });
      expect(ours["authorization"]).toBe(bunAuthorization);
    }
  } finally {
    await server.stop(true);
  }
});

test("signS3Get() refuses a malformed x-amz-date and an uppercase header name", () => {
  const url = new URL("https://examplebucket.s3.amazonaws.com/test.txt");
  expect(() => signS3Get(url, { ...AWS_EXAMPLE, amzDate: "2013-05-24T00:00:00Z" })).toThrow(InvariantError);
  expect(() => signS3Get(url, { ...AWS_EXAMPLE, headers: { Range: "bytes=0-9" } })).toThrow(InvariantError);
});

test("amzDateOf() formats UTC in ISO 8601 basic form without milliseconds", () => {
  expect(amzDateOf(new Date(Date.UTC(2013, 4, 24, 0, 0, 0, 999)))).toBe("20130524T000000Z");
});

test("uriEncode() leaves only RFC 3986 unreserved characters unencoded", () => {
  expect(uriEncode("AZaz09-._~")).toBe("AZaz09-._~");
  expect(uriEncode("a b/c+d!'()*")).toBe("a%20b%2Fc%2Bd%21%27%28%29%2A");
  expect(uriEncode("é")).toBe("%C3%A9");
});
