// The worker killed with SIGKILL at the four points where a crash matters, 25 times each, in
// separate processes against the same database (SQLite file, or PostgreSQL with DATABASE_URL) and
// the Stripe stand-in: after restart and reconciliation, no payout was sent twice and none was
// lost. And with card disputes (issue 20): charges disputed while the crashing workers send their
// refunds end with one return of the money each (the bank's, or our refund once the dispute is
// won), never two.

import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAudit } from "../../src/db/audit.js";
import { signStripePayload } from "../../src/payouts/stripe/index.js";
import { createWorker } from "../../src/worker/worker.js";
import { ensureDist, ROOT } from "../support/dist.js";
import { FAST_RUNNER, payoutWorld, WEBHOOK_SECRET, type PayoutWorld } from "./support.js";

const POINTS = ["claimed", "committed", "answered", "recorded"] as const;
const TRIALS = Number(process.env["CRASH_TRIALS"] ?? "25");
const PARALLEL = 4;
const LEASE_MS = 400;

let w: PayoutWorld;
beforeAll(async () => {
  ensureDist();
  w = await payoutWorld();
}, 180_000);
afterAll(() => w.close());

function runChild(
  point: string,
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "test/support/payout-worker-child.mjs",
        JSON.stringify(w.t.db.options),
        JSON.stringify({ host: w.stripe.host, port: w.stripe.port, apiKey: w.stripe.apiKey }),
        point,
        String(LEASE_MS),
      ],
      { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe("a worker killed at any point", () => {
  it(`SIGKILL after claiming, after the claim's commit, after the provider answered and after the outcome's commit, ${TRIALS} times each: nothing sent twice, nothing lost`, async () => {
    const ids = await w.releasedCardPayouts(TRIALS * POINTS.length, 1_000);
    const kills: Record<string, number> = {};
    for (const point of POINTS) {
      kills[point] = 0;
      for (let done = 0; done < TRIALS; done += PARALLEL) {
        const n = Math.min(PARALLEL, TRIALS - done);
        const results = await Promise.all(Array.from({ length: n }, () => runChild(point)));
        for (const r of results) {
          expect(r.signal, `${point}: exit ${r.code} ${r.stderr}`).toBe("SIGKILL");
          kills[point]! += 1;
        }
        // Let the dead workers' leases run out now and then, so later children also reconcile
        // payouts a crashed worker left behind.
        if (done % (PARALLEL * 3) === 0) await new Promise((r) => setTimeout(r, LEASE_MS));
      }
    }
    expect(kills).toEqual({
      claimed: TRIALS,
      committed: TRIALS,
      answered: TRIALS,
      recorded: TRIALS,
    });
    // Before the restart some refunds exist at the provider for payouts still marked in flight:
    // exactly the case reconciliation must settle without sending again.
    const inFlight = await w.t.db.db
      .selectFrom("payouts")
      .select("id")
      .where("status", "in", ["submitting", "unknown"])
      .execute();
    expect(inFlight.length).toBeGreaterThan(0);

    // Restart: one healthy worker, after the leases ran out.
    await new Promise((r) => setTimeout(r, LEASE_MS + 50));
    const worker = createWorker(w.t.deps, {
      workerId: "restarted",
      cardProvider: w.provider,
      runner: FAST_RUNNER,
      batch: 50,
      autoStart: false,
    });
    const end = Date.now() + 60_000;
    for (;;) {
      w.t.setNow(Date.now());
      await worker.tick();
      const open = await w.t.db.db
        .selectFrom("payouts")
        .select("id")
        .where("id", "in", ids)
        .where("status", "!=", "succeeded")
        .execute();
      if (open.length === 0) break;
      if (Date.now() > end) throw new Error(`${open.length} payouts never settled`);
      await new Promise((r) => setTimeout(r, 20));
    }

    const refunds = w.stripe.refunds();
    const sentTwice = ids.filter(
      (id) => refunds.filter((r) => r.metadata["payout_id"] === id).length > 1,
    );
    const lost = ids.filter(
      (id) => refunds.filter((r) => r.metadata["payout_id"] === id).length === 0,
    );
    expect({ sentTwice, lost }).toEqual({ sentTwice: [], lost: [] });
    const rows = await w.t.db.db
      .selectFrom("payouts")
      .innerJoin("payments", "payments.id", "payouts.payment_id")
      .select([
        "payouts.provider_ref",
        "payments.refunded_minor",
        "payments.provider_ref as charge",
      ])
      .where("payouts.id", "in", ids)
      .execute();
    for (const r of rows) {
      expect(r.refunded_minor).toBe("1000");
      expect(w.stripe.charge(r.charge ?? "")?.amountRefunded).toBe(1_000);
      expect(refunds.some((x) => x.id === r.provider_ref)).toBe(true);
    }
    expect((await verifyAudit(w.t.db.db)).ok).toBe(true);
  }, 600_000);

  it("SIGKILL at each point while the charges are disputed (webhooks late): after restart and the banks' decisions, one money return each", async () => {
    const trials = Math.min(TRIALS, 4);
    const ids = await w.releasedCardPayouts(trials * POINTS.length, 2_000);
    const rows = await w.t.db.db
      .selectFrom("payouts")
      .innerJoin("payments", "payments.id", "payouts.payment_id")
      .select(["payouts.id", "payments.provider_ref as charge"])
      .where("payouts.id", "in", ids)
      .orderBy("payouts.id")
      .execute();
    // Every charge is disputed at the bank before any worker sends; our webhook has not arrived.
    const disputeOf = new Map<string, string>();
    for (const r of rows) disputeOf.set(r.id, w.stripe.createDispute({ charge: r.charge! }).id);
    for (const point of POINTS) {
      for (let done = 0; done < trials; done += PARALLEL) {
        const n = Math.min(PARALLEL, trials - done);
        const results = await Promise.all(Array.from({ length: n }, () => runChild(point)));
        for (const r of results) {
          expect([3, null], `${point}: exit ${r.code} ${r.stderr}`).toContain(r.code);
        }
      }
    }
    await new Promise((r) => setTimeout(r, LEASE_MS + 50));
    const worker = createWorker(w.t.deps, {
      workerId: "restarted-disputes",
      cardProvider: w.provider,
      runner: FAST_RUNNER,
      batch: 50,
      autoStart: false,
    });
    const tickUntil = async (done: () => Promise<boolean>, what: string) => {
      const end = Date.now() + 60_000;
      for (;;) {
        w.t.setNow(Date.now());
        await worker.tick();
        if (await done()) return;
        if (Date.now() > end) throw new Error(`never: ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const statuses = () =>
      w.t.db.db
        .selectFrom("payouts")
        .select(["id", "status", "held_by_dispute", "parked_at"])
        .where("id", "in", ids)
        .execute();
    // Restarted: every payout ends held (the provider refused), none sent.
    await tickUntil(
      async () => (await statuses()).every((p) => p.held_by_dispute !== null),
      "every payout held",
    );
    expect(w.stripe.refunds().filter((r) => ids.includes(r.metadata["payout_id"] ?? ""))).toEqual(
      [],
    );
    // The banks decide: half lost, half won; the webhooks arrive (late, all of them).
    const lost = new Set(ids.filter((_, i) => i % 2 === 0));
    for (const id of ids) w.stripe.closeDispute(disputeOf.get(id)!, lost.has(id) ? "lost" : "won");
    for (const e of w.stripe.events()) {
      if (!e.type.startsWith("charge.dispute.")) continue;
      const payload = JSON.stringify(e);
      const res = await w.t.app.inject({
        method: "POST",
        url: "/api/v1/webhooks/stripe",
        headers: {
          "content-type": "application/json",
          "stripe-signature": signStripePayload(
            payload,
            WEBHOOK_SECRET,
            Math.floor(w.t.deps.clock() / 1000),
          ),
        },
        payload,
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    await tickUntil(
      async () =>
        (await statuses()).every((p) => p.status === (lost.has(p.id) ? "failed" : "succeeded")),
      "won payouts sent, lost ones closed",
    );
    const refunds = w.stripe.refunds();
    for (const id of ids) {
      const mine = refunds.filter(
        (r) => r.metadata["payout_id"] === id && r.status === "succeeded",
      );
      const dispute = w.stripe.disputes().find((d) => d.id === disputeOf.get(id))!;
      // One return of the money: the bank's (lost) or ours (won), never both, never two.
      const returns = mine.length + (dispute.status === "lost" ? 1 : 0);
      expect({ id, returns }).toEqual({ id, returns: 1 });
    }
    expect((await verifyAudit(w.t.db.db)).ok).toBe(true);
  }, 300_000);
});
