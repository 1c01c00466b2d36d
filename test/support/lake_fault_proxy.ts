/**
 * A TCP proxy in front of the test S3 server that fails the next N HTTP requests on command: with a
 * bare `503 Service Unavailable` or by resetting the connection. Bytes are passed through untouched
 * otherwise (the SigV4 signature covers the proxy's host:port, which the server sees as the Host).
 * It also counts requests. Loopback only.
 * @module
 */

import { createConnection, createServer, type Server, type Socket } from "node:net";

export type FaultMode = "503" | "reset";

export interface FaultProxy {
  readonly endpoint: string;
  /** Requests seen so far (failed ones included). */
  readonly requestCount: number;
  /** Requests failed so far. */
  readonly failedCount: number;
  failNextRequests(requestCount: number, mode: FaultMode): void;
  stop(): Promise<void>;
}

const REQUEST_START = /^(GET|HEAD|PUT|POST|DELETE) /;
const RESPONSE_503 = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/** Listens on a free loopback port and forwards to `upstreamPort`. */
export async function startFaultProxy(upstreamPort: number): Promise<FaultProxy> {
  let requestCount = 0;
  let failedCount = 0;
  let failuresLeft = 0;
  let failureMode: FaultMode = "503";
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: "127.0.0.1", port: upstreamPort });
    sockets.add(client);
    sockets.add(upstream);
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", closeBoth);
    upstream.on("error", closeBoth);
    client.on("close", closeBoth);
    upstream.on("close", closeBoth);
    upstream.pipe(client);
    client.on("data", (chunk: Buffer) => {
      if (REQUEST_START.test(chunk.subarray(0, 8).toString("latin1"))) {
        requestCount++;
        if (failuresLeft > 0) {
          failuresLeft--;
          failedCount++;
          if (failureMode === "503") client.end(RESPONSE_503);
          else client.resetAndDestroy();
          upstream.destroy();
          return;
        }
      }
      upstream.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("fault proxy has no TCP address");
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    get requestCount() {
      return requestCount;
    },
    get failedCount() {
      return failedCount;
    },
    failNextRequests(count, mode) {
      failuresLeft = count;
      failureMode = mode;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
