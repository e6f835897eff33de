// The two per-request families (issue 17): `http_request_duration_seconds` (a histogram) and
// `http_requests_total` (a counter), by method, route pattern and status code.
//
// Every answer is observed, so the observation is on every request's path. prom-client's own
// Histogram and Counter cost about 3 µs per request for the two (each call checks the label
// names, hashes the label object into a string key and looks the series up by it): a twentieth
// of a request read's server time in bench:api. Here one observation is a Map lookup by a short
// key and a few additions into the series' counts, and both families are read from the same
// series (a request counted is the histogram's `_count`). The registry still writes the text:
// these objects give it what prom-client's Histogram and Counter give it (`get` and
// `getForPromString`, same values, labels and order), so /metrics is unchanged, byte for byte
// (http-metrics.test.ts compares the two).

import type { MetricValueWithName, Registry } from "prom-client";

type Labels = { readonly method: string; readonly route: string; readonly status_code: string };

/** One (method, route, status code): counts per bucket (not cumulative), sum and count. */
interface Series {
  readonly labels: Labels;
  readonly buckets: number[];
  sum: number;
  count: number;
}

export interface HttpMetricsOptions {
  readonly registry: Pick<Registry, "registerMetric">;
  readonly durationName: string;
  readonly durationHelp: string;
  readonly countName: string;
  readonly countHelp: string;
  /** Upper bounds in seconds, ascending. */
  readonly buckets: readonly number[];
}

export class HttpMetrics {
  readonly #series = new Map<string, Series>();
  readonly #bounds: readonly number[];

  constructor(options: HttpMetricsOptions) {
    this.#bounds = [...options.buckets];
    // Registered as prom-client registers its own metrics: by name, in this order.
    options.registry.registerMetric(
      new Family(
        options.durationName,
        options.durationHelp,
        "histogram",
        () => this.#histogram(options.durationName),
        () => this.reset(),
      ) as never,
    );
    options.registry.registerMetric(
      new Family(
        options.countName,
        options.countHelp,
        "counter",
        () => this.#counter(),
        () => this.reset(),
      ) as never,
    );
  }

  /** One answer: its method, route pattern, status code and duration in seconds. */
  observe(method: string, route: string, statusCode: number, seconds: number): void {
    const key = `${statusCode} ${method} ${route}`;
    let s = this.#series.get(key);
    if (s === undefined) {
      const labels = { method, route, status_code: String(statusCode) };
      s = { labels, buckets: new Array<number>(this.#bounds.length).fill(0), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    // Non-finite durations are refused by prom-client; Fastify's elapsed time is always finite.
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= bounds[i]!) {
        s.buckets[i]! += 1;
        break;
      }
    }
    s.sum += seconds;
    s.count += 1;
  }

  /** prom-client Histogram's values: cumulative buckets, +Inf, sum and count per series. */
  #histogram(name: string): PromValue[] {
    const values: PromValue[] = [];
    for (const s of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        cumulative += s.buckets[i]!;
        const le = this.#bounds[i]!;
        values.push(value({ le }, cumulative, `${name}_bucket`, null, s.labels));
      }
      values.push(value({ le: "+Inf" }, s.count, `${name}_bucket`, null, s.labels));
      values.push(value({}, s.sum, `${name}_sum`, undefined, s.labels));
      values.push(value({}, s.count, `${name}_count`, undefined, s.labels));
    }
    return values;
  }

  /** prom-client Counter's values: one per series. */
  #counter(): PromValue[] {
    return [...this.#series.values()].map((s) => ({ value: s.count, labels: s.labels }));
  }

  reset(): void {
    this.#series.clear();
  }
}

/** A value as prom-client's histogram hands it to the registry (series labels as `sharedLabels`). */
interface PromValue extends MetricValueWithName<string> {
  readonly sharedLabels?: Labels;
}

function value(
  labels: Record<string, string | number>,
  v: number,
  metricName: string,
  exemplar: null | undefined,
  sharedLabels: Labels,
): PromValue {
  // The fields and their order as prom-client's setValuePair makes them.
  return { labels, sharedLabels, value: v, metricName, exemplar } as PromValue;
}

/** What prom-client's `get` / `getForPromString` resolve to. */
interface FamilyData {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly aggregator: string;
  readonly values: readonly object[];
}

/** What the registry reads of a metric: prom-client's `get` / `getForPromString` shape. */
class Family {
  readonly aggregator = "sum";
  constructor(
    public name: string,
    readonly help: string,
    readonly type: "histogram" | "counter",
    readonly values: () => PromValue[],
    readonly reset: () => void,
  ) {}

  /** The text format's values (the registry prefers this): series labels kept apart. */
  getForPromString(): Promise<FamilyData> {
    return Promise.resolve({ ...this.#head(), values: this.values() });
  }

  /** The JSON values: series labels merged into each value's own (prom-client's `splayLabels`). */
  get(): Promise<FamilyData> {
    const values = this.values().map(({ sharedLabels, labels, ...rest }) => ({
      ...rest,
      labels: { ...labels, ...sharedLabels },
    }));
    return Promise.resolve({ ...this.#head(), values });
  }

  #head() {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator };
  }
}
