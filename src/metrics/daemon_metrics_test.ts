import { describe, expect, test } from "bun:test";
import { version } from "../../package.json";
import { createDaemonMetrics, observePhase } from "./daemon_metrics.ts";

describe("createDaemonMetrics()", () => {
  test("every metric is prefixed fullhistory_ and build_info names the version", () => {
    const exposition = createDaemonMetrics().registry.exposition();
    const names = [...exposition.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]!);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(name.startsWith("fullhistory_")).toBe(true);
    expect(exposition).toContain(`fullhistory_build_info{version="${version}"} 1\n`);
  });

  test("observePhase() records seconds under the phase label", () => {
    const metrics = createDaemonMetrics();
    observePhase(metrics, "catchup_pass", 2500);
    const exposition = metrics.registry.exposition();
    expect(exposition).toContain('fullhistory_phase_duration_seconds_sum{phase="catchup_pass"} 2.5\n');
    expect(exposition).toContain('fullhistory_phase_duration_seconds_count{phase="catchup_pass"} 1\n');
  });

  test("two daemons' metrics are independent registries", () => {
    const first = createDaemonMetrics();
    const second = createDaemonMetrics();
    first.catchupPassesTotal.inc();
    expect(first.registry.exposition()).toContain("fullhistory_catchup_passes_total 1\n");
    expect(second.registry.exposition()).toContain("fullhistory_catchup_passes_total 0\n");
  });
});
