/**
 * A small metrics registry and its Prometheus text exposition, format 0.0.4 (reference §10.1; no npm
 * dependency). Counters, gauges and histograms with fixed buckets, each with an optional fixed list
 * of label names. Everything is bounded: a metric holds at most `SERIES_PER_METRIC_MAX` label
 * combinations (our label values come from closed sets such as phase names; more is a bug).
 *
 *   # HELP fullhistory_phase_duration_seconds Wall time of one phase run.
 *   # TYPE fullhistory_phase_duration_seconds histogram
 *   fullhistory_phase_duration_seconds_bucket{phase="catchup_pass",le="0.001"} 0
 *   ...
 *   fullhistory_phase_duration_seconds_bucket{phase="catchup_pass",le="+Inf"} 1
 *   fullhistory_phase_duration_seconds_sum{phase="catchup_pass"} 12.5
 *   fullhistory_phase_duration_seconds_count{phase="catchup_pass"} 1
 *
 * Registration is once per name (a second registration is a bug, as in the reference). Metrics
 * appear in registration order, series sorted by their label values, so the text is deterministic.
 * @module
 */

import { assert } from "../assert.ts";

/** Label values of one series, keyed by the metric's label names (all of them, no others). */
export type LabelValues = Readonly<Record<string, string>>;

/** Label combinations one metric may hold. */
export const SERIES_PER_METRIC_MAX = 64;
/** Buckets one histogram may have (plus the implicit +Inf). */
export const HISTOGRAM_BUCKETS_MAX = 64;

/** The Content-Type of `exposition()` (Prometheus text format 0.0.4). */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** What every metric is registered with. */
export interface MetricOptions {
  readonly name: string;
  /** One line for `# HELP`. */
  readonly help: string;
  readonly labelNames?: readonly string[];
}

/** A monotonically increasing count. */
export interface Counter {
  inc(labels?: LabelValues): void;
  /** Adds `amount` ≥ 0. */
  add(amount: number, labels?: LabelValues): void;
}

/** A value that goes up and down. */
export interface Gauge {
  set(value: number, labels?: LabelValues): void;
}

/** Observations counted into fixed buckets. */
export interface Histogram {
  observe(value: number, labels?: LabelValues): void;
}

type MetricType = "counter" | "gauge" | "histogram";

interface HistogramSeries {
  /** Non-cumulative count per bucket; the last slot is the +Inf bucket. */
  readonly bucketCounts: number[];
  sum: number;
  count: number;
}

interface Series {
  /** `name="value",...` in label-name order, escaped; "" without labels. */
  readonly labelText: string;
  /** The counter or gauge value; unused by histograms. */
  value: number;
  readonly histogram: HistogramSeries | undefined;
}

interface Family {
  readonly type: MetricType;
  readonly options: MetricOptions;
  readonly labelNames: readonly string[];
  readonly bucketBounds: readonly number[];
  /** The `le` label of each bucket, then "+Inf". */
  readonly leTexts: readonly string[];
  /** Series by their label values joined with NUL. */
  readonly series: Map<string, Series>;
}

/** `count` bucket bounds `start · factor^i` (reference §10.1 "buckets exponential 0.001 ×4, 12"). */
export function exponentialBuckets(start: number, options: { factor: number; count: number }): number[] {
  assert(start > 0, `exponential buckets start ${start} must be > 0`);
  assert(options.factor > 1, `exponential buckets factor ${options.factor} must be > 1`);
  assert(Number.isInteger(options.count), `exponential bucket count ${options.count} is not an integer`);
  assert(options.count >= 1, `exponential bucket count ${options.count} must be ≥ 1`);
  assert(options.count <= HISTOGRAM_BUCKETS_MAX, `exponential bucket count ${options.count} exceeds ${HISTOGRAM_BUCKETS_MAX}`);
  const bounds: number[] = [];
  for (let index = 0; index < options.count; index++) bounds.push(start * options.factor ** index);
  return bounds;
}

/** The metrics of one process, rendered by `exposition()`. */
export class MetricsRegistry {
  readonly #families = new Map<string, Family>();

  counter(options: MetricOptions): Counter {
    const family = this.#register("counter", options, []);
    return {
      inc: (labels) => addTo(family, 1, labels),
      add: (amount, labels) => {
        assert(amount >= 0, `counter ${options.name}: adding ${amount} < 0`);
        addTo(family, amount, labels);
      },
    };
  }

  gauge(options: MetricOptions): Gauge {
    const family = this.#register("gauge", options, []);
    return {
      set: (value, labels) => {
        seriesOf(family, labels).value = value;
      },
    };
  }

  histogram(options: MetricOptions & { readonly buckets: readonly number[] }): Histogram {
    const bounds = options.buckets;
    assert(bounds.length >= 1, `histogram ${options.name} has no buckets`);
    assert(bounds.length <= HISTOGRAM_BUCKETS_MAX, `histogram ${options.name} has more than ${HISTOGRAM_BUCKETS_MAX} buckets`);
    for (let index = 0; index < bounds.length; index++) {
      assert(Number.isFinite(bounds[index]!), `histogram ${options.name}: bucket ${bounds[index]} is not finite`);
      assert(index === 0 || bounds[index]! > bounds[index - 1]!, `histogram ${options.name}: buckets must increase`);
    }
    assert(!(options.labelNames ?? []).includes("le"), `histogram ${options.name}: "le" is reserved`);
    const family = this.#register("histogram", options, bounds);
    return {
      observe: (value, labels) => {
        const histogram = seriesOf(family, labels).histogram!;
        let bucketIndex = bounds.findIndex((bound) => value <= bound);
        if (bucketIndex === -1) bucketIndex = bounds.length;
        histogram.bucketCounts[bucketIndex]! += 1;
        histogram.sum += value;
        histogram.count += 1;
      },
    };
  }

  /** The whole registry in the Prometheus text format 0.0.4, ending with a newline. */
  exposition(): string {
    let text = "";
    for (const family of this.#families.values()) {
      text += `# HELP ${family.options.name} ${escapeHelp(family.options.help)}\n# TYPE ${family.options.name} ${family.type}\n`;
      const seriesKeys = [...family.series.keys()].sort();
      for (const key of seriesKeys) text = appendSeries(text, family, family.series.get(key)!);
    }
    return text;
  }

  #register(type: MetricType, options: MetricOptions, bucketBounds: readonly number[]): Family {
    assert(METRIC_NAME_RE.test(options.name), `metric name "${options.name}" is not valid`);
    assert(!this.#families.has(options.name), `metric ${options.name} is registered twice`);
    const labelNames = options.labelNames ?? [];
    for (const labelName of labelNames) {
      assert(LABEL_NAME_RE.test(labelName), `metric ${options.name}: label name "${labelName}" is not valid`);
      assert(!labelName.startsWith("__"), `metric ${options.name}: label name "${labelName}" is reserved`);
    }
    assert(new Set(labelNames).size === labelNames.length, `metric ${options.name}: a label name repeats`);
    const leTexts = [...bucketBounds.map(formatValue), "+Inf"];
    const family: Family = { type, options, labelNames, bucketBounds, leTexts, series: new Map() };
    this.#families.set(options.name, family);
    if (labelNames.length === 0) seriesOf(family, undefined); // an unlabeled metric shows 0 before its first update
    return family;
  }
}


function addTo(family: Family, amount: number, labels: LabelValues | undefined): void {
  seriesOf(family, labels).value += amount;
}

function seriesOf(family: Family, labels: LabelValues | undefined): Series {
  const given = labels ?? {};
  const givenNames = Object.keys(given);
  assert(givenNames.length === family.labelNames.length, `metric ${family.options.name}: want labels ${family.labelNames.join(",")}`);
  for (const labelName of family.labelNames) {
    assert(typeof given[labelName] === "string", `metric ${family.options.name}: label ${labelName} is missing`);
  }
  const key = family.labelNames.map((labelName) => given[labelName]!).join("\u0000");
  let series = family.series.get(key);
  if (series === undefined) {
    assert(family.series.size < SERIES_PER_METRIC_MAX, `metric ${family.options.name}: more than ${SERIES_PER_METRIC_MAX} series`);
    const histogram =
      family.type === "histogram"
        ? { bucketCounts: new Array<number>(family.bucketBounds.length + 1).fill(0), sum: 0, count: 0 }
        : undefined;
    const labelText = family.labelNames.map((labelName) => `${labelName}="${escapeLabelValue(given[labelName]!)}"`).join(",");
    series = { labelText, value: 0, histogram };
    family.series.set(key, series);
  }
  return series;
}

/** Appends `series`'s sample lines to `text` (label text and bucket bounds were rendered at creation). */
function appendSeries(text: string, family: Family, series: Series): string {
  const name = family.options.name;
  const labels = series.labelText;
  if (series.histogram === undefined) return `${text}${name}${braced(labels)} ${formatValue(series.value)}\n`;
  let cumulative = 0;
  const leLabelPrefix = labels === "" ? "" : `${labels},`;
  for (let index = 0; index <= family.bucketBounds.length; index++) {
    cumulative += series.histogram.bucketCounts[index]!;
    text += `${name}_bucket{${leLabelPrefix}le="${family.leTexts[index]!}"} ${cumulative}\n`;
  }
  text += `${name}_sum${braced(labels)} ${formatValue(series.histogram.sum)}\n`;
  return `${text}${name}_count${braced(labels)} ${series.histogram.count}\n`;
}

function braced(labelText: string): string {
  return labelText === "" ? "" : `{${labelText}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** HELP text escapes backslash and newline (format 0.0.4). */
function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

/** Label values escape backslash, double quote and newline (format 0.0.4). */
function escapeLabelValue(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}
