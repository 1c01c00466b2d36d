/**
 * The two lake backends the shared lake suite runs against: a Filesystem datastore (a writable copy
 * of the lake directory) and an S3 datastore (the lake uploaded to a real s3rver, reached through
 * a fault proxy so tests can inject 503s and resets). Each `publish` gives a fresh, independent lake
 * that a test may damage (`remove`, `put`) without affecting others.
 * @module
 */

import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DatastoreType } from "../../src/lake/open_lake_source.ts";
import { type FaultProxy, startFaultProxy } from "./lake_fault_proxy.ts";
import {
  S3_TEST_BUCKET,
  S3_TEST_REGION,
  S3RVER_ACCESS_KEY_ID,
  S3RVER_SECRET_ACCESS_KEY,
  type S3TestServer,
  startS3Server,
  uploadDirectory,
} from "./s3_server.ts";

/** One published lake: its datastore settings and a way to change its objects. */
export interface PublishedLake {
  readonly type: DatastoreType;
  readonly params: Record<string, string>;
  /** Where `key` shows up in error messages (a path or an s3:// URL). */
  locate(key: string): string;
  remove(key: string): Promise<void>;
  put(key: string, bytes: Uint8Array): Promise<void>;
}

export interface LakeBackend {
  readonly name: DatastoreType;
  start(): Promise<void>;
  stop(): Promise<void>;
  publish(lakeDir: string): Promise<PublishedLake>;
  /** The S3 backend's proxy (undefined for Filesystem). */
  readonly proxy: FaultProxy | undefined;
}

export function filesystemBackend(): LakeBackend {
  const copies: string[] = [];
  return {
    name: "Filesystem",
    proxy: undefined,
    async start() {},
    async stop() {
      for (const dir of copies) rmSync(dir, { recursive: true, force: true });
    },
    async publish(lakeDir) {
      const copy = mkdtempSync(join(tmpdir(), "fullhistory-lake-"));
      copies.push(copy);
      cpSync(lakeDir, copy, { recursive: true });
      return {
        type: "Filesystem",
        params: { destination_path: copy },
        locate: (key) => join(copy, key),
        remove: (key) => unlink(join(copy, key)),
        put: async (key, bytes) => {
          await Bun.write(join(copy, key), bytes);
        },
      };
    },
  };
}

export function s3Backend(): LakeBackend {
  let server: S3TestServer | undefined;
  let proxy: FaultProxy | undefined;
  let lakeCount = 0;
  return {
    name: "S3",
    get proxy() {
      return proxy;
    },
    async start() {
      server = await startS3Server();
      proxy = await startFaultProxy(server.port);
    },
    async stop() {
      await proxy?.stop();
      await server?.stop();
    },
    async publish(lakeDir) {
      if (server === undefined || proxy === undefined) throw new Error("s3Backend.publish() before start()");
      const client = server.client;
      const prefix = `lake-${++lakeCount}/`;
      await uploadDirectory(client, lakeDir, prefix);
      return {
        type: "S3",
        params: {
          destination_bucket_path: `${S3_TEST_BUCKET}/${prefix.slice(0, -1)}`,
          endpoint_url: proxy.endpoint,
          region: S3_TEST_REGION,
          access_key_id: S3RVER_ACCESS_KEY_ID,
          secret_access_key: S3RVER_SECRET_ACCESS_KEY,
        },
        locate: (key) => `s3://${S3_TEST_BUCKET}/${prefix}${key}`,
        remove: (key) => client.delete(prefix + key),
        put: async (key, bytes) => {
          await client.write(prefix + key, bytes);
        },
      };
    },
  };
}
