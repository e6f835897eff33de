// /webhook-endpoints through the HTTP API: admins only (every other caller refused before any id
// is looked up), strict bodies with problem+json naming the field, the secret shown once and never
// again, changes and deletion audited without the secret.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCalls, expectProblem, type Method } from "../../../test/support/api-world.js";
import { testServer, type TestServer } from "../../../test/support/http.js";
import { webhookEndpointRoutes } from "./webhook-endpoints.js";

let t: TestServer;

const ACTORS = {
  anonymous: null,
  client: "client:cl_1:usr_c",
  qa: "qa:usr_qa",
  finance: "finance:usr_fin",
  token: "token:tok_1:orders:read,orders:write,payments:write,events:write",
  admin: "admin:usr_admin",
} as const;
type Who = keyof typeof ACTORS;

beforeAll(async () => {
  t = await testServer({ routes: [webhookEndpointRoutes] });
});
afterAll(() => t.close());

const call = (who: Who, method: Method, url: string, payload?: unknown) =>
  apiCalls(t).send(method, url, ACTORS[who], payload);

const VALID = { url: "https://hooks.example.com/refund-desk", events: ["refund_sent"] };

async function create(body: unknown = VALID) {
  const res = await call("admin", "POST", "/webhook-endpoints", body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string; secret: string; url: string; events: string[] }>();
}

describe("access", () => {
  const others: [Who, number][] = [
    ["anonymous", 401],
    ["client", 403],
    ["qa", 403],
    ["finance", 403],
    ["token", 403],
  ];

  for (const [who, status] of others) {
    it(`${who}: ${status} on every route, and nothing is created`, async () => {
      const existing = await create();
      const before = await t.db.db.selectFrom("webhook_endpoints").select("id").execute();
      expectProblem(await call(who, "POST", "/webhook-endpoints", VALID), status);
      expectProblem(await call(who, "GET", "/webhook-endpoints"), status);
      for (const id of [existing.id, "whe_missing"]) {
        expectProblem(
          await call(who, "PATCH", `/webhook-endpoints/${id}`, { disabled: true }),
          status,
        );
        expectProblem(await call(who, "DELETE", `/webhook-endpoints/${id}`), status);
        expectProblem(await call(who, "GET", `/webhook-endpoints/${id}/deliveries`), status);
        expectProblem(
          await call(who, "POST", `/webhook-endpoints/${id}/deliveries/whd_1/retry`),
          status,
        );
      }
      const after = await t.db.db.selectFrom("webhook_endpoints").selectAll().execute();
      expect(after.map((r) => r.id).sort()).toEqual(before.map((r) => r.id).sort());
      expect(after.find((r) => r.id === existing.id)?.disabled).toBe(0);
    });
  }

  it("admin: create, list, change, list deliveries, delete", async () => {
    const created = await call("admin", "POST", "/webhook-endpoints", {
      ...VALID,
      description: "ERP",
    });
    expect(created.statusCode).toBe(201);
    const ep = created.json<{ id: string; secret: string }>();
    expect(created.headers["location"]).toBe(`/api/v1/webhook-endpoints/${ep.id}`);
    expect(created.headers["cache-control"]).toBe("no-store");
    expect(created.json()).toMatchObject({
      url: VALID.url,
      events: ["refund_sent"],
      description: "ERP",
      disabled: false,
      createdBy: "usr_admin",
    });
    expect(ep.secret).toMatch(/^whsec_/);

    const list = await call("admin", "GET", "/webhook-endpoints?limit=100");
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((i: { id: string }) => i.id)).toContain(ep.id);
    // The secret is shown once: never in a listing or a change.
    expect(list.body).not.toContain(ep.secret);
    expect(list.body).not.toContain("whsec_");

    const patched = await call("admin", "PATCH", `/webhook-endpoints/${ep.id}`, {
      disabled: true,
      events: ["refund_failed", "refund_sent"],
      description: null,
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      disabled: true,
      events: ["refund_sent", "refund_failed"],
      description: null,
    });
    expect(patched.body).not.toContain("whsec_");

    const deliveries = await call("admin", "GET", `/webhook-endpoints/${ep.id}/deliveries`);
    expect(deliveries.statusCode).toBe(200);
    expect(deliveries.json()).toEqual({ items: [], nextCursor: null });

    const deleted = await call("admin", "DELETE", `/webhook-endpoints/${ep.id}`);
    expect(deleted.statusCode).toBe(204);
    expectProblem(await call("admin", "DELETE", `/webhook-endpoints/${ep.id}`), 404);
    expectProblem(
      await call("admin", "PATCH", `/webhook-endpoints/${ep.id}`, { disabled: false }),
      404,
    );
    expectProblem(await call("admin", "GET", `/webhook-endpoints/${ep.id}/deliveries`), 404);

    // Audited, without the secret.
    const audit = await t.db.db
      .selectFrom("audit_events")
      .select(["action", "summary"])
      .where("entity_id", "=", ep.id)
      .orderBy("seq")
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      "webhook_endpoint.created",
      "webhook_endpoint.updated",
      "webhook_endpoint.deleted",
    ]);
    expect(JSON.stringify(audit)).not.toContain(ep.secret);
  });

  it("each endpoint gets its own secret", async () => {
    const a = await create();
    const b = await create();
    expect(a.secret).not.toBe(b.secret);
  });
});

describe("validation", () => {
  const bad: [string, unknown, string][] = [
    ["a URL that is not http(s)", { ...VALID, url: "ftp://hooks.example.com/x" }, "body.url"],
    ["a relative URL", { ...VALID, url: "/hooks" }, "body.url"],
    ["a javascript: URL", { ...VALID, url: "javascript:alert(1)" }, "body.url"],
    ["credentials in the URL", { ...VALID, url: "https://u:p@hooks.example.com/" }, "body.url"],
    ["an empty URL", { ...VALID, url: "" }, "body.url"],
    ["a URL that is not a string", { ...VALID, url: 42 }, "body.url"],
    ["no URL", { events: ["*"] }, "body.url"],
    ["no events", { url: VALID.url }, "body.events"],
    ["an empty event list", { ...VALID, events: [] }, "body.events"],
    ["an unknown event type", { ...VALID, events: ["refund_sent", "nope"] }, "body.events.1"],
    ["a repeated event type", { ...VALID, events: ["refund_sent", "refund_sent"] }, "body.events"],
    ["an unknown field", { ...VALID, secret: "mine" }, "body.secret"],
    [
      "a control character in the description",
      { ...VALID, description: "a\u0007b" },
      "body.description",
    ],
  ];
  for (const [what, body, path] of bad) {
    it(`refuses ${what} (400 naming ${path})`, async () => {
      const res = await call("admin", "POST", "/webhook-endpoints", body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
      const paths = res.json<{ errors: { path: string }[] }>().errors.map((e) => e.path);
      expect(
        paths.some((p) => p === path || p.replace(/\[(\d+)\]/g, ".$1") === path),
        paths.join(),
      ).toBe(true);
    });
  }

  it("PATCH: an empty body, an unknown field, a bad URL or a non-boolean flag are refused", async () => {
    const ep = await create();
    for (const [body, path] of [
      [{}, "body"],
      [{ secret: "x" }, "body.secret"],
      [{ url: "gopher://x" }, "body.url"],
      [{ disabled: "yes" }, "body.disabled"],
    ] as const) {
      const res = await call("admin", "PATCH", `/webhook-endpoints/${ep.id}`, body);
      expectProblem(res, 400);
      expect(res.json<{ detail: string }>().detail).toContain(path);
    }
    const row = await t.db.db
      .selectFrom("webhook_endpoints")
      .selectAll()
      .where("id", "=", ep.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ url: VALID.url, disabled: 0 });
  });

  it('"*" subscribes to everything and is stored alone', async () => {
    const ep = await create({ url: "http://127.0.0.1:9/hook", events: ["refund_sent", "*"] });
    expect(ep.events).toEqual(["*"]);
  });
});

describe("listing", () => {
  it("pages through every endpoint once, in creation order", async () => {
    for (let i = 0; i < 3; i++) await create();
    const all = await t.db.db
      .selectFrom("webhook_endpoints")
      .select("id")
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(
        "admin",
        "GET",
        `/webhook-endpoints?limit=2${cursor === null ? "" : `&cursor=${cursor}`}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{ items: { id: string }[]; nextCursor: string | null }>();
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((e) => e.id));
      cursor = body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(all.map((r) => r.id));
  });
});
