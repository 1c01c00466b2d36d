import { afterEach, describe, expect, test } from "bun:test";
import { type AdminServer, AdminEndpointError, parseHostPort, startAdminServer } from "./admin_server.ts";
import { EXPOSITION_CONTENT_TYPE, MetricsRegistry } from "./registry.ts";

const servers: AdminServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

function start(registry: MetricsRegistry, endpoint = "127.0.0.1:0"): AdminServer {
  const server = startAdminServer(endpoint, { registry });
  servers.push(server);
  return server;
}

describe("startAdminServer()", () => {
  test("GET /metrics answers the registry's current exposition as text format 0.0.4", async () => {
    const registry = new MetricsRegistry();
    const gauge = registry.gauge({ name: "fullhistory_last_committed_ledger", help: "x" });
    const server = start(registry);
    gauge.set(30_001);
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(EXPOSITION_CONTENT_TYPE);
    expect(await response.text()).toBe(registry.exposition());
    gauge.set(40_001);
    expect(await (await fetch(`${server.url}/metrics`)).text()).toContain("fullhistory_last_committed_ledger 40001\n");
  });

  test("another path is 404 and another method is 405", async () => {
    const server = start(new MetricsRegistry());
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: "POST" })).status).toBe(405);
  });

  test("an endpoint already in use fails with a message naming it", async () => {
    const first = start(new MetricsRegistry());
    const endpoint = first.url.replace("http://", "");
    expect(() => start(new MetricsRegistry(), endpoint)).toThrow(AdminEndpointError);
    expect(() => start(new MetricsRegistry(), endpoint)).toThrow(`admin_endpoint "${endpoint}"`);
  });

  test("stop() releases the port so it can be bound again", async () => {
    const first = start(new MetricsRegistry());
    const endpoint = first.url.replace("http://", "");
    await servers.pop()!.stop();
    expect(start(new MetricsRegistry(), endpoint).url).toBe(first.url);
  });
});

describe("parseHostPort()", () => {
  test.each([
    ["localhost:9100", { hostname: "localhost", port: 9100 }],
    ["0.0.0.0:80", { hostname: "0.0.0.0", port: 80 }],
    ["[::1]:9100", { hostname: "::1", port: 9100 }],
  ])("%s", (endpoint, expected) => {
    expect(parseHostPort(endpoint)).toEqual(expected);
  });
});
