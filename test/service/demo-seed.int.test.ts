// What `npm start` seeds must work with the real card adapter: every demo card payment carries a
// charge id the Stripe adapter can refund (issue 11, bug 1).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refundTargetOf } from "../../src/payouts/stripe/index.js";
import { seedDemo } from "../../src/service/demo-seed.js";
import { testServer, type TestServer } from "../support/http.js";

let t: TestServer;
beforeAll(async () => {
  t = await testServer();
  await seedDemo(t.deps);
});
afterAll(() => t.close());

describe("demo seed", () => {
  it("gives every card payment a Stripe-shaped charge id the adapter accepts", async () => {
    const cards = await t.db.db
      .selectFrom("payments")
      .select(["id", "provider_ref"])
      .where("method", "=", "card")
      .execute();
    expect(cards.length).toBeGreaterThanOrEqual(5);
    for (const p of cards) {
      expect(p.provider_ref, p.id).toMatch(/^ch_[A-Za-z0-9]+$/);
      expect(refundTargetOf(p.provider_ref ?? ""), p.id).toEqual({ charge: p.provider_ref });
    }
  });
});
