/**
 * A real S3-compatible server for the S3 lake tests: `s3rver` (npm devDependency, see
 * docs/dependencies.md) run under the system `node` as a child process on a free loopback port,
 * with one bucket. Its ListObjectsV2 continuation tokens use DES, which OpenSSL 3 only offers
 * through the legacy provider, hence the flag. `stop()` kills the child by its pid.
 * @module
 */

import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

/** s3rver's built-in account. */
export const S3RVER_ACCESS_KEY_ID = "S3RVER";
export const S3RVER_SECRET_ACCESS_KEY = "S3RVER";
export const S3_TEST_REGION = "us-east-1";
export const S3_TEST_BUCKET = "lake";

const S3RVER_BIN = join(import.meta.dir, "..", "..", "node_modules", "s3rver", "bin", "s3rver.js");
const LISTENING = /S3rver listening on 127\.0\.0\.1:(\d+)/;
/** Bytes of startup output read before giving up on the "listening" line. */
const STARTUP_OUTPUT_BYTES_MAX = 64 * 1024;

export interface S3TestServer {
  readonly endpoint: string;
  readonly port: number;
  readonly client: Bun.S3Client;
  stop(): Promise<void>;
}

/** Starts s3rver with bucket `lake` on a free port and waits for its "listening" line. */
export async function startS3Server(): Promise<S3TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "fullhistory-s3rver-"));
  const child = Bun.spawn(
    ["node", "--openssl-legacy-provider", S3RVER_BIN, "-d", dataDir, "-a", "127.0.0.1", "-p", "0", "-s", "--configure-bucket", S3_TEST_BUCKET],
    { stdout: "pipe", stderr: "inherit" },
  );
  const port = await readListeningPort(child.stdout);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new Bun.S3Client({
    endpoint,
    bucket: S3_TEST_BUCKET,
    region: S3_TEST_REGION,
    accessKeyId: S3RVER_ACCESS_KEY_ID,
    secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
  });
  return {
    endpoint,
    port,
    client,
    async stop() {
      child.kill();
      await child.exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function readListeningPort(stdout: ReadableStream<Uint8Array>): Promise<number> {
  const decoder = new TextDecoder();
  let output = "";
  for await (const chunk of stdout) {
    output += decoder.decode(chunk, { stream: true });
    const match = LISTENING.exec(output);
    if (match !== null) return Number(match[1]);
    if (output.length > STARTUP_OUTPUT_BYTES_MAX) break;
  }
  throw new Error(`s3rver did not report its port; output: ${output}`);
}

/** Uploads every file under `localDir` to `keyPrefix` + its relative path ("/"-separated). */
export async function uploadDirectory(client: Bun.S3Client, localDir: string, keyPrefix: string): Promise<number> {
  let fileCount = 0;
  const entries = readdirSync(localDir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const key = `${keyPrefix}${relative(localDir, path).split("\\").join("/")}`;
    await client.write(key, await Bun.file(path).bytes());
    fileCount++;
  }
  return fileCount;
}
