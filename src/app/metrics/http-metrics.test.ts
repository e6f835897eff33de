// HttpMetrics must expose exactly what prom-client's Histogram and Counter exposed before it: the
// same observations into both give the same /metrics text and the same JSON.

import { Counter, Histogram, Registry, type RegistryContentType } from "prom-client";
import { describe, expect, it } from "vitest";
import { HttpMetrics } from "./http-metrics.js";
import { LATENCY_BUCKETS } from "./metrics.js";

const names = {
  durationName: "t_http_request_duration_seconds",
  durationHelp: "Durations, by method, route and status code.",
  countName: "t_http_requests_total",
  countHelp: "Requests answered.",
};

function promClient() {
  const registry = new Registry<RegistryContentType>();
  const labelNames = ["method", "route", "status_code"] as const;
  const duration = new Histogram({
    name: names.durationName,
    help: names.durationHelp,
    labelNames,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const count = new Counter({
    name: names.countName,
    help: names.countHelp,
    labelNames,
    registers: [registry],
  });
  const observe = (method: string, route: string, status: number, seconds: number) => {
    const labels = { method, route, status_code: String(status) };
    duration.observe(labels, seconds);
    count.inc(labels);
  };
  return { registry, observe };
}

function ours() {
  const registry = new Registry<RegistryContentType>();
  const http = new HttpMetrics({ registry, ...names, buckets: LATENCY_BUCKETS });
  return { registry, observe: http.observe.bind(http), http };
}

// Durations on, between and past the bounds, routes with characters the format escapes.
const observations: [string, string, number, number][] = [
  ["GET", "/api/v1/requests/:id", 200, 0.0012],
  ["GET", "/api/v1/requests/:id", 200, 0.005],
  ["POST", "/api/v1/requests", 201, 0.031],
  ["GET", "/api/v1/requests/:id", 404, 0.0007],
  ["GET", "unmatched", 404, 45],
  ["GET", "/api/v1/requests/:id", 200, 0.25],
  ["PUT", 'a "quoted"\\route\nx', 500, 10],
  ["POST", "/api/v1/requests", 201, 0.1 + 0.2],
  ["GET", "/api/v1/requests/:id", 200, 0],
];

describe("HttpMetrics", () => {
  it("exposes what prom-client's Histogram and Counter expose, in text and JSON", async () => {
    const a = promClient();
    const b = ours();
    expect(await b.registry.metrics()).toBe(await a.registry.metrics()); // nothing observed yet
    for (const [method, route, status, seconds] of observations) {
      a.observe(method, route, status, seconds);
      b.observe(method, route, status, seconds);
    }
    const text = await b.registry.metrics();
    expect(text).toBe(await a.registry.metrics());
    expect(text).toContain(
      't_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/v1/requests/:id",status_code="200"} 3',
    );
    expect(await b.registry.getMetricsAsJSON()).toEqual(await a.registry.getMetricsAsJSON());

    a.registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    b.registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    expect(await b.registry.metrics()).toBe(await a.registry.metrics());
  });

  it("starts over on the registry's reset", async () => {
    const a = promClient();
    const b = ours();
    b.observe("GET", "/x", 200, 0.01);
    b.registry.resetMetrics();
    expect(await b.registry.metrics()).toBe(await a.registry.metrics());
  });
});
