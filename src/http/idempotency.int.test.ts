import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { apiCalls } from "../../test/support/api-world.js";
import { testServer, type TestServer } from "../../test/support/http.js";
import { AppError } from "../app/errors.js";
import type { RoutePlugin } from "./server.js";

// The Idempotency-Key plugin through buildServer, with throwaway routes that count their side
// effects. On SQLite in `npm test`, on PostgreSQL with DATABASE_URL.

const effects = { things: 0, failing: 0, refused: 0, open: 0, off: 0 };

/**
 * When set, the next /things call tells `reached` it is running (its key claimed, in flight) and
 * waits for `released`: a test sends the repeats exactly while the first is in flight, no timers.
 */
let hold: { reached: () => void; released: Promise<void> } | null = null;

const thingBody = {
  type: "object",
  additionalProperties: false,
  required: ["name"],
  properties: { name: { type: "string" }, tags: { type: "object" } },
} as const;

const routes: RoutePlugin = (api) => {
  api.post(
    "/things",
    { config: { permission: "order.write" }, schema: { body: thingBody } },
    async (request, reply) => {
      effects.things++;
      const n = effects.things;
      const h = hold;
      hold = null;
      if (h !== null) {
        h.reached();
        await h.released;
      }
      return reply
        .code(201)
        .header("location", `/api/v1/things/t${n}`)
        .send({ id: `t${n}`, body: request.body, at: process.hrtime.bigint().toString() });
    },
  );
  api.post("/failing", { config: { permission: "order.write" } }, async () => {
    effects.failing++;
    throw new Error("database went away");
  });
  api.post("/refused", { config: { permission: "order.write" } }, async () => {
    effects.refused++;
    throw new AppError("conflict", `refused #${effects.refused}`);
  });
  api.post("/open", { config: { permission: "public" } }, async () => {
    effects.open++;
    return { n: effects.open };
  });
  api.post("/off", { config: { permission: "order.write", idempotency: "off" } }, async () => {
    effects.off++;
    return { n: effects.off };
  });
};

const ADMIN = { "x-test-actor": "admin:usr_admin" };

let t: TestServer;
beforeAll(async () => {
  t = await testServer({ routes: [routes] });
});
afterAll(() => t.close());
beforeEach(() => {
  hold = null;
  for (const k of Object.keys(effects) as (keyof typeof effects)[]) effects[k] = 0;
});

/** POSTs as `actor` (admin by default), with the Idempotency-Key `key` unless undefined. */
function post(
  url: string,
  key: string | undefined,
  payload?: unknown,
  actor: Record<string, string> = ADMIN,
) {
  const keyHeader: Record<string, string> = key === undefined ? {} : { "idempotency-key": key };
  return apiCalls(t).post(url, null, payload, { ...actor, ...keyHeader });
}

function expectSameResponse(a: LightMyRequestResponse, b: LightMyRequestResponse) {
  expect(b.statusCode).toBe(a.statusCode);
  expect(b.rawPayload.equals(a.rawPayload)).toBe(true);
  expect(b.headers["content-type"]).toBe(a.headers["content-type"]);
  expect(b.headers["location"]).toBe(a.headers["location"]);
}

describe("Idempotency-Key", () => {
  it("20 at once with one key: one side effect; the others 409 while it is in flight", async () => {
    const body = { name: "widget", tags: { b: 2, a: 1 } };
    let reached!: () => void;
    let release!: () => void;
    const inFlight = new Promise<void>((r) => (reached = r));
    hold = { reached, released: new Promise<void>((r) => (release = r)) };
    // All 20 race for the key; the winner runs and waits in the route until released.
    const all = Array.from({ length: 20 }, () => post("/things", "k-20", body));
    await inFlight;
    let answered = 0;
    await new Promise<void>((allButOne) => {
      for (const p of all) void p.then(() => ++answered === 19 && allButOne());
    });
    release();
    const responses = await Promise.all(all);
    expect(effects.things).toBe(1);
    const original = responses.filter((r) => r.statusCode === 201);
    expect(original).toHaveLength(1);
    const first = original[0]!;
    expect(first.headers["idempotent-replayed"]).toBeUndefined();
    expect(first.headers["location"]).toBe("/api/v1/things/t1");
    for (const r of responses) {
      if (r === first) continue;
      expect(r.statusCode).toBe(409);
      expect(r.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(r.json()).toMatchObject({ status: 409, code: "idempotency_in_flight" });
    }

    // After completion: 5 sequential replays, byte-identical with the first response.
    for (let i = 0; i < 5; i++) {
      const r = await post("/things", "k-20", { tags: { a: 1, b: 2 }, name: "widget" });
      expect(r.headers["idempotent-replayed"]).toBe("true");
      expect(r.headers["x-content-type-options"]).toBe("nosniff");
      expectSameResponse(first, r);
    }
    expect(effects.things).toBe(1);

    // The same key with another body, or on another path: 422, nothing runs.
    const other = await post("/things", "k-20", { name: "gadget" });
    expect(other.statusCode).toBe(422);
    expect(other.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(other.json()).toMatchObject({ code: "idempotency_mismatch" });
    const elsewhere = await post("/refused", "k-20", body);
    expect(elsewhere.statusCode).toBe(422);
    expect(effects).toMatchObject({ things: 1, refused: 0 });
  });

  it("without a key every POST runs; each key is its own", async () => {
    await post("/things", undefined, { name: "a" });
    await post("/things", undefined, { name: "a" });
    await post("/things", "k-a", { name: "a" });
    await post("/things", "k-b", { name: "a" });
    expect(effects.things).toBe(4);
  });

  it("keys belong to the caller: another caller's identical key runs on its own", async () => {
    const a = await post("/things", "shared", { name: "x" });
    const b = await post("/things", "shared", { name: "x" }, { "x-test-actor": "qa:usr_q" });
    // qa may not write orders: refused before the key is looked at, nothing stored for it.
    expect(b.statusCode).toBe(403);
    const c = await post("/things", "shared", { name: "x" }, { "x-test-actor": "admin:usr_2" });
    expect(a.statusCode).toBe(201);
    expect(c.statusCode).toBe(201);
    expect(c.headers["idempotent-replayed"]).toBeUndefined();
    expect(effects.things).toBe(2);
  });

  it("a 4xx answer is stored and replayed; a 5xx releases the key so a retry runs", async () => {
    const r1 = await post("/refused", "k-4xx");
    const r2 = await post("/refused", "k-4xx");
    expect(r1.statusCode).toBe(409);
    expect(r1.json()).toMatchObject({ detail: "refused #1" });
    expect(r2.headers["idempotent-replayed"]).toBe("true");
    expectSameResponse(r1, r2);
    expect(effects.refused).toBe(1);

    const f1 = await post("/failing", "k-5xx");
    const f2 = await post("/failing", "k-5xx");
    expect([f1.statusCode, f2.statusCode]).toEqual([500, 500]);
    expect(f2.headers["idempotent-replayed"]).toBeUndefined();
    expect(effects.failing).toBe(2);
  });

  it("a request refused by validation claims nothing: the key stays free", async () => {
    const bad = await post("/things", "k-val", { name: "a", status: "approved" });
    expect(bad.statusCode).toBe(400);
    const good = await post("/things", "k-val", { name: "a" });
    expect(good.statusCode).toBe(201);
    expect(good.headers["idempotent-replayed"]).toBeUndefined();
  });

  it("refuses malformed keys with 400 and runs nothing", async () => {
    for (const key of ["", "a b", "x".repeat(256), "clé", "tab\tkey"]) {
      const r = await post("/things", key, { name: "a" });
      expect(r.statusCode, JSON.stringify(key)).toBe(400);
      expect(r.json()).toMatchObject({ errors: [{ path: "headers.idempotency-key" }] });
    }
    expect(effects.things).toBe(0);
    const longest = await post("/things", "~".repeat(255), { name: "a" });
    expect(longest.statusCode).toBe(201);
  });

  it("a route may refuse the header; anonymous callers on public routes are not keyed", async () => {
    const off = await post("/off", "k-off");
    expect(off.statusCode).toBe(400);
    expect(effects.off).toBe(0);

    const anon = {} as Record<string, string>;
    await post("/open", "k-open", undefined, anon);
    const again = await post("/open", "k-open", undefined, anon);
    expect(again.headers["idempotent-replayed"]).toBeUndefined();
    expect(effects.open).toBe(2);
  });
});
