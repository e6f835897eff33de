// The service's Prometheus metrics (issue 17): one registry per set of deps (ADR 0020: no module
// state), filled by the HTTP shell (request durations), the worker (ticks), the card-provider
// wrapper (calls), sign-in (throttles) and, at scrape time, by reads of the database (payouts,
// backlogs: `scrapeMetrics`). Names follow Prometheus' conventions: `refund_desk_` prefix, base
// units (`_seconds`), counters end in `_total`.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { HttpMetrics } from "./http-metrics.js";

/** The prefix of every family. */
export const METRICS_PREFIX = "refund_desk_";

/** Buckets for HTTP requests and provider calls, in seconds (5 ms to 30 s). */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class ServiceMetrics {
  readonly registry = new Registry();

  /** Request durations and counts (http-metrics.ts: prom-client's output, cheaper to observe). */
  readonly http = new HttpMetrics({
    registry: this.registry,
    durationName: `${METRICS_PREFIX}http_request_duration_seconds`,
    durationHelp:
      "HTTP request durations, by method, route (its pattern, not the URL) and status code.",
    countName: `${METRICS_PREFIX}http_requests_total`,
    countHelp: "HTTP requests answered, by method, route and status code.",
    buckets: LATENCY_BUCKETS,
  });

  readonly payouts = new Gauge({
    name: `${METRICS_PREFIX}payouts`,
    help: "Payouts by status and method (read from the database at scrape time).",
    labelNames: ["status", "method"] as const,
    registers: [this.registry],
  });

  readonly payoutsOverdue = new Gauge({
    name: `${METRICS_PREFIX}payouts_overdue`,
    help: "Open payouts past their latest due date (alert on > 0).",
    registers: [this.registry],
  });

  readonly payoutsAtRisk = new Gauge({
    name: `${METRICS_PREFIX}payouts_at_risk`,
    help: "Open payouts with two business days or fewer before their latest due date.",
    registers: [this.registry],
  });

  readonly outboxBacklog = new Gauge({
    name: `${METRICS_PREFIX}outbox_backlog`,
    help: "Outbox messages (e-mails, webhook fan-out, account mails) not handled yet, by topic.",
    labelNames: ["topic"] as const,
    registers: [this.registry],
  });

  readonly outboxOldestAge = new Gauge({
    name: `${METRICS_PREFIX}outbox_oldest_message_age_seconds`,
    help: "Age of the oldest outbox message not handled yet (0 when none).",
    registers: [this.registry],
  });

  readonly webhookBacklog = new Gauge({
    name: `${METRICS_PREFIX}webhook_deliveries_backlog`,
    help: "Outbound webhook deliveries waiting to be delivered (pending), and parked ones (failed).",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });

  readonly webhookOldestAge = new Gauge({
    name: `${METRICS_PREFIX}webhook_delivery_oldest_age_seconds`,
    help: "Age of the oldest pending outbound webhook delivery (0 when none).",
    registers: [this.registry],
  });

  readonly workerTickDuration = new Histogram({
    name: `${METRICS_PREFIX}worker_tick_duration_seconds`,
    help: "Duration of the worker's ticks (payouts, outbox, webhooks, alerts) in this process.",
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
    registers: [this.registry],
  });

  readonly workerTickErrors = new Counter({
    name: `${METRICS_PREFIX}worker_tick_errors_total`,
    help: "Worker ticks that failed (the worker goes on; the error is logged).",
    registers: [this.registry],
  });

  readonly providerCallDuration = new Histogram({
    name: `${METRICS_PREFIX}provider_call_duration_seconds`,
    help: "Card-provider calls, by operation (submit_refund, lookup_refund) and outcome.",
    labelNames: ["operation", "outcome"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly providerCallFailures = new Counter({
    name: `${METRICS_PREFIX}provider_call_failures_total`,
    help: "Card-provider calls that ended failed or unknown, by operation and outcome.",
    labelNames: ["operation", "outcome"] as const,
    registers: [this.registry],
  });

  readonly signInThrottled = new Counter({
    name: `${METRICS_PREFIX}sign_in_throttled_total`,
    help: "Sign-ins refused with 429 because the account or the address is locked.",
    registers: [this.registry],
  });

  readonly signInFailures = new Counter({
    name: `${METRICS_PREFIX}sign_in_failures_total`,
    help: "Sign-ins refused for a wrong address or password (each counts towards a lock).",
    registers: [this.registry],
  });

  constructor(options: { readonly processMetrics?: boolean } = {}) {
    // CPU, memory, event-loop lag, handles, GC: the process's own figures.
    if (options.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: METRICS_PREFIX });
    }
  }

  /** The text exposition format's content type. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
