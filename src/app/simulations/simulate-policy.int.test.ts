// A policy simulation (issue 16) against a direct re-evaluation: one history of orders, payments,
// requests, service events, order edits and automatic approvals (with their payouts) is played
// through the API twice, on two servers at the same instants: one with the policy in force, one
// with a candidate. The second server's stored recommendations are what the candidate really
// decides on that history, and the simulation of the candidate over the first server must count
// exactly those changes (matrix, reasons, clauses, totals). Simulating the policy in force changes
// nothing. SQLite, and PostgreSQL with DATABASE_URL.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCalls, newClient, type TestClient } from "../../../test/support/api-world.js";
import { snapshotDatabase, snapshotDiff } from "../../../test/support/db-snapshot.js";
import { testServer, type TestServer } from "../../../test/support/http.js";
import { formatMinor } from "../../core/money/money.js";
import type { Policy } from "../../core/policy/index.js";
import {
  SIMULATED_OUTCOMES,
  simulationPeriod,
  type SimulatedOutcome,
} from "../../core/simulation/simulation.js";
import { fromDbMinor } from "../../db/money.js";
import { loadPolicyFile } from "../../policy-file/load.js";
import { simulatePolicy } from "./simulate-policy.js";

const WRITER = "token:tok_w:orders:write,orders:read,payments:write,events:write";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.parse("2026-03-02T09:00:00Z");

function shipped(): Policy {
  const p = loadPolicyFile();
  if (!p.ok) throw new Error(p.error.message);
  return p.value;
}

const inForce = shipped();
/** The candidate: a two-day request window instead of seven. */
const candidate: Policy = {
  ...inForce,
  version: "2026-candidate",
  params: { ...inForce.params, requestWindowDays: 2 },
};

const iso = (ms: number) => new Date(ms).toISOString();

interface Side {
  readonly t: TestServer;
  readonly client: TestClient;
}

/** The same history, step by step, on one server. */
async function play(side: Side, n: number): Promise<void> {
  const { t, client } = side;
  const call = apiCalls(t).send;
  const ok = async (p: Promise<{ statusCode: number; body: string }>, ...codes: number[]) => {
    const r = await p;
    expect(codes, r.body).toContain(r.statusCode);
  };
  for (let i = 0; i < n; i++) {
    const at = START + i * 7 * HOUR;
    t.setNow(at);
    const id = `ORD-${String(i).padStart(3, "0")}`;
    const delivered = i % 3 !== 0;
    const deliveredAt = at - ((i % 9) + 1) * DAY;
    const price = `${1000 + i * 37}.00`;
    await ok(
      call("POST", "/orders", WRITER, {
        id,
        clientId: client.clientId,
        service: { name: "External penetration test", category: "audit", billing: "one_off" },
        price: { amount: price, currency: i % 4 === 1 ? "EUR" : "USD" },
        placedAt: iso(at - 30 * DAY),
        promisedStartBy: iso(at - 25 * DAY),
        promisedDeliveryBy: iso(at - 12 * DAY),
        startedAt: iso(at - 26 * DAY),
        deliveredAt: delivered ? iso(deliveredAt) : null,
        subscription: null,
      }),
      201,
    );
    const pay = (k: number) =>
      call("POST", "/payments", WRITER, {
        id: `${id}-P${k}`,
        orderId: id,
        chargeRef: id,
        amount: { amount: price, currency: i % 4 === 1 ? "EUR" : "USD" },
        method: "card",
        capturedAt: iso(at - 29 * DAY + k * 60_000),
        providerRef: null,
      });
    await ok(pay(1), 201);
    t.setNow(at + HOUR);
    const reason = i % 5 === 4 ? "mismatch" : "not_delivered";
    await ok(
      call("POST", "/requests", client.actor, {
        orderId: id,
        reason,
        description: "The report never arrived as agreed.",
      }),
      201,
    );
    // Facts that come after the submission: each re-evaluates the open request.
    if (i % 4 === 2) {
      t.setNow(at + 2 * HOUR);
      await ok(
        call("POST", `/orders/${id}/events`, WRITER, {
          kind: i % 8 === 2 ? "client_blocker" : "internal_fault",
          from: iso(at - 20 * DAY),
          to: iso(at - 18 * DAY),
          note: "Access to the network was late.",
        }),
        201,
      );
    }
    if (i % 6 === 1) {
      t.setNow(at + 3 * HOUR);
      await ok(
        call("PATCH", `/orders/${id}`, WRITER, {
          deliveredAt: iso(at - 5 * DAY),
          expectedVersion: 0,
        }),
        200,
      );
    }
    // A second full payment: a duplicate the system refunds (its own case, approved, payouts).
    if (i % 7 === 3) {
      t.setNow(at + 4 * HOUR);
      await ok(pay(2), 201);
    }
  }
}

interface StoredRec {
  readonly key: string;
  readonly outcome: SimulatedOutcome;
  readonly amount: { minor: bigint; currency: string } | null;
  readonly reason: string;
}

/** Every request's current recommendation, keyed by its order and reason (ids differ by server). */
async function storedRecommendations(t: TestServer): Promise<Map<string, StoredRec>> {
  const rows = await t.deps.db
    .selectFrom("refund_requests as r")
    .leftJoin("recommendations as c", "c.id", "r.recommendation_id")
    .select(["r.order_id", "r.reason", "c.outcome", "c.amount_minor", "c.amount_currency"])
    .where("r.reason", "is not", null)
    .$narrowType<{ reason: string }>()
    .execute();
  return new Map(
    rows.map((r) => {
      const key = `${r.order_id}/${r.reason}`;
      return [
        key,
        {
          key,
          reason: r.reason,
          outcome: (r.outcome ?? "none") as SimulatedOutcome,
          amount:
            r.amount_minor === null || r.amount_currency === null
              ? null
              : { minor: fromDbMinor(r.amount_minor), currency: r.amount_currency },
        },
      ];
    }),
  );
}

const N = 36;
let a: Side;
let b: Side;

beforeAll(async () => {
  const ta = await testServer({ policy: inForce, now: START });
  const tb = await testServer({ policy: candidate, now: START });
  a = { t: ta, client: await newClient(ta) };
  b = { t: tb, client: await newClient(tb) };
  await play(a, N);
  await play(b, N);
}, 120_000);

afterAll(async () => {
  await a?.t.close();
  await b?.t.close();
});

const allTime = () => {
  const p = simulationPeriod({}, "UTC");
  if (!p.ok) throw new Error(p.error.message);
  return p.value;
};

describe("simulating a candidate policy", () => {
  it("counts exactly the changes a direct re-evaluation of the same history makes", async () => {
    const before = await storedRecommendations(a.t);
    const after = await storedRecommendations(b.t);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());

    const matrix = new Map<string, number>();
    const reasons = new Map<string, { requests: number; changed: number }>();
    const sums = new Map<string, { before: bigint; after: bigint }>();
    let changed = 0;
    for (const [key, x] of before) {
      const y = after.get(key)!;
      matrix.set(`${x.outcome}>${y.outcome}`, (matrix.get(`${x.outcome}>${y.outcome}`) ?? 0) + 1);
      const differs =
        x.outcome !== y.outcome ||
        x.amount?.minor !== y.amount?.minor ||
        x.amount?.currency !== y.amount?.currency;
      if (differs) changed++;
      const r = reasons.get(x.reason) ?? { requests: 0, changed: 0 };
      r.requests++;
      if (differs) r.changed++;
      reasons.set(x.reason, r);
      for (const [side, rec] of [
        ["before", x],
        ["after", y],
      ] as const) {
        if (rec.outcome !== "refund" || rec.amount === null) continue;
        const s = sums.get(rec.amount.currency) ?? { before: 0n, after: 0n };
        s[side] += rec.amount.minor;
        sums.set(rec.amount.currency, s);
      }
    }
    // The candidate must matter on this history, or the comparison proves nothing.
    expect(changed).toBeGreaterThan(3);

    const report = await simulatePolicy(a.t.deps, {
      policy: candidate,
      period: allTime(),
      pageSize: 7,
    });
    expect(report.candidateVersion).toBe("2026-candidate");
    expect(report.requests).toBe(before.size);
    expect(report.changed).toBe(changed);
    expect(report.refusedByCandidate).toBe(0);
    expect(report.matrix).toEqual(
      SIMULATED_OUTCOMES.flatMap((from) =>
        SIMULATED_OUTCOMES.map((to) => ({ from, to, count: matrix.get(`${from}>${to}`) ?? 0 })),
      ),
    );
    expect(report.byReason).toEqual(
      [...reasons.entries()]
        .sort(([x], [y]) => (x < y ? -1 : 1))
        .map(([reason, v]) => ({ reason, ...v })),
    );
    expect(report.totals).toEqual(
      [...sums.entries()]
        .sort(([x], [y]) => (x < y ? -1 : 1))
        .map(([currency, s]) => ({
          currency,
          before: formatMinor(s.before, currency),
          after: formatMinor(s.after, currency),
          change: formatMinor(s.after - s.before, currency),
        })),
    );
    expect(report.sample.length).toBe(Math.min(changed, 20));
    for (const s of report.sample) {
      expect(s.before.outcome !== s.after.outcome || s.before.amount !== s.after.amount).toBe(true);
    }
    // The clause counts: before and after each add up to every request.
    const sum = (k: "before" | "after") => report.byClause.reduce((n, c) => n + c[k], 0);
    expect(sum("before")).toBe(before.size);
    expect(sum("after")).toBe(before.size);
  });

  it("changes nothing when the candidate is the policy in force (on either history)", async () => {
    for (const [side, policy] of [
      [a, inForce],
      [b, candidate],
    ] as const) {
      const report = await simulatePolicy(side.t.deps, { policy, period: allTime(), pageSize: 5 });
      expect(report.requests).toBeGreaterThan(N);
      expect(report.changed).toBe(0);
      expect(report.sample).toEqual([]);
      for (const cell of report.matrix) {
        if (cell.from !== cell.to) expect(cell.count).toBe(0);
      }
      expect(report.totals.length).toBeGreaterThan(0);
      for (const total of report.totals) {
        expect(total.after).toBe(total.before);
        expect(total.change).toMatch(/^0(\.0+)?$/);
      }
      for (const c of report.byClause) expect(c.before).toBe(c.after);
    }
  });

  it("reads only the period's requests, by the days in the zone", async () => {
    const p = simulationPeriod({ from: "2026-03-04", to: "2026-03-05" }, "UTC");
    if (!p.ok) throw new Error(p.error.message);
    const report = await simulatePolicy(a.t.deps, { policy: candidate, period: p.value });
    const expected = await a.t.deps.db
      .selectFrom("refund_requests")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("submitted_at", ">=", "2026-03-04T00:00:00.000Z")
      .where("submitted_at", "<", "2026-03-06T00:00:00.000Z")
      .executeTakeFirstOrThrow();
    expect(report.requests).toBe(Number(expected.n));
    expect(report.requests).toBeGreaterThan(0);
    expect(report.period).toEqual({ from: "2026-03-04", to: "2026-03-05" });
  });

  it("writes nothing", async () => {
    const before = await snapshotDatabase(a.t.deps.db);
    await simulatePolicy(a.t.deps, { policy: candidate, period: allTime() });
    expect(snapshotDiff(before, await snapshotDatabase(a.t.deps.db))).toEqual({});
  });
});
