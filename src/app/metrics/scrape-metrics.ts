// A scrape of /metrics: the counters and histograms this process keeps, plus the gauges read from
// the database now (every process reports the same database figures; the process's own families,
// HTTP, worker, provider and sign-in, are its own).

import type { AppDeps } from "../context.js";
import { fromDbInstant } from "../../db/time.js";
import { countOpenPayouts } from "../payouts/payout-list.js";
import { outboxBacklog, payoutsByStatusAndMethod, webhookBacklog } from "./queries.js";

/** Refreshes the database gauges and answers the registry in Prometheus' text format. */
export async function scrapeMetrics(deps: AppDeps): Promise<{ contentType: string; body: string }> {
  const m = deps.metrics;
  const now = deps.clock();
  const [payouts, open, outbox, webhooks] = await Promise.all([
    payoutsByStatusAndMethod(deps.db),
    countOpenPayouts(deps.db, await deps.policies.current(), now),
    outboxBacklog(deps.db),
    webhookBacklog(deps.db),
  ]);
  m.payouts.reset();
  for (const p of payouts) m.payouts.set({ status: p.status, method: p.method }, p.n);
  m.payoutsOverdue.set(open.deadline.overdue);
  m.payoutsAtRisk.set(open.deadline.at_risk);
  m.outboxBacklog.reset();
  let oldestOutbox: number | null = null;
  for (const o of outbox) {
    m.outboxBacklog.set({ topic: o.topic }, o.n);
    if (o.oldest !== null)
      oldestOutbox = Math.min(oldestOutbox ?? Infinity, fromDbInstant(o.oldest));
  }
  m.outboxOldestAge.set(oldestOutbox === null ? 0 : Math.max(0, (now - oldestOutbox) / 1000));
  m.webhookBacklog.reset();
  m.webhookBacklog.set({ status: "pending" }, 0);
  m.webhookBacklog.set({ status: "failed" }, 0);
  let oldestWebhook: number | null = null;
  for (const w of webhooks) {
    m.webhookBacklog.set({ status: w.status }, w.n);
    if (w.status === "pending" && w.oldest !== null) oldestWebhook = fromDbInstant(w.oldest);
  }
  m.webhookOldestAge.set(oldestWebhook === null ? 0 : Math.max(0, (now - oldestWebhook) / 1000));
  return { contentType: m.contentType, body: await m.registry.metrics() };
}
