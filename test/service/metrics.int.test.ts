// GET /metrics (issue 17): the service as it runs (demo company, in-process worker and Stripe
// stand-in), scraped after known actions: the families an operator alerts on are there, named by
// Prometheus' conventions, and their values match what was done and what the database holds.
// Protected: an admin or an API token with metrics:read; or METRICS_PORT on 127.0.0.1 alone.
// SQLite in npm test, PostgreSQL with DATABASE_URL.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  serviceOptionsFromEnv,
  startService,
  type RunningService,
} from "../../src/service/start.js";
import { freshDatabase, type TestDatabase } from "../support/database.js";

const PASSWORD = "demo-password-2026";

let db: TestDatabase;
let s: RunningService;

beforeAll(async () => {
  db = await freshDatabase({ migrate: false });
  const env = serviceOptionsFromEnv({ PORT: "0", METRICS_PORT: "0" });
  s = await startService({
    ...env,
    database: db.options,
    demo: true,
    logger: false,
    workerIdleMs: 20,
    notify: { ...env.notify!, mailDir: `${db.options.dataDir ?? "/tmp"}/mail-metrics` },
  });
}, 60_000);

afterAll(async () => {
  await s?.stop();
  await db?.close();
});

async function signIn(email: string, password = PASSWORD) {
  return fetch(`${s.url}/api/v1/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
}

async function session(email: string) {
  const r = await signIn(email);
  expect(r.status).toBe(200);
  const { csrfToken } = (await r.json()) as { csrfToken: string };
  return { cookie: (r.headers.get("set-cookie") ?? "").split(";")[0]!, "x-csrf-token": csrfToken };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function call(h: Record<string, string>, method: string, path: string, body?: unknown) {
  const r = await fetch(`${s.url}/api/v1${path}`, {
    method,
    headers: { ...h, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text === "" ? null : (JSON.parse(text) as Json);
}

/** The samples of a text exposition: `name{labels}` -> value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** The families declared (# TYPE lines): name -> type. */
function families(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

describe("GET /metrics", () => {
  let token = "";

  it("answers admins and metrics:read tokens; refuses anonymous callers, clients, qa, finance and other tokens", async () => {
    expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
    const alice = await session("alice@acme.example");
    expect((await fetch(`${s.url}/metrics`, { headers: alice })).status).toBe(403);
    const fran = await session("fran@prosphere.example");
    expect((await fetch(`${s.url}/metrics`, { headers: fran })).status).toBe(403);
    const quinn = await session("quinn@prosphere.example");
    expect((await fetch(`${s.url}/metrics`, { headers: quinn })).status).toBe(403);
    const ada = await session("ada@prosphere.example");
    // An admin may scrape with a session (a look by hand); Prometheus uses a token.
    expect((await fetch(`${s.url}/metrics`, { headers: ada })).status).toBe(200);
    const orders = await call(ada, "POST", "/tokens", { name: "erp", scopes: ["orders:read"] });
    const r = await fetch(`${s.url}/metrics`, {
      headers: { authorization: `Bearer ${orders.token}` },
    });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { detail: string }).detail).toMatch(/metrics:read/);
    const scraper = await call(ada, "POST", "/tokens", {
      name: "prometheus",
      scopes: ["metrics:read"],
    });
    token = scraper.token as string;
    // Not under the API: no /api/v1/metrics.
    expect((await fetch(`${s.url}/api/v1/metrics`)).status).toBe(404);
  });

  it("after known actions, the families are there and their values match", async () => {
    // Five wrong passwords for one account from one address, then a sixth attempt: locked (429).
    for (let i = 0; i < 5; i++)
      expect((await signIn("bob@globex.example", "wrong")).status).toBe(401);
    expect((await signIn("bob@globex.example", "wrong")).status).toBe(429);
    // A card refund from request to money: QA approves, finance releases, the worker sends it.
    const quinn = await session("quinn@prosphere.example");
    const fran = await session("fran@prosphere.example");
    const finn = await session("finn@prosphere.example");
    const list = await call(quinn, "GET", "/requests?limit=100");
    const found = (list.items as Json[]).find((r) => r.orderId === "ORD-1001");
    const request = await call(quinn, "GET", `/requests/${found.id}`);
    const reviewed = await call(quinn, "POST", `/requests/${request.id}/start-review`, {
      expectedVersion: request.version,
    });
    await call(quinn, "POST", `/requests/${request.id}/approve`, {
      expectedVersion: reviewed.version,
      amount: request.recommendation.amount,
    });
    const [p] = (await call(fran, "GET", `/payouts?requestId=${request.id}`)).items as Json[];
    let a = await call(fran, "POST", `/payouts/${p.id}/approve`, { expectedVersion: p.version });
    if (!a.released) {
      a = await call(finn, "POST", `/payouts/${p.id}/approve`, { expectedVersion: a.version });
    }
    for (let i = 0; ; i++) {
      const now = await call(fran, "GET", `/payouts/${p.id}`);
      if (now.status === "succeeded") break;
      if (i > 400) throw new Error(`payout is ${now.status}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    // The worker keeps relaying the outbox: the scrape's backlog lies between the counts before
    // and after it.
    const pendingOutbox = async () =>
      (await db.db.selectFrom("outbox").select("id").where("done_at", "is", null).execute()).length;
    const outboxBefore = await pendingOutbox();
    const r = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    const fam = families(text);
    for (const [name, type] of [
      ["refund_desk_http_request_duration_seconds", "histogram"],
      ["refund_desk_http_requests_total", "counter"],
      ["refund_desk_payouts", "gauge"],
      ["refund_desk_payouts_overdue", "gauge"],
      ["refund_desk_payouts_at_risk", "gauge"],
      ["refund_desk_outbox_backlog", "gauge"],
      ["refund_desk_outbox_oldest_message_age_seconds", "gauge"],
      ["refund_desk_webhook_deliveries_backlog", "gauge"],
      ["refund_desk_webhook_delivery_oldest_age_seconds", "gauge"],
      ["refund_desk_worker_tick_duration_seconds", "histogram"],
      ["refund_desk_worker_tick_errors_total", "counter"],
      ["refund_desk_provider_call_duration_seconds", "histogram"],
      ["refund_desk_provider_call_failures_total", "counter"],
      ["refund_desk_sign_in_throttled_total", "counter"],
      ["refund_desk_sign_in_failures_total", "counter"],
      ["refund_desk_process_cpu_seconds_total", "counter"],
      ["refund_desk_process_resident_memory_bytes", "gauge"],
      ["refund_desk_nodejs_eventloop_lag_seconds", "gauge"],
    ] as const) {
      expect(fam.get(name), name).toBe(type);
    }
    // Prometheus naming: one prefix, counters end in _total, durations in _seconds.
    for (const [name, type] of fam) {
      expect(name).toMatch(/^refund_desk_[a-z0-9_]+$/);
      if (type === "counter") expect(name).toMatch(/_total$/);
      if (name.includes("duration")) expect(name).toMatch(/_seconds$/);
    }
    const v = samples(text);
    expect(v.get("refund_desk_sign_in_failures_total")).toBe(5);
    expect(v.get("refund_desk_sign_in_throttled_total")).toBe(1);
    expect(
      v.get(
        'refund_desk_http_requests_total{method="POST",route="/api/v1/session",status_code="401"}',
      ),
    ).toBe(5);
    expect(
      v.get(
        'refund_desk_http_requests_total{method="POST",route="/api/v1/session",status_code="429"}',
      ),
    ).toBe(1);
    // Routes are labelled by pattern, never by URL (ids would make a series per request).
    expect(text).toContain('route="/api/v1/payouts/:id"');
    expect(text).not.toContain(p.id);
    expect(
      v.get(
        'refund_desk_http_request_duration_seconds_count{method="POST",route="/api/v1/session",status_code="429"}',
      ),
    ).toBe(1);
    // The card refund went through the provider once, and succeeded.
    expect(
      v.get(
        'refund_desk_provider_call_duration_seconds_count{operation="submit_refund",outcome="succeeded"}',
      ),
    ).toBe(1);
    expect(v.get("refund_desk_worker_tick_duration_seconds_count")).toBeGreaterThan(0);
    expect(v.get("refund_desk_worker_tick_errors_total")).toBe(0);
    // Payouts by status and method are the database's counts.
    const rows = await db.db.selectFrom("payouts").select(["status", "method"]).execute();
    const counted = new Map<string, number>();
    for (const row of rows) {
      const key = `refund_desk_payouts{status="${row.status}",method="${row.method}"}`;
      counted.set(key, (counted.get(key) ?? 0) + 1);
    }
    expect(counted.get('refund_desk_payouts{status="succeeded",method="card"}')).toBeGreaterThan(0);
    for (const [key, n] of counted) expect(v.get(key), key).toBe(n);
    const outboxAfter = await pendingOutbox();
    const backlog = [...v].filter(([k]) => k.startsWith("refund_desk_outbox_backlog{"));
    const scraped = backlog.reduce((sum, [, n]) => sum + n, 0);
    expect(scraped).toBeLessThanOrEqual(outboxBefore);
    expect(scraped).toBeGreaterThanOrEqual(outboxAfter);
    expect(v.get("refund_desk_payouts_overdue")).toBe(0);
  });

  it("METRICS_PORT serves the same families on 127.0.0.1 without a token", async () => {
    expect(s.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const r = await fetch(s.metricsUrl!);
    expect(r.status).toBe(200);
    const fam = families(await r.text());
    expect(fam.get("refund_desk_sign_in_throttled_total")).toBe("counter");
    expect(fam.get("refund_desk_payouts")).toBe("gauge");
    expect((await fetch(s.metricsUrl!.replace("/metrics", "/other"))).status).toBe(404);
  });
});
