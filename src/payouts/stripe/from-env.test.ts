import { describe, expect, it } from "vitest";
import { openStripeCardProvider, stripeConfigFromEnv } from "./from-env.js";
import { parseSeedCharges, startStandInFromEnv } from "./stand-in-main.js";

describe("stripeConfigFromEnv", () => {
  it.each([
    [{}, { kind: "stand-in", webhookSecret: null }],
    [
      { NODE_ENV: "test", STRIPE_TIMEOUT_MS: "1500" },
      { kind: "stand-in", timeoutMs: 1500, webhookSecret: null },
    ],
    [{ NODE_ENV: "production" }, { kind: "none", why: expect.stringMatching(/STRIPE_SECRET_KEY/) }],
    [
      {
        STRIPE_SECRET_KEY: "sk_live_abc",
        STRIPE_WEBHOOK_SECRET: "whsec_1",
        NODE_ENV: "production",
      },
      { kind: "stripe", apiKey: "sk_live_abc", webhookSecret: "whsec_1" },
    ],
    [
      { STRIPE_SECRET_KEY: "rk_test_abc", STRIPE_API_BASE: "http://127.0.0.1:12111" },
      {
        kind: "stripe",
        apiKey: "rk_test_abc",
        host: "127.0.0.1",
        port: 12111,
        protocol: "http",
        webhookSecret: null,
      },
    ],
    [
      { STRIPE_SECRET_KEY: "sk_test_abc", STRIPE_API_BASE: "https://stripe-proxy.internal" },
      {
        kind: "stripe",
        apiKey: "sk_test_abc",
        host: "stripe-proxy.internal",
        port: 443,
        protocol: "https",
        webhookSecret: null,
      },
    ],
    [
      { STRIPE_SECRET_KEY: "sk_test_abc", NODE_ENV: "production", STRIPE_ALLOW_TEST_KEY: "1" },
      { kind: "stripe", apiKey: "sk_test_abc", webhookSecret: null },
    ],
  ])("%j", (env, expected) => {
    expect(stripeConfigFromEnv(env)).toEqual(expected);
  });

  it.each([
    [{ STRIPE_SECRET_KEY: "pk_live_abc" }, /STRIPE_SECRET_KEY/],
    [{ STRIPE_SECRET_KEY: "sk_test_abc", NODE_ENV: "production" }, /test key/],
    [{ STRIPE_API_BASE: "http://localhost:1" }, /STRIPE_SECRET_KEY is not/],
    [{ STRIPE_SECRET_KEY: "sk_test_a", STRIPE_API_BASE: "localhost:12111" }, /STRIPE_API_BASE/],
    [{ STRIPE_SECRET_KEY: "sk_test_a", STRIPE_API_BASE: "ftp://x" }, /STRIPE_API_BASE/],
    [{ STRIPE_SECRET_KEY: "sk_test_a", STRIPE_API_BASE: "http://x/v1/" }, /STRIPE_API_BASE/],
    [{ STRIPE_TIMEOUT_MS: "soon" }, /STRIPE_TIMEOUT_MS/],
    [{ STRIPE_TIMEOUT_MS: "0" }, /STRIPE_TIMEOUT_MS/],
    [{ STRIPE_WEBHOOK_SECRET: "secret" }, /STRIPE_WEBHOOK_SECRET/],
  ])("refuses %j", (env, message) => {
    expect(() => stripeConfigFromEnv(env)).toThrow(message);
  });
});

describe("openStripeCardProvider", () => {
  it("demo mode: a stand-in in-process with the given charges, refunding through the SDK", async () => {
    const opened = await openStripeCardProvider(stripeConfigFromEnv({}), {
      charges: [
        { id: "ch_demo1", amount: 4999, currency: "EUR" },
        { id: "pi_demo2", amount: 1000, currency: "USD" },
      ],
    });
    try {
      expect(opened.standIn).not.toBeNull();
      expect(opened.webhookSecret).toMatch(/^whsec_standin_/);
      expect(opened.description).toMatch(/stand-in/);
      const provider = opened.provider;
      if (provider === null) throw new Error("no provider");
      const a = await provider.submitRefund({
        payoutId: "po_demo",
        idempotencyKey: "payout:po_demo",
        chargeRef: "ch_demo1",
        amountMinor: 4999n,
        currency: "EUR",
      });
      expect(a.kind).toBe("succeeded");
      const b = await provider.submitRefund({
        payoutId: "po_demo2",
        idempotencyKey: "payout:po_demo2",
        chargeRef: "pi_demo2",
        amountMinor: 1000n,
        currency: "USD",
      });
      expect(b.kind).toBe("succeeded");
      expect(opened.standIn?.refunds().map((r) => r.amount)).toEqual([4999, 1000]);
    } finally {
      await opened.close();
    }
  });

  it("production without a key: no provider, and no webhook secret (refuse every delivery)", async () => {
    const opened = await openStripeCardProvider(stripeConfigFromEnv({ NODE_ENV: "production" }));
    expect(opened).toMatchObject({ provider: null, webhookSecret: null, standIn: null });
  });
});

describe("the stand-in as its own process (stand-in-main)", () => {
  it("parses seed charges and refuses bad ones", () => {
    expect(parseSeedCharges(" ch_1:5000:EUR, pi_2:1999:usd ,")).toEqual([
      { id: "ch_1", amount: 5000, currency: "eur" },
      { id: "pi_2", amount: 1999, currency: "usd" },
    ]);
    for (const bad of ["ch_1:5000", "ord_1:5:eur", "ch_1:-5:eur", "ch_1:5.5:eur", "ch_1:5:euro"]) {
      expect(() => parseSeedCharges(bad)).toThrow(/STAND_IN_CHARGES/);
    }
  });

  it("starts from the environment, and the provider configured for it refunds through it", async () => {
    const standIn = await startStandInFromEnv({
      STAND_IN_PORT: "0",
      STAND_IN_API_KEY: "sk_test_demo",
      STAND_IN_CHARGES: "ch_env1:5000:eur,pi_env2:700:usd",
    });
    try {
      const config = stripeConfigFromEnv({
        STRIPE_SECRET_KEY: "sk_test_demo",
        STRIPE_API_BASE: standIn.url,
      });
      const opened = await openStripeCardProvider(config);
      const out = await opened.provider?.submitRefund({
        payoutId: "po_env",
        idempotencyKey: "payout:po_env",
        chargeRef: "pi_env2",
        amountMinor: 700n,
        currency: "USD",
      });
      expect(out?.kind).toBe("succeeded");
      expect(standIn.charge("ch_env1")).toMatchObject({ amount: 5000, amountRefunded: 0 });
      expect(standIn.charge("pi_env2")).toMatchObject({ amount: 700, amountRefunded: 700 });
    } finally {
      await standIn.close();
    }
  });

  it("refuses a webhook URL without a signing secret", async () => {
    await expect(
      startStandInFromEnv({ STAND_IN_PORT: "0", STAND_IN_WEBHOOK_URL: "http://127.0.0.1:1/x" }),
    ).rejects.toThrow(/STRIPE_WEBHOOK_SECRET/);
  });
});
