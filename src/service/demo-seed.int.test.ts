import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refundTargetOf } from "../payouts/stripe/index.js";
import { testServer, type TestServer } from "../../test/support/http.js";
import { seedDemo } from "./demo-seed.js";

// The demo company's card payments must be refundable through the card provider in demo mode:
// the Stripe adapter accepts only charge ids it can send (ch_ or py_ then letters and digits).
describe("demo company", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await testServer();
    await seedDemo(t.deps);
  });
  afterAll(() => t.close());

  it("gives every card payment a charge id the Stripe adapter can refund", async () => {
    const cards = await t.deps.db
      .selectFrom("payments")
      .select(["id", "provider_ref"])
      .where("method", "=", "card")
      .execute();
    expect(cards.length).toBeGreaterThan(3);
    for (const p of cards) {
      expect(p.provider_ref, p.id).not.toBeNull();
      expect(refundTargetOf(p.provider_ref ?? ""), `${p.id}: ${p.provider_ref}`).not.toBeNull();
    }
  });
});
