// How the integration suites call the API, in one place.
//
// 1. Calls as an `x-test-actor` caller on a `testServer` (`apiCalls(t)`: `get`, `post`, `patch`,
//    `put`, `del`, `send`), with row factories for a client with its user (`newClient`), an order
//    paid by card (`newOrder`), staff (`newStaff`), and `expectProblem` for RFC 9457 refusals. The
//    route suites use these.
// 2. A realistic little company behind the whole API, reached through the real authenticator
//    (`seedWorld`): two clients (A and B) with their users, staff (qa, finance, admin), an API
//    token, orders, payments, service events, refund requests in several states, messages and an
//    attachment. The cross-cutting API suites (test/api) seed it once per file and call the API as
//    any of its callers.

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { createAuthenticator, createClient, createUser } from "../../src/app/auth/index.js";
import { TOKEN_SCOPES } from "../../src/core/access/index.js";
import { expect } from "vitest";
import type { Role } from "../../src/db/schema.js";
import { DEFAULT_POLICY_PATH } from "../../src/policy-file/load.js";
import { clientRow, orderRow, paymentRow, userRow } from "./db-rows.js";
import { testServer, type TestServer } from "./http.js";
import { storeInboundMail } from "../../src/app/inbound/store-inbound-mail.js";
import { processClaimed } from "../../src/app/inbound/process-inbound-mail.js";
import { findInboundMail } from "../../src/app/inbound/repository.js";
import { DEFAULT_ATTACHMENT_LIMITS } from "../../src/app/attachments/storage.js";

// ---- 1. calls as an x-test-actor caller ---------------------------------------------------------

/** An `x-test-actor` value (`client:<clientId>:<userId>`, `qa:<userId>`, ...), or null: nobody. */
export type TestActor = string | null;

export type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** The API of a test server as the route suites call it: paths below /api/v1, JSON bodies. */
export interface ApiCalls {
  send(
    method: Method,
    url: string,
    actor: TestActor,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  get(
    url: string,
    actor: TestActor,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  post(
    url: string,
    actor: TestActor,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  patch(url: string, actor: TestActor, payload?: unknown): Promise<LightMyRequestResponse>;
  put(url: string, actor: TestActor, payload?: unknown): Promise<LightMyRequestResponse>;
  del(url: string, actor: TestActor): Promise<LightMyRequestResponse>;
}

/** Calls the API of `t` as `x-test-actor` callers. */
export function apiCalls(t: { readonly app: FastifyInstance }): ApiCalls {
  const send: ApiCalls["send"] = (method, url, actor, payload, headers = {}) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { ...(actor === null ? {} : { "x-test-actor": actor }), ...headers },
      ...(payload === undefined ? {} : { payload: payload as InjectOptions["payload"] }),
    });
  return {
    send,
    get: (url, actor, headers) => send("GET", url, actor, undefined, headers),
    post: (url, actor, payload, headers) => send("POST", url, actor, payload, headers),
    patch: (url, actor, payload) => send("PATCH", url, actor, payload),
    put: (url, actor, payload) => send("PUT", url, actor, payload),
    del: (url, actor) => send("DELETE", url, actor),
  };
}

/** A client company inserted as rows, with its users (the first is the caller). */
export interface TestClient {
  readonly clientId: string;
  readonly userId: string;
  /** `client:<clientId>:<userId>` of the first user. */
  readonly actor: string;
  readonly users: readonly ReturnType<typeof userRow>[];
}

/** A client with one user of the client role (or the given users, each of that client). */
export async function newClient(
  t: TestServer,
  users: readonly Partial<Parameters<typeof userRow>[0]>[] = [{}],
): Promise<TestClient> {
  const c = clientRow();
  await t.db.db.insertInto("clients").values(c).execute();
  const rows = users.map((u) => userRow({ role: "client", client_id: c.id, ...u }));
  await t.db.db.insertInto("users").values(rows).execute();
  const first = rows[0]!;
  return { clientId: c.id, userId: first.id, actor: `client:${c.id}:${first.id}`, users: rows };
}

/** Staff users inserted as rows; their `x-test-actor` values, in the order of `roles`. */
export async function newStaff(
  t: TestServer,
  roles: readonly ("qa" | "finance" | "admin")[],
): Promise<{ ids: string[]; actors: string[] }> {
  const rows = roles.map((role) => userRow({ role }));
  await t.db.db.insertInto("users").values(rows).execute();
  return { ids: rows.map((r) => r.id), actors: rows.map((r) => `${r.role}:${r.id}`) };
}

/**
 * An order of `client` like spec case 01 (never started, 4800.00 USD) with its card payment,
 * inserted as rows; `order` and `payment` override columns.
 */
export async function newOrder(
  t: TestServer,
  client: { readonly clientId: string },
  over: {
    order?: Partial<Parameters<typeof orderRow>[1]>;
    payment?: Partial<Parameters<typeof paymentRow>[1]>;
  } = {},
) {
  const order = orderRow(client.clientId, over.order);
  await t.db.db.insertInto("orders").values(order).execute();
  const payment = paymentRow(order, { charge_ref: order.id, ...over.payment });
  await t.db.db.insertInto("payments").values(payment).execute();
  return { order, payment };
}

/** An RFC 9457 refusal with this status (naming `path` among its errors, when given). */
export function expectProblem(res: LightMyRequestResponse, status: number, path?: string): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
  if (path !== undefined) {
    const body = res.json<{ errors?: { path: string }[] }>();
    expect(body.errors?.map((e) => e.path)).toContain(path);
  }
}

// ---- 2. the seeded world, through the real authenticator ----------------------------------------

/** Who calls: nobody, the two clients' users, the three staff roles, and an all-scopes token. */
export const CALLER_NAMES = [
  "anonymous",
  "clientA",
  "clientB",
  "qa",
  "finance",
  "admin",
  "token",
] as const;
export type CallerName = (typeof CALLER_NAMES)[number];

/** What a caller adds to every request: the session cookie and CSRF header, or a bearer token. */
export interface Caller {
  readonly name: CallerName;
  readonly cookies: Record<string, string>;
  readonly headers: Record<string, string>;
}

export const PASSWORD = "correct horse battery staple";

/** One request of a test, before the caller's credentials are added. */
export interface ApiRequest {
  readonly method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  /** Path below /api/v1 with its query string, e.g. `/requests/req_1?x=1`. */
  readonly url: string;
  /** A JSON value (sent as application/json), or a ready body with its headers. */
  readonly payload?: unknown;
  readonly headers?: Record<string, string>;
}

export interface WorldIds {
  clientA: string;
  clientB: string;
  userA: string;
  userB: string;
  qa: string;
  finance: string;
  admin: string;
  /** A client user of A who is nobody's caller (safe to change). */
  spareUserA: string;
  /** The token the `token` caller sends, and one nobody uses (safe to revoke). */
  token: string;
  spareToken: string;
  /** A webhook endpoint (registered by the admin, pointing nowhere that listens). */
  webhookEndpoint: string;
  /** A policy simulation the admin queued (of the shipped policy; no worker runs it). */
  policySimulation: string;
  /** A one-off audit order never started, paid by card; with a client blocker. */
  orderA: string;
  /** A delivered consulting order paid in BTC. */
  orderA2: string;
  /** A monthly monitoring subscription. */
  orderA3: string;
  orderB: string;
  paymentA: string;
  paymentA2: string;
  paymentA3: string;
  paymentB: string;
  eventA: string;
  eventB: string;
  /** Submitted (not_delivered on orderA). */
  requestA: string;
  /** In review with a question asked (info_requested, mismatch on orderA2). */
  requestA2: string;
  /** Submitted (unused_subscription on orderA3). */
  requestA3: string;
  requestB: string;
  /** Approved by qa ("other" on orderA, 10.00 USD): its scheduled card payout. */
  requestA4: string;
  payoutA: string;
  attachmentA: string;
  attachmentB: string;
  /** The policy version in force (the first, published from the shipped file at start). */
  policyVersion: string;
  /** A bulk import sent by the token (pending). */
  importA: string;
  /** Inbound e-mail waiting for triage (an unknown sender naming no order), and a second one. */
  inboundMail: string;
  inboundMail2: string;
  /** A card dispute (closed, won) against A's payment PAY-A3 (issue 20). */
  disputeA: string;
}

export interface World {
  readonly t: TestServer;
  readonly app: FastifyInstance;
  readonly callers: Readonly<Record<CallerName, Caller>>;
  readonly ids: WorldIds;
  /** The bodies the seed sent, for replays (POST /payments, POST /orders). */
  readonly bodies: { orderA: Record<string, unknown>; paymentA: Record<string, unknown> };
  readonly emails: Readonly<Record<"clientA" | "clientB" | "qa" | "finance" | "admin", string>>;
  /** Sends `req` as `caller` (session cookie + X-CSRF-Token, or the bearer token). */
  send(caller: CallerName | Caller, req: ApiRequest): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** A multipart/form-data body built by hand (a fresh boundary each time). */
export function multipartBody(
  files: readonly { name: string; content: Buffer | string; type?: string; field?: string }[],
  fields: Record<string, string> = {},
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----rd-${randomBytes(8).toString("hex")}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
      Buffer.from(`${value}\r\n`),
    );
  }
  for (const f of files) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${f.field ?? "files"}"; ` +
          `filename="${f.name}"\r\nContent-Type: ${f.type ?? "application/octet-stream"}\r\n\r\n`,
      ),
      Buffer.from(f.content),
      Buffer.from("\r\n"),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
  };
}

/** A small plain-text upload. */
export function textUpload(text = "Invoice 2026-02 was charged twice.\n") {
  return multipartBody([{ name: "note.txt", content: text, type: "text/plain" }]);
}

/** Turns an ApiRequest plus a caller into inject options. */
export function injectOptions(caller: Caller, req: ApiRequest): InjectOptions {
  const headers: Record<string, string> = { ...caller.headers, ...(req.headers ?? {}) };
  let payload: InjectOptions["payload"];
  if (Buffer.isBuffer(req.payload) || typeof req.payload === "string") {
    payload = req.payload;
  } else if (req.payload !== undefined) {
    payload = JSON.stringify(req.payload);
    headers["content-type"] ??= "application/json";
  }
  return {
    method: req.method,
    url: `/api/v1${req.url}`,
    headers,
    cookies: caller.cookies,
    ...(payload === undefined ? {} : { payload }),
  };
}

function expectStatus(res: LightMyRequestResponse, status: number, what: string): void {
  if (res.statusCode !== status) {
    throw new Error(`seed: ${what} answered ${res.statusCode}: ${res.body}`);
  }
}

/** Builds the server on a fresh database with the real authenticator and seeds the company. */
export async function seedWorld(): Promise<World> {
  const dataDir = await mkdtemp(join(tmpdir(), "refund-desk-api-"));
  const t = await testServer({ authenticator: createAuthenticator, dataDir });
  const { app, deps } = t;
  try {
    const acme = await createClient(deps, "system", { name: "Acme GmbH", email: "ops@acme.test" });
    const globex = await createClient(deps, "system", { name: "Globex", email: "it@globex.test" });
    const emails = {
      clientA: "carla@acme.test",
      clientB: "bert@globex.test",
      qa: "quinn@desk.test",
      finance: "fiona@desk.test",
      admin: "ada@desk.test",
    } as const;
    const mk = (email: string, name: string, role: Role, clientId?: string) =>
      createUser(deps, "system", {
        email,
        name,
        role,
        password: PASSWORD,
        ...(clientId === undefined ? {} : { clientId }),
      });
    const [userA, userB, qa, finance, admin, spareA] = await Promise.all([
      mk(emails.clientA, "Carla Client", "client", acme.id),
      mk(emails.clientB, "Bert Client", "client", globex.id),
      mk(emails.qa, "Quinn QA", "qa"),
      mk(emails.finance, "Fiona Finance", "finance"),
      mk(emails.admin, "Ada Admin", "admin"),
      mk("sam@acme.test", "Sam Spare", "client", acme.id),
    ]);

    const signIn = async (name: CallerName, email: string): Promise<Caller> => {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/session",
        payload: { email, password: PASSWORD },
      });
      expectStatus(res, 200, `sign-in of ${email}`);
      const cookie = res.cookies.find((c) => c.name === "rd_session");
      if (cookie === undefined) throw new Error("seed: no session cookie");
      const csrf = res.json<{ csrfToken: string }>().csrfToken;
      return { name, cookies: { rd_session: cookie.value }, headers: { "x-csrf-token": csrf } };
    };
    const sessions = await Promise.all(
      (["clientA", "clientB", "qa", "finance", "admin"] as const).map((n) => signIn(n, emails[n])),
    );
    const callers = {
      anonymous: { name: "anonymous", cookies: {}, headers: {} },
      token: { name: "token", cookies: {}, headers: {} },
    } as Record<CallerName, Caller>;
    for (const s of sessions) callers[s.name] = s;

    const send = (caller: CallerName | Caller, req: ApiRequest) =>
      app.inject(injectOptions(typeof caller === "string" ? callers[caller] : caller, req));
    const ok = async (caller: CallerName, req: ApiRequest, status: number) => {
      const res = await send(caller, req);
      expectStatus(res, status, `${caller} ${req.method} ${req.url}`);
      return res.json<Record<string, unknown>>();
    };

    // Tokens: one for the `token` caller, one to be revoked by tests.
    const tok = await ok(
      "admin",
      { method: "POST", url: "/tokens", payload: { name: "ERP", scopes: [...TOKEN_SCOPES] } },
      201,
    );
    callers.token = {
      name: "token",
      cookies: {},
      headers: { authorization: `Bearer ${String(tok["token"])}` },
    };
    const spareTok = await ok(
      "admin",
      { method: "POST", url: "/tokens", payload: { name: "Old ERP", scopes: ["orders:read"] } },
      201,
    );
    const webhook = await ok(
      "admin",
      {
        method: "POST",
        url: "/webhook-endpoints",
        payload: { url: "http://127.0.0.1:9/refund-desk", events: ["*"] },
      },
      201,
    );

    // Orders and payments, pushed by the integration.
    const order = (id: string, clientId: string, o: Record<string, unknown> = {}) => ({
      id,
      clientId,
      service: { name: "External penetration test", category: "audit", billing: "one_off" },
      price: { amount: "4800.00", currency: "USD" },
      placedAt: "2026-02-02T10:00:00Z",
      promisedStartBy: "2026-02-09T10:00:00Z",
      promisedDeliveryBy: "2026-02-23T10:00:00Z",
      startedAt: null,
      deliveredAt: null,
      subscription: null,
      ...o,
    });
    const orderABody = order("ACME-1001", acme.id);
    await ok("token", { method: "POST", url: "/orders", payload: orderABody }, 201);
    await ok(
      "token",
      {
        method: "POST",
        url: "/orders",
        payload: order("ACME-1002", acme.id, {
          service: {
            name: "Cloud architecture review",
            category: "consulting",
            billing: "one_off",
          },
          price: { amount: "0.05000000", currency: "BTC" },
          placedAt: "2026-01-05T10:00:00Z",
          promisedStartBy: "2026-01-07T10:00:00Z",
          promisedDeliveryBy: "2026-01-20T10:00:00Z",
          startedAt: "2026-01-07T10:00:00Z",
          deliveredAt: "2026-01-19T16:00:00Z",
        }),
      },
      201,
    );
    await ok(
      "token",
      {
        method: "POST",
        url: "/orders",
        payload: order("ACME-1003", acme.id, {
          service: {
            name: "Perimeter monitoring",
            category: "monitoring",
            billing: "subscription",
          },
          price: { amount: "3100.00", currency: "USD" },
          placedAt: "2026-01-01T08:00:00Z",
          promisedStartBy: null,
          promisedDeliveryBy: null,
          startedAt: "2026-01-01T08:00:00Z",
          subscription: {
            periodStart: "2026-03-01T00:00:00Z",
            periodEnd: "2026-04-01T00:00:00Z",
            chargeRef: "SUB-1003/2026-03",
          },
        }),
      },
      201,
    );
    await ok(
      "admin",
      { method: "POST", url: "/orders", payload: order("GLOBEX-77", globex.id) },
      201,
    );

    const payment = (id: string, orderId: string, o: Record<string, unknown> = {}) => ({
      id,
      orderId,
      chargeRef: orderId,
      amount: { amount: "4800.00", currency: "USD" },
      method: "card",
      capturedAt: "2026-02-02T10:05:00Z",
      providerRef: `ch_${id}`,
      ...o,
    });
    const paymentABody = payment("PAY-A1", "ACME-1001");
    await ok("token", { method: "POST", url: "/payments", payload: paymentABody }, 201);
    await ok(
      "token",
      {
        method: "POST",
        url: "/payments",
        payload: payment("PAY-A2", "ACME-1002", {
          amount: { amount: "0.05000000", currency: "BTC" },
          method: "crypto",
          capturedAt: "2026-01-05T10:10:00Z",
          providerRef: "0xabc123",
        }),
      },
      201,
    );
    await ok(
      "token",
      {
        method: "POST",
        url: "/payments",
        payload: payment("PAY-A3", "ACME-1003", {
          chargeRef: "SUB-1003/2026-03",
          amount: { amount: "3100.00", currency: "USD" },
          capturedAt: "2026-03-01T00:05:00Z",
        }),
      },
      201,
    );
    await ok(
      "admin",
      { method: "POST", url: "/payments", payload: payment("PAY-B1", "GLOBEX-77") },
      201,
    );

    const eventA = await ok(
      "token",
      {
        method: "POST",
        url: "/orders/ACME-1001/events",
        payload: {
          kind: "client_blocker",
          from: "2026-02-09T10:00:00Z",
          to: "2026-02-11T10:00:00Z",
          note: "Waiting for VPN credentials from the client.",
        },
      },
      201,
    );
    const eventB = await ok(
      "admin",
      {
        method: "POST",
        url: "/orders/GLOBEX-77/events",
        payload: { kind: "external_incident", from: "2026-02-10T00:00:00Z", note: "Outage." },
      },
      201,
    );

    // Requests: A's in three states, B's submitted.
    const submit = (caller: CallerName, orderId: string, reason: string) =>
      ok(
        caller,
        {
          method: "POST",
          url: "/requests",
          payload: { orderId, reason, description: "Nothing was delivered as promised." },
        },
        201,
      );
    const requestA = await submit("clientA", "ACME-1001", "not_delivered");
    const requestA2 = await submit("clientA", "ACME-1002", "mismatch");
    const requestA3 = await submit("clientA", "ACME-1003", "unused_subscription");
    const requestB = await submit("clientB", "GLOBEX-77", "not_delivered");
    const r2 = String(requestA2["id"]);
    const inReview = await ok(
      "qa",
      {
        method: "POST",
        url: `/requests/${r2}/start-review`,
        payload: { expectedVersion: requestA2["version"] },
      },
      200,
    );
    await ok(
      "qa",
      {
        method: "POST",
        url: `/requests/${r2}/request-info`,
        payload: {
          expectedVersion: inReview["version"],
          question: "Which deliverables were missing?",
        },
      },
      200,
    );
    await ok(
      "clientA",
      { method: "POST", url: `/requests/${r2}/messages`, payload: { body: "See the report." } },
      201,
    );

    // An approved request of A and its scheduled payout (decided by qa, so finance and admin may
    // release it).
    const requestA4 = await submit("clientA", "ACME-1001", "other");
    const r4 = String(requestA4["id"]);
    const review4 = await ok(
      "qa",
      {
        method: "POST",
        url: `/requests/${r4}/start-review`,
        payload: { expectedVersion: requestA4["version"] },
      },
      200,
    );
    await ok(
      "qa",
      {
        method: "POST",
        url: `/requests/${r4}/approve`,
        payload: {
          expectedVersion: review4["version"],
          amount: { amount: "10.00", currency: "USD" },
          justification: "Goodwill for the late kick-off.",
        },
      },
      200,
    );
    const payoutA = await t.db.db
      .selectFrom("payouts")
      .select("id")
      .where("request_id", "=", r4)
      .executeTakeFirstOrThrow();

    const upload = async (caller: CallerName, requestId: string) => {
      const body = textUpload();
      const res = await send(caller, {
        method: "POST",
        url: `/requests/${requestId}/attachments`,
        payload: body.payload,
        headers: body.headers,
      });
      expectStatus(res, 201, "upload");
      const first = res.json<{ items: { id: string }[] }>().items[0];
      if (first === undefined) throw new Error("seed: no attachment");
      return first.id;
    };
    const simulation = await ok(
      "admin",
      {
        method: "POST",
        url: "/policy/simulations",
        payload: { policy: readFileSync(DEFAULT_POLICY_PATH, "utf8") },
      },
      202,
    );
    const attachmentA = await upload("clientA", String(requestA["id"]));
    const attachmentB = await upload("clientB", String(requestB["id"]));

    // A bulk import the token sent (an events file of one row; no worker runs it here).
    const imported = await send("token", {
      method: "POST",
      url: "/imports?kind=events",
      payload: "orderId,kind,from,to,note\nACME-1001,internal_fault,2026-02-03T00:00:00Z,,Disk\n",
      headers: { "content-type": "text/csv" },
    });
    expectStatus(imported, 202, "import");
    const importA = String(imported.json<{ id: string }>().id);

    // Two e-mails from an unknown sender, processed into triage (issue 19).
    const inboundMail = await seedTriageMail(t, "w1");
    const inboundMail2 = await seedTriageMail(t, "w2");
    // A dispute the provider reported on A's payment, already won (so it holds no money back).
    const disputeA = "dp_world_A3";
    await t.db.db
      .insertInto("disputes")
      .values({
        id: disputeA,
        provider: "stripe",
        payment_id: "PAY-A3",
        charge_ref: "ch_world_A3",
        amount_minor: "1000",
        currency: "USD",
        reason: "product_not_received",
        status: "won",
        due_by: "2026-03-10T23:59:59.000Z",
        funds_withdrawn_at: null,
        closed_at: "2026-03-01T00:00:00.000Z",
        evidence_json: null,
        evidence_submitted_at: null,
        submitted_by: null,
        reminded_5_at: null,
        reminded_2_at: null,
        created_at: "2026-02-20T00:00:00.000Z",
        updated_at: "2026-03-01T00:00:00.000Z",
      })
      .execute();

    const ids: WorldIds = {
      clientA: acme.id,
      clientB: globex.id,
      userA: userA.id,
      userB: userB.id,
      qa: qa.id,
      finance: finance.id,
      admin: admin.id,
      spareUserA: spareA.id,
      token: String(tok["id"]),
      spareToken: String(spareTok["id"]),
      webhookEndpoint: String(webhook["id"]),
      policyVersion: t.policy.version,
      policySimulation: String(simulation["id"]),
      orderA: "ACME-1001",
      orderA2: "ACME-1002",
      orderA3: "ACME-1003",
      orderB: "GLOBEX-77",
      paymentA: "PAY-A1",
      paymentA2: "PAY-A2",
      paymentA3: "PAY-A3",
      paymentB: "PAY-B1",
      eventA: String(eventA["id"]),
      eventB: String(eventB["id"]),
      requestA: String(requestA["id"]),
      requestA2: r2,
      requestA3: String(requestA3["id"]),
      requestB: String(requestB["id"]),
      requestA4: r4,
      payoutA: payoutA.id,
      attachmentA,
      attachmentB,
      importA,
      inboundMail,
      inboundMail2,
      disputeA,
    };
    return {
      t,
      app,
      callers,
      ids,
      bodies: { orderA: orderABody, paymentA: paymentABody },
      emails,
      send,
      close: async () => {
        await t.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** An e-mail from an unknown sender, stored and processed: it waits in triage. */
async function seedTriageMail(t: TestServer, tag: string): Promise<string> {
  const raw = Buffer.from(
    `From: Stranger <stranger-${tag}@nowhere.test>\r\nTo: support@desk.test\r\nSubject: Refund please\r\nMessage-ID: <${tag}@nowhere.test>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\n\r\nPlease refund our money.\r\n`,
  );
  const stored = await storeInboundMail(t.deps, raw, { via: "test" }, 1_000_000);
  const row = await findInboundMail(t.deps.db, stored.id);
  if (row === undefined) throw new Error("seed: no inbound mail");
  const done = await processClaimed(
    t.deps,
    {
      mailbox: null,
      tokenSecret: null,
      maxBytes: 1_000_000,
      attachments: DEFAULT_ATTACHMENT_LIMITS,
      resolver: noDns,
    },
    row,
  );
  if (done.status !== "triage") throw new Error(`seed: inbound mail ${done.status}`);
  return stored.id;
}

const noDns = (domain: string): Promise<string[]> =>
  Promise.reject(Object.assign(new Error(`no DNS for ${domain} in tests`), { code: "ENOTFOUND" }));
