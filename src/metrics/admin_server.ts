/**
 * The admin HTTP server (`[service] admin_endpoint`, D3; reference §10.1): `GET /metrics` answers
 * the registry in the Prometheus text format 0.0.4; every other path is 404 and every other method
 * on `/metrics` is 405. Started only when the endpoint is set; stopped before the process exits so
 * nothing keeps the event loop alive.
 * @module
 */

import { errnoCode, FullhistoryError } from "../errors.ts";
import { EXPOSITION_CONTENT_TYPE, type MetricsRegistry } from "./registry.ts";

/** The admin endpoint could not be bound (address in use, not permitted, unknown host). */
export class AdminEndpointError extends FullhistoryError {
  override name = "AdminEndpointError";
}

/** A running admin server. */
export interface AdminServer {
  /** `http://host:port` as bound (the port is the real one when 0 was asked for). */
  readonly url: string;
  /** Stops listening and closes open connections. */
  stop(): Promise<void>;
}

/** `host:port` → Bun.serve's hostname and port; a bracketed IPv6 host loses its brackets. */
export function parseHostPort(endpoint: string): { hostname: string; port: number } {
  const separator = endpoint.lastIndexOf(":");
  const host = endpoint.slice(0, separator);
  const hostname = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  return { hostname, port: Number(endpoint.slice(separator + 1)) };
}

/** Listens on `endpoint` (`host:port`, validated by the config schema) and serves `registry`. */
export function startAdminServer(endpoint: string, options: { registry: MetricsRegistry }): AdminServer {
  const { hostname, port } = parseHostPort(endpoint);
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname,
      port,
      fetch(request) {
        const path = new URL(request.url).pathname;
        if (path !== "/metrics") return new Response("not found: try /metrics\n", { status: 404 });
        if (request.method !== "GET" && request.method !== "HEAD") {
          return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
        }
        return new Response(options.registry.exposition(), { headers: { "content-type": EXPOSITION_CONTENT_TYPE } });
      },
    });
  } catch (err) {
    const code = errnoCode(err) ?? (err instanceof Error ? err.message : String(err));
    throw new AdminEndpointError(
      `Cannot serve metrics on [service] admin_endpoint "${endpoint}": ${code}; choose a free host:port or set it to "" to turn it off`,
      { cause: err },
    );
  }
  const boundHost = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${boundHost}:${server.port}`,
    stop: () => server.stop(true),
  };
}
