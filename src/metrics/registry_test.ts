import { describe, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { exponentialBuckets, MetricsRegistry, SERIES_PER_METRIC_MAX } from "./registry.ts";

describe("MetricsRegistry.exposition()", () => {
  test("renders an unlabeled counter and gauge with HELP, TYPE and a value, 0 before any update", () => {
    const registry = new MetricsRegistry();
    const passes = registry.counter({ name: "fullhistory_catchup_passes_total", help: "Completed catch-up passes." });
    registry.gauge({ name: "fullhistory_last_committed_ledger", help: "Last committed ledger." });
    passes.inc();
    passes.add(2);
    expect(registry.exposition()).toBe(
      [
        "# HELP fullhistory_catchup_passes_total Completed catch-up passes.",
        "# TYPE fullhistory_catchup_passes_total counter",
        "fullhistory_catchup_passes_total 3",
        "# HELP fullhistory_last_committed_ledger Last committed ledger.",
        "# TYPE fullhistory_last_committed_ledger gauge",
        "fullhistory_last_committed_ledger 0",
        "",
      ].join("\n"),
    );
  });

  test("renders a labeled histogram with cumulative buckets, +Inf, sum and count", () => {
    const registry = new MetricsRegistry();
    const phases = registry.histogram({ name: "h", help: "x", labelNames: ["phase"], buckets: [0.5, 1, 2] });
    phases.observe(0.25, { phase: "rebuild" });
    phases.observe(1, { phase: "rebuild" });
    phases.observe(7, { phase: "rebuild" });
    expect(registry.exposition()).toBe(
      [
        "# HELP h x",
        "# TYPE h histogram",
        'h_bucket{phase="rebuild",le="0.5"} 1',
        'h_bucket{phase="rebuild",le="1"} 2',
        'h_bucket{phase="rebuild",le="2"} 2',
        'h_bucket{phase="rebuild",le="+Inf"} 3',
        'h_sum{phase="rebuild"} 8.25',
        'h_count{phase="rebuild"} 3',
        "",
      ].join("\n"),
    );
  });

  test("sorts series by label value and a labeled metric without series shows only HELP and TYPE", () => {
    const registry = new MetricsRegistry();
    const gauge = registry.gauge({ name: "g", help: "x", labelNames: ["kind"] });
    registry.counter({ name: "c", help: "y", labelNames: ["kind"] });
    gauge.set(2, { kind: "txhash" });
    gauge.set(1, { kind: "events" });
    expect(registry.exposition()).toBe(
      ["# HELP g x", "# TYPE g gauge", 'g{kind="events"} 1', 'g{kind="txhash"} 2', "# HELP c y", "# TYPE c counter", ""].join("\n"),
    );
  });

  test("escapes backslash and newline in HELP and backslash, quote and newline in label values", () => {
    const registry = new MetricsRegistry();
    registry.gauge({ name: "g", help: "a\\b\nc", labelNames: ["path"] }).set(1, { path: 'C:\\x"y"\nz' });
    expect(registry.exposition()).toBe(['# HELP g a\\\\b\\nc', "# TYPE g gauge", 'g{path="C:\\\\x\\"y\\"\\nz"} 1', ""].join("\n"));
  });

  test("formats non-finite values as +Inf, -Inf and NaN", () => {
    const registry = new MetricsRegistry();
    const gauge = registry.gauge({ name: "g", help: "x", labelNames: ["v"] });
    gauge.set(Infinity, { v: "a" });
    gauge.set(-Infinity, { v: "b" });
    gauge.set(NaN, { v: "c" });
    expect(registry.exposition()).toContain('g{v="a"} +Inf\ng{v="b"} -Inf\ng{v="c"} NaN\n');
  });
});

describe("MetricsRegistry invalid use", () => {
  test("registering a name twice is a bug", () => {
    const registry = new MetricsRegistry();
    registry.counter({ name: "c", help: "x" });
    expect(() => registry.gauge({ name: "c", help: "x" })).toThrow(InvariantError);
  });

  test("an invalid metric or label name is a bug", () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter({ name: "9bad", help: "x" })).toThrow(InvariantError);
    expect(() => registry.counter({ name: "ok", help: "x", labelNames: ["__reserved"] })).toThrow(InvariantError);
    expect(() => registry.histogram({ name: "h", help: "x", labelNames: ["le"], buckets: [1] })).toThrow(InvariantError);
  });

  test("missing, extra or wrong labels are a bug", () => {
    const gauge = new MetricsRegistry().gauge({ name: "g", help: "x", labelNames: ["phase"] });
    expect(() => gauge.set(1)).toThrow(InvariantError);
    expect(() => gauge.set(1, { phase: "a", other: "b" })).toThrow(InvariantError);
    expect(() => gauge.set(1, { other: "b" })).toThrow(InvariantError);
  });

  test("a counter never goes down", () => {
    const counter = new MetricsRegistry().counter({ name: "c", help: "x" });
    expect(() => counter.add(-1)).toThrow(InvariantError);
  });

  test("histogram buckets must be finite and increasing", () => {
    const registry = new MetricsRegistry();
    expect(() => registry.histogram({ name: "a", help: "x", buckets: [] })).toThrow(InvariantError);
    expect(() => registry.histogram({ name: "b", help: "x", buckets: [1, 1] })).toThrow(InvariantError);
    expect(() => registry.histogram({ name: "c", help: "x", buckets: [1, Infinity] })).toThrow(InvariantError);
  });

  test(`a metric holds at most ${SERIES_PER_METRIC_MAX} series`, () => {
    const gauge = new MetricsRegistry().gauge({ name: "g", help: "x", labelNames: ["n"] });
    for (let index = 0; index < SERIES_PER_METRIC_MAX; index++) gauge.set(index, { n: String(index) });
    expect(() => gauge.set(0, { n: "one more" })).toThrow(InvariantError);
  });
});

describe("exponentialBuckets()", () => {
  test("0.001 ×4, 12 buckets ends at 0.001·4^11", () => {
    const bounds = exponentialBuckets(0.001, { factor: 4, count: 12 });
    expect(bounds).toHaveLength(12);
    expect(bounds[0]).toBe(0.001);
    expect(bounds[11]).toBeCloseTo(0.001 * 4 ** 11, 6);
  });

  test("rejects a factor ≤ 1 and a zero count", () => {
    expect(() => exponentialBuckets(1, { factor: 1, count: 3 })).toThrow(InvariantError);
    expect(() => exponentialBuckets(1, { factor: 2, count: 0 })).toThrow(InvariantError);
  });
});
