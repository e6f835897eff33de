// The reports over HTTP, on known data written straight into the tables: every figure below is
// worked out by hand. The same file runs on SQLite (npm test) and PostgreSQL (DATABASE_URL), so
// the two databases must answer the same numbers, medians and 90th percentiles included. The
// policy's zone is America/New_York, whose clocks move forward on Sunday 8 March 2026: weeks and
// months are cut at local midnight on either side of the change.

import type { Insertable } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Policy } from "../../src/core/policy/index.js";
import { REPORTS, REPORT_NAMES, type ReportName } from "../../src/core/reports/index.js";
import type { Database } from "../../src/db/schema.js";
import { loadPolicyFile } from "../../src/policy-file/load.js";
import { wantsCsv } from "../../src/http/routes/reports.js";
import { clientRow, orderRow, paymentRow, requestRow, userRow } from "../support/db-rows.js";
import { testServer } from "../support/http.js";

const DAY = 86_400_000;
const QA = { "x-test-actor": "qa:usr_ann" };
const NOW = Date.parse("2026-03-12T16:00:00.000Z"); // Thursday 12 March, 12:00 in New York
const iso = (ms: number) => new Date(ms).toISOString();

function newYorkPolicy(): Policy {
  const loaded = loadPolicyFile();
  if (!loaded.ok) throw new Error(loaded.error.message);
  return { ...loaded.value, params: { ...loaded.value.params, timezone: "America/New_York" } };
}

type Table = keyof Database;

/** A small world: one client, one order; rows added per test through `add`. */
async function world() {
  const t = await testServer({ policy: newYorkPolicy(), now: NOW });
  const db = t.db.db;
  const client = clientRow({ id: "cl_1" });
  const order = orderRow(client.id, { id: "ord_1" });
  await db.insertInto("clients").values(client).execute();
  await db.insertInto("orders").values(order).execute();
  for (const [id, name] of [
    ["usr_ann", "Ann Reviewer"],
    ["usr_bob", "Bob Reviewer"],
  ] as const) {
    await db.insertInto("users").values(userRow({ id, name })).execute();
  }
  let n = 0;
  const add = async <T extends Table>(table: T, row: Insertable<Database[T]>) => {
    await db
      .insertInto(table)
      .values(row as never)
      .execute();
  };
  const ids = { next: (prefix: string) => `${prefix}_${String(++n).padStart(4, "0")}` };
  return { t, db, order: { id: order.id, client_id: client.id }, add, ids };
}
type World = Awaited<ReturnType<typeof world>>;

async function request(
  w: World,
  o: {
    submittedAt: string;
    /** null: a request in triage, its reason not classified yet. */
    reason?: string | null;
    status?: string;
    outcome?: string | null;
    amount?: string;
    waitingSince?: string | null;
  },
): Promise<{ id: string; recommendationId: string | null }> {
  const id = w.ids.next("req");
  const recommendationId = o.outcome === null || o.outcome === undefined ? null : `${id}_rec`;
  await w.add(
    "refund_requests",
    requestRow(w.order, {
      id,
      reason: o.reason === undefined ? "not_delivered" : o.reason,
      status: o.status ?? "submitted",
      submitted_at: o.submittedAt,
      updated_at: o.submittedAt,
      recommendation_id: recommendationId,
      waiting_since: o.waitingSince ?? null,
    }),
  );
  if (recommendationId !== null) {
    await w.add("recommendations", {
      id: recommendationId,
      request_id: id,
      policy_version: "test",
      outcome: o.outcome!,
      amount_minor: o.outcome === "refund" ? (o.amount ?? "480000") : null,
      amount_currency: o.outcome === "refund" ? "USD" : null,
      decision_json: "{}",
      created_at: o.submittedAt,
    });
  }
  return { id, recommendationId };
}

async function decision(
  w: World,
  req: { id: string; recommendationId: string | null },
  o: { by: string; kind: "approve" | "deny" | "offer_alternative"; at: string; amount?: string },
): Promise<string> {
  const id = w.ids.next("dec");
  await w.add("decisions", {
    id,
    request_id: req.id,
    recommendation_id: req.recommendationId,
    decided_by: o.by,
    kind: o.kind,
    amount_minor: o.kind === "approve" ? (o.amount ?? "480000") : null,
    amount_currency: o.kind === "approve" ? "USD" : null,
    justification: null,
    alternative: null,
    created_at: o.at,
  });
  return id;
}

async function payment(w: World, o: { amount: string; currency?: string; refunded?: string }) {
  const id = w.ids.next("pay");
  await w.add(
    "payments",
    paymentRow(w.order, {
      id,
      amount_minor: o.amount,
      currency: o.currency ?? "USD",
      refunded_minor: o.refunded ?? "0",
    }),
  );
  return id;
}

async function payout(
  w: World,
  o: {
    requestId: string;
    decisionId: string;
    paymentId: string;
    amount?: string;
    currency?: string;
    method?: string;
    status?: string;
    dueLatest?: string;
    succeededAt?: string | null;
    /** When it was written: its approval's instant, or later for a reissue's replacement. */
    createdAt?: string;
    reissueOf?: string;
  },
): Promise<string> {
  const id = w.ids.next("po");
  await w.add("payouts", {
    id,
    request_id: o.requestId,
    decision_id: o.decisionId,
    payment_id: o.paymentId,
    method: o.method ?? "card",
    amount_minor: o.amount ?? "480000",
    currency: o.currency ?? "USD",
    status: (o.status ?? "succeeded") as never,
    due_earliest: "2026-03-01",
    due_latest: o.dueLatest ?? "2026-03-20",
    idempotency_key: `key_${id}`,
    created_at: o.createdAt ?? "2026-02-20T12:00:00.000Z",
    updated_at: o.createdAt ?? "2026-02-20T12:00:00.000Z",
    succeeded_at: o.succeededAt ?? null,
    reissue_of: o.reissueOf ?? null,
  });
  return id;
}

async function get(
  w: World,
  name: ReportName,
  query: string,
  headers: Record<string, string> = QA,
) {
  return w.t.app.inject({ method: "GET", url: `/api/v1/reports/${name}?${query}`, headers });
}

async function rowsOf(w: World, name: ReportName, query: string) {
  const res = await get(w, name, query);
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<{ rows: Record<string, unknown>[]; period: unknown; columns: unknown }>();
  return body;
}

/** CSV text -> rows of fields (the simple CSV the reports write: no quotes needed here). */
function csvRows(text: string): string[][] {
  expect(text.endsWith("\r\n")).toBe(true);
  return text
    .slice(0, -2)
    .split("\r\n")
    .map((line) => line.split(","));
}

/** What a JSON row's values look like in the CSV. */
const asCsv = (v: unknown): string => (v === null ? "" : String(v));

describe("reports: requests per week (request-volume)", () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
    // Sunday 1 March, 23:30 in New York (EST, UTC-5): the week of 23 February.
    await request(w, {
      submittedAt: "2026-03-02T04:30:00.000Z",
      reason: "mismatch",
      status: "denied",
      outcome: "deny",
    });
    // Monday 2 March, 00:00 in New York: the week of 2 March.
    await request(w, {
      submittedAt: "2026-03-02T05:00:00.000Z",
      status: "approved",
      outcome: "refund",
    });
    await request(w, {
      submittedAt: "2026-03-04T15:00:00.000Z",
      reason: "duplicate_payment",
      status: "in_review",
      outcome: "review",
    });
    await request(w, {
      submittedAt: "2026-03-06T15:00:00.000Z",
      reason: "other",
      status: "alternative_accepted",
      outcome: "incomplete",
    });
    await request(w, {
      submittedAt: "2026-03-07T15:00:00.000Z",
      status: "withdrawn",
      outcome: null,
    });
    // Sunday 8 March, 23:59 in New York, after the clocks moved to EDT (UTC-4): still that week.
    await request(w, {
      submittedAt: "2026-03-09T03:59:00.000Z",
      reason: "unused_subscription",
      status: "info_requested",
      outcome: "refund",
    });
    // Monday 9 March 00:00 EDT: the week of 9 March.
    await request(w, { submittedAt: "2026-03-09T04:00:00.000Z", outcome: "refund" });
    // Tuesday 10 March: an e-mail whose reason QA has not classified yet (triage).
    await request(w, {
      submittedAt: "2026-03-10T15:00:00.000Z",
      reason: null,
      status: "triage",
      outcome: null,
    });
    // Sunday 15 March 23:59 EDT: the last day of the period; Monday 16 March 00:00 is outside.
    await request(w, { submittedAt: "2026-03-16T03:59:59.999Z", outcome: "deny" });
    await request(w, { submittedAt: "2026-03-16T04:00:00.000Z", outcome: "deny" });
    // Before the period (Saturday 21 February).
    await request(w, { submittedAt: "2026-02-21T12:00:00.000Z", outcome: "deny" });
  });
  afterAll(() => w.t.close());

  it("counts each request in the local week of its submission, every week present", async () => {
    const body = await rowsOf(w, "request-volume", "from=2026-02-25&to=2026-03-15");
    expect(body.period).toEqual({
      from: "2026-02-25",
      to: "2026-03-15",
      timeZone: "America/New_York",
      bucket: "week",
    });
    expect(body.rows).toEqual([
      {
        weekStart: "2026-02-25",
        weekEnd: "2026-03-01",
        requests: 1,
        ...zeros("notDelivered duplicatePayment unusedSubscription other"),
        mismatch: 1,
        ...zeros("recommendedRefund recommendedReview recommendedIncomplete recommendedNone"),
        recommendedDeny: 1,
        ...zeros("decidedApproved decidedAlternative decidedWithdrawn decidedOpen"),
        decidedDenied: 1,
      },
      {
        weekStart: "2026-03-02",
        weekEnd: "2026-03-08",
        requests: 5,
        notDelivered: 2,
        duplicatePayment: 1,
        mismatch: 0,
        unusedSubscription: 1,
        other: 1,
        recommendedRefund: 2,
        recommendedDeny: 0,
        recommendedReview: 1,
        recommendedIncomplete: 1,
        recommendedNone: 1,
        decidedApproved: 1,
        decidedDenied: 0,
        decidedAlternative: 1,
        decidedWithdrawn: 1,
        decidedOpen: 2,
      },
      {
        weekStart: "2026-03-09",
        weekEnd: "2026-03-15",
        // The request in triage counts, open and without a recommendation, in no reason's column.
        requests: 3,
        ...zeros("duplicatePayment mismatch unusedSubscription other"),
        notDelivered: 2,
        ...zeros("recommendedReview recommendedIncomplete"),
        recommendedNone: 1,
        recommendedRefund: 1,
        recommendedDeny: 1,
        ...zeros("decidedApproved decidedDenied decidedAlternative decidedWithdrawn"),
        decidedOpen: 3,
      },
    ]);
    expect(body.columns).toEqual(
      REPORTS["request-volume"].columns.map((c) => ({ key: c.key, kind: c.kind })),
    );
  });

  it("answers the same rows as CSV, by ?format=csv or Accept: text/csv", async () => {
    const json = await rowsOf(w, "request-volume", "from=2026-02-25&to=2026-03-15");
    for (const [query, headers] of [
      ["from=2026-02-25&to=2026-03-15&format=csv", QA],
      ["from=2026-02-25&to=2026-03-15", { ...QA, accept: "text/csv" }],
    ] as const) {
      const res = await get(w, "request-volume", query, headers);
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
      expect(res.headers["content-disposition"]).toBe(
        'attachment; filename="request-volume_2026-02-25_2026-03-15.csv"',
      );
      const [header, ...lines] = csvRows(res.body);
      expect(header).toEqual(REPORTS["request-volume"].columns.map((c) => c.csv));
      expect(header?.slice(0, 4)).toEqual(["week_start", "week_end", "requests", "not_delivered"]);
      expect(lines).toEqual(
        json.rows.map((r) => REPORTS["request-volume"].columns.map((c) => asCsv(r[c.key]))),
      );
    }
  });

  it("defaults to the 91 days ending today in the zone", async () => {
    const body = await rowsOf(w, "request-volume", "");
    expect(body.period).toMatchObject({ from: "2025-12-12", to: "2026-03-12" });
  });

  it("refuses a bad period with a 400 naming the field", async () => {
    for (const [query, path] of [
      ["from=2026-02-30", "querystring.from"],
      ["to=tomorrow", "querystring.to"],
      ["from=2026-03-10&to=2026-03-01", "querystring.to"],
      ["from=2020-01-01&to=2026-03-01", "querystring.to"],
      ["format=xlsx", "querystring.format"],
      ["since=2026-01-01", "querystring.since"],
    ] as const) {
      const res = await get(w, "request-volume", query);
      expect(res.statusCode, query).toBe(400);
      expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
      const errors = res.json<{ errors: { path: string }[] }>().errors;
      expect(
        errors.map((e) => e.path),
        query,
      ).toContain(path);
    }
  });

  it("is for staff only: clients 403, nobody signed in 401, tokens 403", async () => {
    for (const name of REPORT_NAMES) {
      for (const [actor, status] of [
        ["client:cl_1:usr_client", 403],
        [undefined, 401],
        ["token:tok_1:orders:read,payments:read,events:read", 403],
        ["finance:usr_fin", 200],
        ["admin:usr_adm", 200],
      ] as const) {
        const res = await get(w, name, "", actor === undefined ? {} : { "x-test-actor": actor });
        expect(res.statusCode, `${name} ${actor}`).toBe(status);
      }
    }
  });
});

function zeros(keys: string): Record<string, number> {
  return Object.fromEntries(keys.split(" ").map((k) => [k, 0]));
}

describe("reports: decisions against the recommendation", () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
    const at = "2026-03-05T15:00:00.000Z";
    const r1 = await request(w, { submittedAt: at, outcome: "refund", amount: "480000" });
    await decision(w, r1, { by: "usr_ann", kind: "approve", at, amount: "480000" }); // followed
    const r2 = await request(w, { submittedAt: at, outcome: "refund", amount: "480000" });
    await decision(w, r2, { by: "usr_ann", kind: "approve", at, amount: "240000" }); // against
    const r3 = await request(w, { submittedAt: at, reason: "mismatch", outcome: "deny" });
    await decision(w, r3, { by: "usr_ann", kind: "deny", at }); // followed
    const r4 = await request(w, { submittedAt: at, outcome: "review" });
    await decision(w, r4, { by: "usr_ann", kind: "approve", at }); // nothing firm
    const r5 = await request(w, { submittedAt: at, reason: "mismatch", outcome: "refund" });
    await decision(w, r5, { by: "usr_bob", kind: "deny", at }); // against
    const r6 = await request(w, { submittedAt: at, reason: "mismatch", outcome: "deny" });
    await decision(w, r6, { by: "usr_bob", kind: "approve", at }); // against
    await decision(w, r6, { by: "usr_bob", kind: "offer_alternative", at }); // not counted
    const r7 = await request(w, { submittedAt: at, reason: "mismatch", outcome: null });
    await decision(w, r7, { by: "usr_bob", kind: "deny", at }); // nothing firm
    // Outside the period: Saturday 28 February 23:00 in New York, and 1 April.
    const r8 = await request(w, { submittedAt: at, outcome: "refund" });
    await decision(w, r8, { by: "usr_bob", kind: "deny", at: "2026-03-01T04:00:00.000Z" });
    await decision(w, r8, { by: "usr_bob", kind: "deny", at: "2026-04-01T15:00:00.000Z" });
  });
  afterAll(() => w.t.close());

  it("counts per reviewer and reason, most departures first", async () => {
    const body = await rowsOf(w, "against-recommendation", "from=2026-03-01&to=2026-03-31");
    expect(body.period).toMatchObject({ bucket: "period" });
    expect(body.rows).toEqual([
      {
        reviewerId: "usr_bob",
        reviewer: "Bob Reviewer",
        reason: "mismatch",
        decisions: 3,
        followed: 0,
        against: 2,
        noFirmRecommendation: 1,
      },
      {
        reviewerId: "usr_ann",
        reviewer: "Ann Reviewer",
        reason: "not_delivered",
        decisions: 3,
        followed: 1,
        against: 1,
        noFirmRecommendation: 1,
      },
      {
        reviewerId: "usr_ann",
        reviewer: "Ann Reviewer",
        reason: "mismatch",
        decisions: 1,
        followed: 1,
        against: 0,
        noFirmRecommendation: 0,
      },
    ]);
  });
});

describe("reports: money refunded per month (refunded-amounts)", () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
    const r = await request(w, { submittedAt: "2026-02-10T12:00:00.000Z", outcome: "refund" });
    const d = await decision(w, r, { by: "usr_ann", kind: "approve", at: "2026-02-11T12:00:00Z" });
    const usd = await payment(w, { amount: "9999999999999" });
    const eth = await payment(w, { amount: "99000000000000000000", currency: "ETH" });
    const base = { requestId: r.id, decisionId: d, paymentId: usd };
    // February (local): the last one at 23:59 on 28 February in New York.
    await payout(w, { ...base, amount: "480000", succeededAt: "2026-02-12T12:00:00.000Z" });
    await payout(w, { ...base, amount: "20050", succeededAt: "2026-03-01T04:59:00.000Z" });
    // March: 1 March 00:00 local onwards.
    await payout(w, { ...base, amount: "100", succeededAt: "2026-03-01T05:00:00.000Z" });
    await payout(w, {
      ...base,
      amount: "1234567890123",
      method: "bank_transfer",
      succeededAt: "2026-03-20T12:00:00.000Z",
    });
    // 12 ETH and 0.500000000000000001 ETH: above 2^63 wei, summed exactly.
    for (const amount of ["12000000000000000000", "500000000000000001"]) {
      await payout(w, {
        ...base,
        paymentId: eth,
        amount,
        currency: "ETH",
        method: "crypto",
        succeededAt: "2026-03-21T12:00:00.000Z",
      });
    }
    // Not sent: not counted.
    await payout(w, { ...base, status: "failed", succeededAt: null });
    await payout(w, { ...base, status: "scheduled", succeededAt: null });
  });
  afterAll(() => w.t.close());

  it("sums each month, method and currency exactly, as decimal strings", async () => {
    const body = await rowsOf(w, "refunded-amounts", "from=2026-02-01&to=2026-03-31");
    expect(body.rows).toEqual([
      { month: "2026-02", method: "card", currency: "USD", payouts: 2, amount: "5000.50" },
      {
        month: "2026-03",
        method: "crypto",
        currency: "ETH",
        payouts: 2,
        amount: "12.500000000000000001",
      },
      {
        month: "2026-03",
        method: "bank_transfer",
        currency: "USD",
        payouts: 1,
        amount: "12345678901.23",
      },
      { month: "2026-03", method: "card", currency: "USD", payouts: 1, amount: "1.00" },
    ]);
  });

  it("writes the same in its CSV, amounts exactly as in the JSON", async () => {
    const res = await get(w, "refunded-amounts", "from=2026-02-01&to=2026-03-31&format=csv");
    expect(res.body).toBe(
      "month,method,currency,payouts,amount\r\n" +
        "2026-02,card,USD,2,5000.50\r\n" +
        "2026-03,crypto,ETH,2,12.500000000000000001\r\n" +
        "2026-03,bank_transfer,USD,1,12345678901.23\r\n" +
        "2026-03,card,USD,1,1.00\r\n",
    );
  });
});

describe("reports: payout deadlines and days to send (payout-deadlines)", () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
    const approvedAt = Date.parse("2026-03-01T17:00:00.000Z");
    const r = await request(w, { submittedAt: "2026-02-27T12:00:00.000Z", outcome: "refund" });
    const d = await decision(w, r, { by: "usr_ann", kind: "approve", at: iso(approvedAt) });
    const pay = await payment(w, { amount: "480000" });
    const base = { requestId: r.id, decisionId: d, paymentId: pay, createdAt: iso(approvedAt) };
    // Due 9 March: the day ends at 10 March 04:00 UTC (EDT). Sent 2, 4 and 9 days after approval.
    await payout(w, { ...base, dueLatest: "2026-03-09", succeededAt: iso(approvedAt + 2 * DAY) });
    await payout(w, { ...base, dueLatest: "2026-03-09", succeededAt: "2026-03-10T03:59:59.999Z" });
    await payout(w, { ...base, dueLatest: "2026-03-09", succeededAt: "2026-03-10T04:00:00.000Z" });
    // Sent 2 days, 8 days 10:59:59.999 and 8 days 11:00 after the approval.
    await payout(w, { ...base, dueLatest: "2026-03-05", status: "failed" }); // overdue
    await payout(w, { ...base, dueLatest: "2026-03-12", status: "scheduled" }); // due today: open
    await payout(w, { ...base, dueLatest: "2026-03-31", status: "scheduled" }); // open
    // A failed card payout reissued by transfer five days later: the original is not counted,
    // its replacement (same due window) is, sent 6 days after the approval: late.
    const original = await payout(w, { ...base, dueLatest: "2026-03-05", status: "reissued" });
    await payout(w, {
      ...base,
      dueLatest: "2026-03-05",
      reissueOf: original,
      createdAt: iso(approvedAt + 5 * DAY),
      succeededAt: iso(approvedAt + 6 * DAY),
    });
    await payout(w, { ...base, dueLatest: "2026-04-01", status: "scheduled" }); // outside
    // February: one sent, 1 day after approval... of its own decision.
    const d2 = await decision(w, r, {
      by: "usr_ann",
      kind: "approve",
      at: "2026-02-20T12:00:00.000Z",
    });
    await payout(w, {
      ...base,
      decisionId: d2,
      createdAt: "2026-02-20T12:00:00.000Z",
      dueLatest: "2026-02-27",
      succeededAt: "2026-02-21T12:00:00.000Z",
    });
  });
  afterAll(() => w.t.close());

  it("counts kept, late, overdue and open per due month; median and p90 of days to send", async () => {
    const body = await rowsOf(w, "payout-deadlines", "from=2026-02-01&to=2026-03-31");
    const hours = (h: number) => h / 24;
    // Days to send in March: 2, 6 (the replacement, from the approval), 8d 10:59:59.999 and
    // 8d 11:00. Median: halfway between 6 and 8.4583, 7.2 days to one decimal. p90: rank
    // 0.9 * 3 = 2.7, the third value plus 0.7 of the 1 ms step to the fourth: 8.5 days.
    const third = 8 + hours(11) - 1 / DAY;
    expect(Math.round(((6 + third) / 2) * 10) / 10).toBe(7.2);
    expect(Math.round(third * 10) / 10).toBe(8.5);
    expect(body.rows).toEqual([
      {
        month: "2026-02",
        due: 1,
        kept: 1,
        late: 0,
        overdue: 0,
        open: 0,
        medianDaysToSend: 1,
        p90DaysToSend: 1,
      },
      {
        month: "2026-03",
        due: 7,
        kept: 2,
        late: 2,
        overdue: 1,
        open: 2,
        medianDaysToSend: 7.2,
        p90DaysToSend: 8.5,
      },
    ]);
  });
});

describe("reports: median and 90th percentile agree on both databases (decision-times)", () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
    // Decided in the week of 9 March, 1, 2, 3, 4 and 10 days after submission: median 3,
    // p90 = 4 + 0.6 * (10 - 4) = 7.6 (continuous, interpolated).
    const decidedAt = Date.parse("2026-03-11T15:00:00.000Z");
    for (const days of [4, 1, 10, 3, 2]) {
      const r = await request(w, { submittedAt: iso(decidedAt - days * DAY), outcome: "refund" });
      await decision(w, r, { by: "usr_ann", kind: "approve", at: iso(decidedAt) });
      // A second decision (after an appeal) does not count again.
      await decision(w, r, { by: "usr_bob", kind: "deny", at: iso(decidedAt + DAY) });
    }
    // Decided by the system at once: counted apart, not in the percentiles.
    const auto = await request(w, { submittedAt: iso(decidedAt), outcome: "refund" });
    await decision(w, auto, { by: "usr_system", kind: "approve", at: iso(decidedAt) });
    // In the week of 2 March: two decisions, 0.5 and 1.5 days: median 1, p90 1.4.
    const earlier = Date.parse("2026-03-04T15:00:00.000Z");
    for (const days of [0.5, 1.5]) {
      const r = await request(w, { submittedAt: iso(earlier - days * DAY), outcome: "deny" });
      await decision(w, r, { by: "usr_bob", kind: "offer_alternative", at: iso(earlier) });
    }
  });
  afterAll(() => w.t.close());

  it("gives the known medians and percentiles per week, every week present", async () => {
    const body = await rowsOf(w, "decision-times", "from=2026-02-23&to=2026-03-15");
    expect(body.rows).toEqual([
      {
        weekStart: "2026-02-23",
        weekEnd: "2026-03-01",
        decided: 0,
        automatic: 0,
        medianDays: null,
        p90Days: null,
      },
      {
        weekStart: "2026-03-02",
        weekEnd: "2026-03-08",
        decided: 2,
        automatic: 0,
        medianDays: 1,
        p90Days: 1.4,
      },
      {
        weekStart: "2026-03-09",
        weekEnd: "2026-03-15",
        decided: 5,
        automatic: 1,
        medianDays: 3,
        p90Days: 7.6,
      },
    ]);
  });

  it("writes an unmeasured week's days as empty CSV fields", async () => {
    const res = await get(w, "decision-times", "from=2026-02-23&to=2026-03-01&format=csv");
    expect(res.body).toBe(
      "week_start,week_end,decided,automatic,median_days,p90_days\r\n" +
        "2026-02-23,2026-03-01,0,0,,\r\n",
    );
  });
});

describe("reports: requests waiting now (waiting-requests)", () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
    const ago = (days: number) => iso(NOW - days * DAY);
    const old = "2026-01-01T00:00:00.000Z";
    await request(w, { submittedAt: old, status: "submitted", waitingSince: ago(1) });
    await request(w, { submittedAt: old, status: "in_review", waitingSince: ago(2) });
    await request(w, { submittedAt: old, status: "in_review", waitingSince: ago(13.9) });
    // No waiting_since (a request from before it was kept): waiting since submission.
    await request(w, { submittedAt: ago(20), status: "submitted", waitingSince: null });
    await request(w, { submittedAt: old, status: "info_requested", waitingSince: ago(6.99) });
    await request(w, { submittedAt: old, status: "alternative_offered", waitingSince: ago(7) });
    // Not waiting on anyone.
    await request(w, { submittedAt: old, status: "approved", waitingSince: ago(30) });
    await request(w, { submittedAt: old, status: "alternative_accepted", waitingSince: ago(30) });
  });
  afterAll(() => w.t.close());

  it("counts both sides by how long they have waited, whatever the period", async () => {
    const body = await rowsOf(w, "waiting-requests", "from=2026-01-01&to=2026-01-31");
    expect(body.period).toMatchObject({ bucket: "now" });
    expect(body.rows).toEqual([
      {
        waitingOn: "qa",
        waiting: 4,
        under2Days: 1,
        days2To7: 1,
        days7To14: 1,
        over14Days: 1,
        oldestDays: 20,
      },
      {
        waitingOn: "client",
        waiting: 2,
        under2Days: 0,
        days2To7: 1,
        days7To14: 1,
        over14Days: 0,
        oldestDays: 7,
      },
    ]);
  });
});

describe("reports: duplicate payments found and refunded", () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
    const r = await request(w, {
      submittedAt: "2026-02-10T12:00:00.000Z",
      reason: "duplicate_payment",
      outcome: "refund",
    });
    const dup = async (found: string, amount: string, refunded: string, currency = "USD") => {
      const id = await payment(w, { amount, refunded, currency });
      await w.add("duplicate_payments", {
        payment_id: id,
        order_id: w.order.id,
        request_id: r.id,
        how: "opened",
        created_at: found,
      });
    };
    await dup("2026-02-10T12:00:00.000Z", "480000", "480000");
    await dup("2026-03-01T04:59:59.999Z", "99000", "0"); // 28 February, 23:59 in New York
    await dup("2026-03-03T12:00:00.000Z", "480000", "120000");
    await dup("2026-03-04T12:00:00.000Z", "480000", "480000");
    await dup("2026-03-05T12:00:00.000Z", "150000000000000000", "0", "ETH");
    await dup("2026-04-01T12:00:00.000Z", "480000", "0"); // outside
  });
  afterAll(() => w.t.close());

  it("counts found, refunded in full, in part and not yet, with exact sums", async () => {
    const body = await rowsOf(w, "duplicate-payments", "from=2026-02-01&to=2026-03-31");
    expect(body.rows).toEqual([
      {
        month: "2026-02",
        currency: "USD",
        found: 2,
        refundedInFull: 1,
        partlyRefunded: 0,
        notRefunded: 1,
        foundAmount: "5790.00",
        refundedAmount: "4800.00",
      },
      {
        month: "2026-03",
        currency: "ETH",
        found: 1,
        refundedInFull: 0,
        partlyRefunded: 0,
        notRefunded: 1,
        foundAmount: "0.150000000000000000",
        refundedAmount: "0.000000000000000000",
      },
      {
        month: "2026-03",
        currency: "USD",
        found: 2,
        refundedInFull: 1,
        partlyRefunded: 1,
        notRefunded: 0,
        foundAmount: "9600.00",
        refundedAmount: "6000.00",
      },
    ]);
  });
});

describe("Accept negotiation", () => {
  it("prefers CSV only when the caller ranks it above JSON", () => {
    expect(wantsCsv(undefined, undefined)).toBe(false);
    expect(wantsCsv(undefined, "text/csv")).toBe(true);
    expect(wantsCsv(undefined, "application/json, text/csv;q=0.5")).toBe(false);
    expect(wantsCsv(undefined, "text/csv, application/json;q=0.9")).toBe(true);
    expect(wantsCsv(undefined, "*/*")).toBe(false);
    expect(wantsCsv(undefined, "text/csv;q=0")).toBe(false);
    expect(wantsCsv("json", "text/csv")).toBe(false);
    expect(wantsCsv("csv", "application/json")).toBe(true);
  });
});

describe("reports: percentiles on generated data match a reference computation", () => {
  let w: World;
  const durations: number[] = [];
  beforeAll(async () => {
    w = await world();
    // 37 decisions in the week of 2 March, each a seeded number of whole milliseconds after its
    // request (up to 12 days), some equal, as a reviewer's week looks.
    let x = 20261206;
    const next = () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return x;
    };
    const decidedAt = Date.parse("2026-03-05T15:00:00.000Z");
    for (let i = 0; i < 37; i++) {
      const ms = i % 9 === 0 ? 3 * DAY : next() % (12 * DAY);
      durations.push(ms);
      const r = await request(w, { submittedAt: iso(decidedAt - ms), outcome: "refund" });
      await decision(w, r, { by: "usr_ann", kind: "approve", at: iso(decidedAt) });
    }
  });
  afterAll(() => w.t.close());

  /** The continuous percentile (PostgreSQL's percentile_cont): interpolate between ranks. */
  function percentileCont(values: readonly number[], fraction: number): number {
    const sorted = [...values].sort((a, b) => a - b);
    const rank = fraction * (sorted.length - 1);
    const lo = Math.floor(rank);
    const hi = Math.ceil(rank);
    return sorted[lo]! + (rank - lo) * (sorted[hi]! - sorted[lo]!);
  }

  it("answers the reference median and 90th percentile", async () => {
    const body = await rowsOf(w, "decision-times", "from=2026-03-02&to=2026-03-08");
    const toDays = (ms: number) => Math.round(ms / (DAY / 10)) / 10;
    expect(body.rows).toEqual([
      {
        weekStart: "2026-03-02",
        weekEnd: "2026-03-08",
        decided: 37,
        automatic: 0,
        medianDays: toDays(percentileCont(durations, 0.5)),
        p90Days: toDays(percentileCont(durations, 0.9)),
      },
    ]);
  });
});
