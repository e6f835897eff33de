// Shared set-up of the payout tests: a test server, a Stripe stand-in and the official SDK pointed
// at it, and helpers that make released card payouts (an order paid by a seeded charge, a request
// approved by qa, the payout approved by finance).

import { apiCalls, newClient, newOrder } from "../support/api-world.js";
import { userRow } from "../support/db-rows.js";
import { testServer, type TestServer } from "../support/http.js";
import type { CardProvider } from "../../src/app/payouts/ports.js";
import {
  createStripeCardProvider,
  startStripeStandIn,
  stripeWebhookVerifier,
  type StripeStandIn,
} from "../../src/payouts/stripe/index.js";
import type { PayoutRunnerOptions } from "../../src/app/payouts/execute.js";
import { ROUTES } from "../../src/http/routes/index.js";
import { cardWebhookRoutes } from "../../src/http/routes/webhooks.js";

export interface PayoutWorld {
  readonly t: TestServer;
  readonly stripe: StripeStandIn;
  readonly provider: CardProvider;
  readonly qa: string;
  readonly finance: string;
  readonly finance2: string;
  /** Makes `count` released card payouts of `amount` minor units each; returns their ids. */
  releasedCardPayouts(count: number, amountMinor?: number): Promise<string[]>;
  close(): Promise<void>;
}

/** The webhook signing secret the test server's /webhooks/stripe route checks. */
export const WEBHOOK_SECRET = "whsec_test_secret_for_refund_desk";

export const FAST_RUNNER: Omit<PayoutRunnerOptions, "workerId"> = {
  leaseMs: 1_000,
  maxAttempts: 8,
  baseBackoffMs: 1,
  pendingPollMs: 50,
};

export async function payoutWorld(opts: { timeoutMs?: number } = {}): Promise<PayoutWorld> {
  const t = await testServer({
    routes: [
      ...ROUTES,
      cardWebhookRoutes({
        provider: "stripe",
        signatureHeader: "stripe-signature",
        verify: stripeWebhookVerifier(WEBHOOK_SECRET),
      }),
    ],
  });
  const stripe = await startStripeStandIn({ maxHoldMs: 5_000 });
  const provider = createStripeCardProvider({
    apiKey: stripe.apiKey,
    host: stripe.host,
    port: stripe.port,
    protocol: "http",
    timeoutMs: opts.timeoutMs ?? 10_000,
  });
  const api = apiCalls(t);
  const staff = [
    userRow({ role: "qa" }),
    userRow({ role: "finance" }),
    userRow({ role: "finance" }),
  ];
  await t.db.db.insertInto("users").values(staff).execute();
  const qa = `qa:${staff[0]!.id}`;
  const finance = `finance:${staff[1]!.id}`;
  const finance2 = `finance:${staff[2]!.id}`;
  const c = await newClient(t);
  const client = c.actor;

  const post = async (url: string, actor: string, payload: Record<string, unknown>) => {
    const res = await api.post(url, actor, payload);
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json<{ id: string; version: number; recommendation?: { amount: unknown } }>();
  };

  return {
    t,
    stripe,
    provider,
    qa,
    finance,
    finance2,
    async releasedCardPayouts(count, amountMinor = 48_000) {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const charge = stripe.seedCharge({ amount: amountMinor, currency: "usd" });
        const { order } = await newOrder(t, c, {
          order: { price_minor: String(amountMinor) },
          payment: { amount_minor: String(amountMinor), provider_ref: charge.charge },
        });
        const req = await post("/requests", client, {
          orderId: order.id,
          reason: "not_delivered",
          description: "Never started.",
        });
        await post(`/requests/${req.id}/start-review`, qa, { expectedVersion: 1 });
        await post(`/requests/${req.id}/approve`, qa, {
          expectedVersion: 2,
          amount: req.recommendation?.amount as Record<string, unknown>,
        });
        const payout = await t.db.db
          .selectFrom("payouts")
          .select(["id", "version"])
          .where("request_id", "=", req.id)
          .executeTakeFirstOrThrow();
        await post(`/payouts/${payout.id}/approve`, finance, { expectedVersion: payout.version });
        ids.push(payout.id);
      }
      return ids;
    },
    async close() {
      await stripe.close();
      await t.close();
    },
  };
}
