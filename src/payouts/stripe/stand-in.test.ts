// The stand-in's wire format, spoken with plain fetch (not the SDK): what a Stripe client sees.

import { afterEach, describe, expect, it } from "vitest";
import {
  standInGate,
  startStripeStandIn,
  type StandInOptions,
  type StripeStandIn,
} from "./stand-in.js";

const open: StripeStandIn[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function standIn(options: StandInOptions = {}): Promise<StripeStandIn> {
  const s = await startStripeStandIn(options);
  open.push(s);
  return s;
}

function call(
  s: StripeStandIn,
  method: string,
  path: string,
  opts: {
    form?: string;
    key?: string | null;
    idem?: string;
    timeoutMs?: number;
    type?: string;
  } = {},
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (opts.key !== null) headers.authorization = `Bearer ${opts.key ?? s.apiKey}`;
  if (opts.form !== undefined) {
    headers["content-type"] = opts.type ?? "application/x-www-form-urlencoded";
  }
  if (opts.idem !== undefined) headers["idempotency-key"] = opts.idem;
  return fetch(`${s.url}${path}`, {
    method,
    headers,
    ...(opts.form === undefined ? {} : { body: opts.form }),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
  });
}

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

describe("the Stripe stand-in", () => {
  it("accepts test keys only", async () => {
    await expect(startStripeStandIn({ apiKey: "sk_live_x" })).rejects.toThrow(/test keys only/);
  });

  it("wants the configured bearer key (401 with Stripe's error JSON otherwise)", async () => {
    const s = await standIn();
    for (const key of [null, "sk_test_other", "rk_test_x"]) {
      const res = await call(s, "GET", "/v1/refunds", { key });
      expect(res.status).toBe(401);
      expect(await json(res)).toEqual({
        error: { type: "invalid_request_error", message: expect.any(String) },
      });
    }
  });

  it("also takes the key as the Basic username, as Stripe does (curl -u sk_test_...:)", async () => {
    const s = await standIn();
    const basic = (v: string) => `Basic ${Buffer.from(v).toString("base64")}`;
    const get = (authorization: string) =>
      fetch(`${s.url}/v1/refunds`, { headers: { authorization } });
    expect((await get(basic(`${s.apiKey}:`))).status).toBe(200);
    expect((await get(basic("sk_test_other:"))).status).toBe(401);
    expect((await get(basic(":"))).status).toBe(401);
  });

  it("creates a refund from a bracket-notation form and replays it for the same key", async () => {
    const s = await standIn();
    const c = s.seedCharge({ amount: 3000, currency: "EUR" });
    const form = `charge=${c.charge}&amount=1200&metadata[payout_id]=po_1&metadata%5Bnote%5D=a+b`;
    const first = await call(s, "POST", "/v1/refunds", { form, idem: "k1" });
    expect(first.status).toBe(200);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(first.headers.get("request-id")).toMatch(/^req_/);
    const body = await json(first);
    expect(body).toMatchObject({
      object: "refund",
      amount: 1200,
      charge: c.charge,
      payment_intent: c.paymentIntent,
      currency: "eur",
      metadata: { payout_id: "po_1", note: "a b" },
      status: "succeeded",
    });
    expect(body.id).toMatch(/^re_/);
    // Same key, same parameters in another order: the stored answer, marked as replayed.
    const replay = await call(s, "POST", "/v1/refunds", {
      form: `metadata%5Bnote%5D=a+b&amount=1200&metadata[payout_id]=po_1&charge=${c.charge}`,
      idem: "k1",
    });
    expect(replay.status).toBe(200);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await json(replay)).toEqual(body);
    // Same key, other parameters: refused.
    const other = await call(s, "POST", "/v1/refunds", {
      form: `charge=${c.charge}&amount=1300&metadata[payout_id]=po_1`,
      idem: "k1",
    });
    expect(other.status).toBe(400);
    expect(await json(other)).toEqual({
      error: { type: "idempotency_error", message: expect.stringMatching(/same parameters/) },
    });
    expect(s.refunds()).toHaveLength(1);
    expect(s.charge(c.charge)).toEqual({ amount: 3000, amountRefunded: 1200, currency: "eur" });
  });

  it("refunds what remains when no amount is given, then refuses: charge_already_refunded", async () => {
    const s = await standIn();
    const c = s.seedCharge({ amount: 3000, currency: "usd" });
    const part = await call(s, "POST", "/v1/refunds", { form: `charge=${c.charge}&amount=1000` });
    expect(part.status).toBe(200);
    const rest = await call(s, "POST", "/v1/refunds", {
      form: `payment_intent=${c.paymentIntent}`,
    });
    expect(await json(rest)).toMatchObject({ amount: 2000 });
    const none = await call(s, "POST", "/v1/refunds", { form: `charge=${c.charge}&amount=1` });
    expect(none.status).toBe(400);
    expect(await json(none)).toMatchObject({
      error: { type: "invalid_request_error", code: "charge_already_refunded" },
    });
  });

  it.each([
    ["amount=10", 400, "parameter_missing", undefined],
    ["charge=ch_nope&amount=10", 404, "resource_missing", "charge"],
    ["payment_intent=pi_nope&amount=10", 404, "resource_missing", "payment_intent"],
    ["charge={CH}&payment_intent={PI}&amount=10", 400, undefined, "payment_intent"],
    ["charge={CH}&amount=0", 400, "parameter_invalid_integer", "amount"],
    ["charge={CH}&amount=1.5", 400, "parameter_invalid_integer", "amount"],
    ["charge={CH}&amount=-1", 400, "parameter_invalid_integer", "amount"],
    ["charge={CH}&amount=5001", 400, "amount_too_large", "amount"],
    ["charge={CH}&amount=10&bogus=1", 400, "parameter_unknown", "bogus"],
    ["charge={CH}&amount=10&reason=because", 400, undefined, "reason"],
    ["charge={CH}&amount=10&metadata=x&metadata[a]=1", 400, undefined, "metadata[a]"],
  ])("refuses %s with %i %s", async (form, status, code, param) => {
    const s = await standIn();
    const c = s.seedCharge({ amount: 5000, currency: "eur" });
    const res = await call(s, "POST", "/v1/refunds", {
      // Placeholders no id can contain: a random charge id may well hold "PI".
      form: form.replace("{CH}", c.charge).replace("{PI}", c.paymentIntent),
    });
    expect(res.status).toBe(status);
    const { error } = (await json(res)) as { error: Record<string, string> };
    expect(typeof error.message).toBe("string");
    expect(error.type).toBe("invalid_request_error");
    expect(error.code).toBe(code);
    expect(error.param).toBe(param);
    expect(s.refunds()).toHaveLength(0);
  });

  it("refuses a JSON body and an unknown route", async () => {
    const s = await standIn();
    const c = s.seedCharge({ amount: 5000, currency: "eur" });
    const asJson = await call(s, "POST", "/v1/refunds", {
      form: JSON.stringify({ charge: c.charge }),
      type: "application/json",
    });
    expect(asJson.status).toBe(400);
    const route = await call(s, "POST", "/v1/charges", { form: "amount=1" });
    expect(route.status).toBe(404);
    expect(await json(route)).toMatchObject({ error: { type: "invalid_request_error" } });
  });

  it("lists refunds newest first, by charge or payment intent, in pages", async () => {
    const s = await standIn();
    const a = s.seedCharge({ amount: 5000, currency: "eur" });
    const b = s.seedCharge({ amount: 5000, currency: "eur" });
    for (let i = 1; i <= 5; i += 1) {
      await call(s, "POST", "/v1/refunds", { form: `charge=${a.charge}&amount=${i}` });
    }
    await call(s, "POST", "/v1/refunds", { form: `charge=${b.charge}&amount=99` });
    const page1 = await json(await call(s, "GET", `/v1/refunds?charge=${a.charge}&limit=2`));
    expect(page1).toMatchObject({ object: "list", has_more: true, url: "/v1/refunds" });
    const data1 = page1.data as { id: string; amount: number }[];
    expect(data1.map((r) => r.amount)).toEqual([5, 4]);
    const last = data1[1]?.id ?? "";
    const page2 = await json(
      await call(s, "GET", `/v1/refunds?charge=${a.charge}&limit=2&starting_after=${last}`),
    );
    expect((page2.data as { amount: number }[]).map((r) => r.amount)).toEqual([3, 2]);
    expect(page2.has_more).toBe(true);
    const byPi = await json(await call(s, "GET", `/v1/refunds?payment_intent=${b.paymentIntent}`));
    expect((byPi.data as { amount: number }[]).map((r) => r.amount)).toEqual([99]);
    expect(byPi.has_more).toBe(false);
    const all = await json(await call(s, "GET", "/v1/refunds?limit=100"));
    expect((all.data as unknown[]).length).toBe(6);
    expect((await call(s, "GET", "/v1/refunds?limit=101")).status).toBe(400);
    expect((await call(s, "GET", "/v1/refunds?charge=ch_nope")).status).toBe(404);
    expect((await call(s, "GET", "/v1/refunds?starting_after=re_nope")).status).toBe(400);
  });

  it("retrieves a refund by id; an unknown id is 404 resource_missing", async () => {
    const s = await standIn();
    const c = s.seedCharge({ amount: 5000, currency: "eur" });
    const made = await json(await call(s, "POST", "/v1/refunds", { form: `charge=${c.charge}` }));
    const got = await call(s, "GET", `/v1/refunds/${String(made.id)}`);
    expect(await json(got)).toEqual(made);
    const missing = await call(s, "GET", "/v1/refunds/re_nope");
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ error: { code: "resource_missing" } });
  });

  it("apply-then-timeout makes the refund and never answers; timeout does neither", async () => {
    const s = await standIn();
    const c = s.seedCharge({ amount: 5000, currency: "eur" });
    s.queue("refunds.create", { kind: "apply-then-timeout" }, { kind: "timeout" });
    await expect(
      call(s, "POST", "/v1/refunds", {
        form: `charge=${c.charge}&amount=10`,
        idem: "a",
        timeoutMs: 200,
      }),
    ).rejects.toThrow();
    expect(s.refunds()).toHaveLength(1);
    await expect(
      call(s, "POST", "/v1/refunds", {
        form: `charge=${c.charge}&amount=20`,
        idem: "b",
        timeoutMs: 200,
      }),
    ).rejects.toThrow();
    expect(s.refunds()).toHaveLength(1);
    // The applied key replays; the key that never ran is free.
    const a = await call(s, "POST", "/v1/refunds", {
      form: `charge=${c.charge}&amount=10`,
      idem: "a",
    });
    expect(a.headers.get("idempotent-replayed")).toBe("true");
    const b = await call(s, "POST", "/v1/refunds", {
      form: `charge=${c.charge}&amount=20`,
      idem: "b",
    });
    expect(b.headers.get("idempotent-replayed")).toBeNull();
    expect(s.refunds().map((r) => r.amount)).toEqual([10, 20]);
    expect(s.requests().map((r) => r.answer)).toEqual(["held", "held", 200, 200]);
  });

  it("a key whose first request is still running answers 409", async () => {
    const s = await standIn();
    const c = s.seedCharge({ amount: 5000, currency: "eur" });
    const gate = standInGate();
    s.queue("refunds.create", { kind: "gate", gate });
    const form = `charge=${c.charge}&amount=10`;
    const slow = call(s, "POST", "/v1/refunds", { form, idem: "k" });
    await gate.reached; // the first request holds the key, in flight
    const twin = await call(s, "POST", "/v1/refunds", { form, idem: "k" });
    expect(twin.status).toBe(409);
    expect(await json(twin)).toMatchObject({ error: { type: "idempotency_error" } });
    expect(s.refunds()).toHaveLength(0);
    gate.open();
    expect((await slow).status).toBe(200);
    expect(s.refunds()).toHaveLength(1);
    // Once answered, the key replays.
    const again = await call(s, "POST", "/v1/refunds", { form, idem: "k" });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
  });

  it("a delay keeps the key in flight for that long, then answers", async () => {
    const s = await standIn();
    const c = s.seedCharge({ amount: 5000, currency: "eur" });
    s.queue("refunds.create", { kind: "delay", ms: 1 });
    const res = await call(s, "POST", "/v1/refunds", { form: `charge=${c.charge}&amount=10` });
    expect(res.status).toBe(200);
  });

  it("forgets idempotency keys after their lifetime (24 h by default)", async () => {
    let clock = 1_800_000_000;
    const s = await standIn({ now: () => clock });
    const c = s.seedCharge({ amount: 5000, currency: "eur" });
    const form = `charge=${c.charge}&amount=10`;
    await call(s, "POST", "/v1/refunds", { form, idem: "k" });
    clock += 24 * 60 * 60;
    const within = await call(s, "POST", "/v1/refunds", { form, idem: "k" });
    expect(within.headers.get("idempotent-replayed")).toBe("true");
    clock += 1;
    await call(s, "POST", "/v1/refunds", { form, idem: "k" });
    // A second refund: why reconciliation looks refunds up by payout id, not only by key.
    expect(s.refunds()).toHaveLength(2);
  });

  it("chaos with a seed is repeatable", async () => {
    const runs: (number | "held")[][] = [];
    for (let run = 0; run < 2; run += 1) {
      const s = await standIn({ chaos: { serverError: 0.5, seed: 3 } });
      const c = s.seedCharge({ amount: 5000, currency: "eur" });
      for (let i = 0; i < 20; i += 1) {
        await call(s, "POST", "/v1/refunds", { form: `charge=${c.charge}&amount=1` });
      }
      runs.push(s.requests().map((r) => r.answer));
    }
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]).toContain(500);
    expect(runs[0]).toContain(200);
  });

  it("closes promptly with requests still held: they end at close, not at their timeout", async () => {
    const s = await startStripeStandIn(); // holds a request for 30 s at most (maxHoldMs)
    const c = s.seedCharge({ amount: 5000, currency: "eur" });
    s.queue("refunds.create", { kind: "timeout" });
    const pending = call(s, "POST", "/v1/refunds", {
      form: `charge=${c.charge}`,
      timeoutMs: 60_000,
    });
    await s.whenHeld(1);
    await s.close();
    // The connection was closed by the stand-in ("fetch failed"), not aborted by the client's
    // own timeout (a TimeoutError), and not answered.
    const failure = await pending.then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as Error).name).not.toBe("TimeoutError");
    expect(s.requests().map((r) => r.answer)).toEqual(["held"]);
  });

  it("adds the charge a payment refers to, once: by charge or payment intent id", async () => {
    const s = await standIn();
    const byCharge = s.addCharge({ id: "ch_demo1", amount: 4800, currency: "USD" });
    expect(byCharge).toMatchObject({ charge: "ch_demo1", amount: 4800, currency: "usd" });
    const byIntent = s.addCharge({ id: "pi_demo2", amount: 100, currency: "eur" });
    expect(byIntent.paymentIntent).toBe("pi_demo2");
    expect(byIntent.charge).toMatch(/^ch_/);
    // The same payment again (recorded twice, or seeded again at start): nothing changes.
    expect(s.addCharge({ id: "ch_demo1", amount: 4800, currency: "usd" })).toEqual(byCharge);
    expect(s.addCharge({ id: "pi_demo2", amount: 100, currency: "EUR" })).toEqual(byIntent);
    expect(() => s.addCharge({ id: "ch_demo1", amount: 4801, currency: "usd" })).toThrow(
      /already known/,
    );
    const res = await call(s, "POST", "/v1/refunds", { form: "payment_intent=pi_demo2" });
    expect(await json(res)).toMatchObject({ amount: 100, charge: byIntent.charge });
    expect(s.charge("ch_demo1")).toEqual({ amount: 4800, amountRefunded: 0, currency: "usd" });
  });
});
