// Sign-in, sessions, CSRF, throttling and API tokens through the HTTP API with the real
// authenticator, on SQLite (npm test) and PostgreSQL (CI).

import { createHash } from "node:crypto";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createApiToken,
  createAuthenticator,
  createClient,
  createUser,
  LOCK_MS,
  SESSION_TTL_MS,
} from "../../app/auth/index.js";
import { testServer, type TestServer } from "../../../test/support/http.js";
import { recordingLogger } from "../../../test/support/logger.js";
import { parseTrustProxy, type RoutePlugin } from "../server.js";
import { throttleEntityId } from "../../app/auth/throttle.js";
import { authRoutes } from "./auth.js";
import { userRoutes } from "./users.js";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

// Stand-ins for routes of other groups, so this suite depends only on the permission model.
const probeRoutes: RoutePlugin = (app) => {
  app.get("/probe/orders", { config: { permission: "order.read" } }, async (r) => ({
    actor: r.actor,
  }));
  app.post("/probe/orders", { config: { permission: "order.write" } }, async () => ({ ok: true }));
};

const ROUTES = [authRoutes, userRoutes, probeRoutes];
const PASSWORD = "correct horse battery";

interface Session {
  readonly cookie: string;
  readonly csrf: string;
  readonly response: LightMyRequestResponse;
}

async function server(opts: { secureCookies?: boolean } = {}): Promise<TestServer> {
  return testServer({ routes: ROUTES, authenticator: createAuthenticator, ...opts });
}

async function signIn(
  t: TestServer,
  email: string,
  password = PASSWORD,
  ip = "192.0.2.1",
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: "POST",
    url: "/api/v1/session",
    payload: { email, password },
    remoteAddress: ip,
  });
}

async function session(t: TestServer, email: string, ip?: string): Promise<Session> {
  const response = await signIn(t, email, PASSWORD, ip);
  expect(response.statusCode).toBe(200);
  const cookie = response.cookies.find((c) => c.name === "rd_session");
  if (cookie === undefined) throw new Error("no session cookie");
  return { cookie: cookie.value, csrf: response.json().csrfToken as string, response };
}

function withSession(s: Session, csrf: boolean | string = true) {
  return {
    cookies: { rd_session: s.cookie },
    headers: csrf === false ? {} : { "x-csrf-token": csrf === true ? s.csrf : csrf },
  };
}

async function seedUsers(t: TestServer) {
  const acme = await createClient(t.deps, "system", { name: "Acme" });
  const client = await createUser(t.deps, "system", {
    email: "Carla@Acme.test",
    name: "Carla Client",
    role: "client",
    clientId: acme.id,
    password: PASSWORD,
  });
  const admin = await createUser(t.deps, "system", {
    email: "ada@desk.test",
    name: "Ada Admin",
    role: "admin",
    password: PASSWORD,
  });
  const qa = await createUser(t.deps, "system", {
    email: "quinn@desk.test",
    name: "Quinn QA",
    role: "qa",
    password: PASSWORD,
  });
  return { acme, client, admin, qa };
}

describe("sessions", () => {
  let t: TestServer;
  let users: Awaited<ReturnType<typeof seedUsers>>;
  beforeAll(async () => {
    t = await server();
    users = await seedUsers(t);
  });
  afterAll(() => t.close());

  it("signs in with an HttpOnly SameSite cookie; the body's only secret is the CSRF token", async () => {
    const s = await session(t, "carla@acme.test");
    const cookie = s.response.cookies.find((c) => c.name === "rd_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
    expect(cookie?.secure).toBeFalsy();
    expect(cookie?.maxAge).toBe(SESSION_TTL_MS / 1000);
    expect(s.cookie).toMatch(/^[\w-]{43}$/);
    expect(s.response.headers["cache-control"]).toBe("no-store");

    const body = s.response.json();
    expect(body).toMatchObject({
      via: "session",
      role: "client",
      clientId: users.acme.id,
      user: { id: users.client.id, email: "carla@acme.test", disabled: false },
    });
    expect(body.csrfToken).toMatch(/^[\w-]{43}$/);
    expect(body.abilities).toContain("request.create");
    expect(body.abilities).not.toContain("request.decide");
    expect(s.response.body).not.toContain(s.cookie);
    expect(s.response.body).not.toMatch(/password|argon2/i);

    // Only the SHA-256 of the cookie is stored.
    const rows = await t.deps.db.selectFrom("sessions").selectAll().execute();
    expect(rows.map((r) => r.id)).toContain(sha256(s.cookie));
    expect(JSON.stringify(rows)).not.toContain(s.cookie);
  });

  it("answers GET /session with the user, role, CSRF token and abilities; 401 when signed out", async () => {
    const s = await session(t, "ada@desk.test");
    const r = await t.app.inject({
      method: "GET",
      url: "/api/v1/session",
      ...withSession(s, false),
    });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ role: "admin", clientId: null, csrfToken: s.csrf });
    expect(body.user.id).toBe(users.admin.id);
    expect(body.abilities).toContain("user.write");

    const anonymous = await t.app.inject({ method: "GET", url: "/api/v1/session" });
    expect(anonymous.statusCode).toBe(401);
    const forged = await t.app.inject({
      method: "GET",
      url: "/api/v1/session",
      cookies: { rd_session: "A".repeat(43) },
    });
    expect(forged.statusCode).toBe(401);
  });

  it("answers an unknown address and a wrong password with the same 401", async () => {
    const wrong = await signIn(t, "quinn@desk.test", "not the password", "192.0.2.50");
    const unknown = await signIn(t, "nobody@desk.test", PASSWORD, "192.0.2.51");
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().detail).toBe(unknown.json().detail);
    expect(wrong.json().code).toBe(unknown.json().code);
    expect(wrong.cookies).toHaveLength(0);
  });

  it("refuses a cookie-authenticated write without the X-CSRF-Token header", async () => {
    const s = await session(t, "ada@desk.test");
    const user = {
      email: "new.qa@desk.test",
      name: "New QA",
      role: "qa",
      password: "a long enough password",
    };
    for (const csrf of [false, "wrong"] as const) {
      const r = await t.app.inject({
        method: "POST",
        url: "/api/v1/users",
        payload: user,
        ...withSession(s, csrf),
      });
      expect(r.statusCode).toBe(403);
      expect(r.json().code).toBe("csrf_failed");
    }
    expect(
      await t.deps.db
        .selectFrom("users")
        .select("id")
        .where("email", "=", user.email)
        .executeTakeFirst(),
    ).toBeUndefined();
    const ok = await t.app.inject({
      method: "POST",
      url: "/api/v1/users",
      payload: user,
      ...withSession(s),
    });
    expect(ok.statusCode).toBe(201);
  });

  it("signs out: the row goes, the cookie is cleared and no longer works", async () => {
    const s = await session(t, "quinn@desk.test");
    const noCsrf = await t.app.inject({
      method: "DELETE",
      url: "/api/v1/session",
      ...withSession(s, false),
    });
    expect(noCsrf.statusCode).toBe(403);

    const out = await t.app.inject({ method: "DELETE", url: "/api/v1/session", ...withSession(s) });
    expect(out.statusCode).toBe(204);
    const cleared = out.cookies.find((c) => c.name === "rd_session");
    expect(cleared?.value).toBe("");
    expect(cleared?.expires?.getTime()).toBeLessThan(Date.now());
    expect(
      await t.deps.db
        .selectFrom("sessions")
        .select("id")
        .where("id", "=", sha256(s.cookie))
        .executeTakeFirst(),
    ).toBeUndefined();

    const after = await t.app.inject({
      method: "GET",
      url: `/api/v1/users/${users.qa.id}`,
      ...withSession(s, false),
    });
    expect(after.statusCode).toBe(401);
    const again = await t.app.inject({
      method: "DELETE",
      url: "/api/v1/session",
      ...withSession(s),
    });
    expect(again.statusCode).toBe(204);
  });

  it("ends the sessions of a disabled user and refuses their sign-in with the same 401", async () => {
    const victim = await createUser(t.deps, "system", {
      email: "fin@desk.test",
      name: "Fin",
      role: "finance",
      password: PASSWORD,
    });
    const theirs = await session(t, "fin@desk.test");
    const admin = await session(t, "ada@desk.test");
    const disable = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/users/${victim.id}`,
      payload: { disabled: true },
      ...withSession(admin),
    });
    expect(disable.statusCode).toBe(200);
    expect(disable.json().disabled).toBe(true);

    const me = await t.app.inject({
      method: "GET",
      url: "/api/v1/session",
      ...withSession(theirs, false),
    });
    expect(me.statusCode).toBe(401);
    // However the flag is set, a disabled user's session no longer authenticates.
    const other = await session(t, "quinn@desk.test", "192.0.2.62");
    await t.deps.db
      .updateTable("users")
      .set({ disabled: 1 })
      .where("id", "=", users.qa.id)
      .execute();
    const stale = await t.app.inject({
      method: "GET",
      url: "/api/v1/session",
      ...withSession(other, false),
    });
    await t.deps.db
      .updateTable("users")
      .set({ disabled: 0 })
      .where("id", "=", users.qa.id)
      .execute();
    expect(stale.statusCode).toBe(401);

    const again = await signIn(t, "fin@desk.test", PASSWORD, "192.0.2.60");
    expect(again.statusCode).toBe(401);
    const wrong = await signIn(t, "nobody-else@desk.test", PASSWORD, "192.0.2.61");
    expect(again.json().detail).toBe(wrong.json().detail);
  });

  it("a password change keeps the current session and ends the others", async () => {
    const a = await session(t, "carla@acme.test", "192.0.2.70");
    const b = await session(t, "carla@acme.test", "192.0.2.71");
    const r = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/users/${users.client.id}`,
      payload: { currentPassword: PASSWORD, password: "an even better passphrase" },
      ...withSession(a),
    });
    expect(r.statusCode).toBe(200);
    const me = (s: Session) =>
      t.app.inject({ method: "GET", url: "/api/v1/session", ...withSession(s, false) });
    expect((await me(a)).statusCode).toBe(200);
    expect((await me(b)).statusCode).toBe(401);
    expect((await signIn(t, "carla@acme.test", PASSWORD, "192.0.2.72")).statusCode).toBe(401);
    expect(
      (await signIn(t, "carla@acme.test", "an even better passphrase", "192.0.2.73")).statusCode,
    ).toBe(200);
  });

  it("expires a session after its lifetime", async () => {
    const s = await session(t, "quinn@desk.test", "192.0.2.80");
    const me = () =>
      t.app.inject({ method: "GET", url: "/api/v1/session", ...withSession(s, false) });
    const start = t.deps.clock();
    t.setNow(start + SESSION_TTL_MS - 1000);
    expect((await me()).statusCode).toBe(200);
    t.setNow(start + SESSION_TTL_MS);
    expect((await me()).statusCode).toBe(401);
  });

  it("audits sign-in, sign-out and account changes without passwords or tokens", async () => {
    const rows = await t.deps.db.selectFrom("audit_events").selectAll().execute();
    const actions = new Set(rows.map((r) => r.action));
    for (const a of ["user.created", "user.updated", "session.signed_in", "session.signed_out"]) {
      expect(actions).toContain(a);
    }
    const text = JSON.stringify(rows);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toMatch(/argon2|better passphrase/);
  });
});

describe("TRUST_PROXY: the caller's address behind a reverse proxy", () => {
  const PROXY = "10.0.0.1";
  const viaProxy = (
    t: TestServer,
    email: string,
    password: string,
    forwardedFor: string,
    remoteAddress = PROXY,
  ) =>
    t.app.inject({
      method: "POST",
      url: "/api/v1/session",
      payload: { email, password },
      remoteAddress,
      headers: { "x-forwarded-for": forwardedFor },
    });
  const pairKeys = async (t: TestServer) =>
    (await t.deps.db.selectFrom("login_throttle").select("key").execute())
      .map((r) => r.key)
      .filter((k) => k.startsWith("pair:"))
      .sort();

  it("off (the default): X-Forwarded-For is not believed; the proxy's address is the caller's", async () => {
    const t = await testServer({
      routes: ROUTES,
      authenticator: createAuthenticator,
      trustProxy: parseTrustProxy(undefined),
    });
    try {
      await seedUsers(t);
      for (let i = 1; i <= 5; i++) {
        const r = await viaProxy(t, "quinn@desk.test", "wrong", `198.51.100.${i}`);
        expect(r.statusCode).toBe(401);
      }
      // Whatever the header claims, the five failures came from one address: locked.
      const locked = await viaProxy(t, "quinn@desk.test", PASSWORD, "198.51.100.6");
      expect(locked.statusCode).toBe(429);
      expect(locked.headers["retry-after"]).toBe(String(LOCK_MS / 1000));
      expect(await pairKeys(t)).toEqual([`pair:quinn@desk.test|${PROXY}`]);
    } finally {
      await t.close();
    }
  });

  it("set to the proxy: each caller behind it has their own count, and a spoofed header from elsewhere is ignored", async () => {
    const t = await testServer({
      routes: ROUTES,
      authenticator: createAuthenticator,
      trustProxy: parseTrustProxy(PROXY),
    });
    try {
      await seedUsers(t);
      for (let i = 1; i <= 5; i++) {
        expect((await viaProxy(t, "quinn@desk.test", "wrong", "198.51.100.7")).statusCode).toBe(
          401,
        );
      }
      expect((await viaProxy(t, "quinn@desk.test", PASSWORD, "198.51.100.7")).statusCode).toBe(429);
      // The same account from another person's address behind the proxy, and a colleague at the
      // locked address, sign in.
      expect((await viaProxy(t, "quinn@desk.test", PASSWORD, "198.51.100.8")).statusCode).toBe(200);
      expect((await viaProxy(t, "ada@desk.test", PASSWORD, "198.51.100.7")).statusCode).toBe(200);
      expect(await pairKeys(t)).toEqual(["pair:quinn@desk.test|198.51.100.7"]);

      // Straight to the server, not through the proxy: the header is not believed, so rotating
      // it does not escape the count, and it locks nobody it names.
      const direct = "203.0.113.9";
      for (let i = 1; i <= 5; i++) {
        const r = await viaProxy(t, "carla@acme.test", "wrong", `198.51.100.${20 + i}`, direct);
        expect(r.statusCode).toBe(401);
      }
      expect(
        (await viaProxy(t, "carla@acme.test", PASSWORD, "198.51.100.30", direct)).statusCode,
      ).toBe(429);
      expect((await viaProxy(t, "carla@acme.test", PASSWORD, "198.51.100.21")).statusCode).toBe(
        200,
      );
      expect(await pairKeys(t)).toEqual([
        `pair:carla@acme.test|${direct}`,
        "pair:quinn@desk.test|198.51.100.7",
      ]);
      // The audit trail records the caller's address, not the proxy's.
      // (Chain 2, ADR 0028: the key and the address are kept in the entry's erasable personal part.)
      const locks = await t.deps.db
        .selectFrom("audit_events")
        .select(["entity_id", "personal"])
        .where("action", "=", "session.sign_in_locked")
        .execute();
      expect(
        locks.map((l) => {
          const { key, ip } = JSON.parse(l.personal ?? "{}") as { key?: string; ip?: string };
          return { entity_id: l.entity_id, key, ip };
        }),
      ).toContainEqual({
        entity_id: throttleEntityId("pair:quinn@desk.test|198.51.100.7"),
        key: "pair:quinn@desk.test|198.51.100.7",
        ip: "198.51.100.7",
      });
    } finally {
      await t.close();
    }
  });

  it("a hop count believes that many proxies: the address the last trusted one saw", async () => {
    const t = await testServer({
      routes: ROUTES,
      authenticator: createAuthenticator,
      trustProxy: parseTrustProxy("1"),
    });
    try {
      await seedUsers(t);
      // The client wrote its own X-Forwarded-For (192.0.2.66); our one proxy appended the address
      // it saw. Only that one counts.
      const r = await viaProxy(
        t,
        "quinn@desk.test",
        "wrong",
        "192.0.2.66, 198.51.100.9",
        "10.0.0.5",
      );
      expect(r.statusCode).toBe(401);
      expect(await pairKeys(t)).toEqual(["pair:quinn@desk.test|198.51.100.9"]);
    } finally {
      await t.close();
    }
  });
});

describe("sign-in throttling", () => {
  let t: TestServer;
  const start = Date.parse("2026-03-02T09:00:00Z");
  beforeAll(async () => {
    t = await server();
    await seedUsers(t);
  });
  afterAll(() => t.close());

  it("locks an account at one address after 5 failures, not its colleagues behind that address", async () => {
    t.setNow(start);
    for (let i = 1; i <= 5; i++) {
      const r = await signIn(t, "quinn@desk.test", `wrong guess ${i}`, "198.51.100.1");
      expect(r.statusCode).toBe(401);
    }
    const locked = await signIn(t, "Quinn@Desk.test", PASSWORD, "198.51.100.1");
    expect(locked.statusCode).toBe(429);
    expect(locked.headers["retry-after"]).toBe(String(LOCK_MS / 1000));
    expect(locked.json().code).toBe("too_many_requests");
    expect(locked.json().detail).toMatch(/^Too many failed sign-in attempts; try again in 900 s/);
    expect(locked.cookies).toHaveLength(0);
    // Another person behind the same office NAT signs in; so does Quinn from elsewhere.
    expect((await signIn(t, "ada@desk.test", PASSWORD, "198.51.100.1")).statusCode).toBe(200);
    expect((await signIn(t, "quinn@desk.test", PASSWORD, "198.51.100.2")).statusCode).toBe(200);

    t.setNow(start + LOCK_MS - 1000);
    const still = await signIn(t, "quinn@desk.test", PASSWORD, "198.51.100.1");
    expect(still.statusCode).toBe(429);
    expect(still.headers["retry-after"]).toBe("1");

    t.setNow(start + LOCK_MS);
    expect((await signIn(t, "quinn@desk.test", PASSWORD, "198.51.100.1")).statusCode).toBe(200);
    // The success cleared the count: one new failure is not a lock.
    expect((await signIn(t, "quinn@desk.test", "again wrong", "198.51.100.1")).statusCode).toBe(
      401,
    );
    expect((await signIn(t, "quinn@desk.test", PASSWORD, "198.51.100.1")).statusCode).toBe(200);
  });

  it("backs an account off after 10 failures from anywhere: 1 minute, then doubling", async () => {
    const t0 = start + 2 * LOCK_MS;
    t.setNow(t0);
    for (let i = 1; i <= 10; i++) {
      const r = await signIn(t, "carla@acme.test", "wrong", `198.51.100.${100 + i}`);
      expect(r.statusCode).toBe(401);
    }
    const locked = await signIn(t, "carla@acme.test", PASSWORD, "198.51.100.200");
    expect(locked.statusCode).toBe(429);
    expect(locked.headers["retry-after"]).toBe("60");
    t.setNow(t0 + 60_000);
    expect((await signIn(t, "carla@acme.test", "wrong", "198.51.100.201")).statusCode).toBe(401);
    const longer = await signIn(t, "carla@acme.test", PASSWORD, "198.51.100.202");
    expect(longer.statusCode).toBe(429);
    expect(longer.headers["retry-after"]).toBe("120");
    t.setNow(t0 + 180_000);
    expect((await signIn(t, "carla@acme.test", PASSWORD, "198.51.100.203")).statusCode).toBe(200);
  });

  it("locks an address after 100 failures whatever the accounts, and only that address", async () => {
    t.setNow(start + 4 * LOCK_MS);
    await t.deps.db
      .insertInto("login_throttle")
      .values({
        key: "ip:203.0.113.5",
        failures: 99,
        window_started_at: new Date(start + 4 * LOCK_MS - 1000).toISOString(),
        locked_until: null,
      })
      .execute();
    expect((await signIn(t, "guess@desk.test", "whatever", "203.0.113.5")).statusCode).toBe(401);
    expect((await signIn(t, "ada@desk.test", PASSWORD, "203.0.113.5")).statusCode).toBe(429);
    expect((await signIn(t, "ada@desk.test", PASSWORD, "203.0.113.6")).statusCode).toBe(200);
  });

  it("forgets failures older than the window", async () => {
    const t0 = start + 6 * LOCK_MS;
    for (let i = 0; i < 4; i++) {
      t.setNow(t0 + i * 1000);
      expect((await signIn(t, "ada@desk.test", "nope", "203.0.113.20")).statusCode).toBe(401);
    }
    t.setNow(t0 + LOCK_MS + 1);
    expect((await signIn(t, "ada@desk.test", "nope", "203.0.113.20")).statusCode).toBe(401);
    expect((await signIn(t, "ada@desk.test", PASSWORD, "203.0.113.20")).statusCode).toBe(200);
  });

  it("counts concurrent failures each (no lost updates)", async () => {
    t.setNow(start + 8 * LOCK_MS);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => signIn(t, "carla@acme.test", "bad", "203.0.113.40")),
    );
    expect(results.map((r) => r.statusCode)).toEqual([401, 401, 401, 401, 401]);
    const row = await t.deps.db
      .selectFrom("login_throttle")
      .selectAll()
      .where("key", "=", "pair:carla@acme.test|203.0.113.40")
      .executeTakeFirstOrThrow();
    expect(Number(row.failures)).toBe(5);
    expect(row.locked_until).not.toBeNull();
    expect((await signIn(t, "carla@acme.test", PASSWORD, "203.0.113.40")).statusCode).toBe(429);
  });
});

describe("API tokens", () => {
  let t: TestServer;
  let admin: Session;
  beforeAll(async () => {
    t = await server();
    await seedUsers(t);
    admin = await session(t, "ada@desk.test");
  });
  afterAll(() => t.close());

  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  it("issues a token once, stores only its hash, and lists tokens without secrets", async () => {
    const r = await t.app.inject({
      method: "POST",
      url: "/api/v1/tokens",
      payload: { name: "billing system", scopes: ["payments:write", "orders:read"] },
      ...withSession(admin),
    });
    expect(r.statusCode).toBe(201);
    const created = r.json();
    expect(created.token).toMatch(/^rdt_[\w-]{43}$/);
    expect(created).toMatchObject({
      name: "billing system",
      scopes: ["orders:read", "payments:write"],
      revokedAt: null,
    });
    const row = await t.deps.db
      .selectFrom("api_tokens")
      .selectAll()
      .where("id", "=", created.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(sha256(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token);

    const list = await t.app.inject({
      method: "GET",
      url: "/api/v1/tokens",
      ...withSession(admin),
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((i: { id: string }) => i.id)).toContain(created.id);
    expect(list.body).not.toContain(created.token);
    expect(list.body).not.toContain(row.token_hash);

    const audit = await t.deps.db.selectFrom("audit_events").selectAll().execute();
    expect(audit.map((a) => a.action)).toContain("token.created");
    expect(JSON.stringify(audit)).not.toContain(created.token);
  });

  it("refuses unknown scopes and fields, and an Idempotency-Key (the answer holds a secret)", async () => {
    for (const payload of [
      { name: "x", scopes: ["orders:delete"] },
      { name: "x", scopes: [] },
      { name: "x", scopes: ["orders:read"], tokenHash: "0".repeat(64) },
    ]) {
      const r = await t.app.inject({
        method: "POST",
        url: "/api/v1/tokens",
        payload,
        ...withSession(admin),
      });
      expect(r.statusCode).toBe(400);
    }
    const keyed = await t.app.inject({
      method: "POST",
      url: "/api/v1/tokens",
      payload: { name: "x", scopes: ["orders:read"] },
      cookies: { rd_session: admin.cookie },
      headers: { "x-csrf-token": admin.csrf, "idempotency-key": "k-1" },
    });
    expect(keyed.statusCode).toBe(400);
  });

  it("authenticates a bearer token by its scopes, without CSRF; 403 outside them", async () => {
    const { token, apiToken } = await createApiToken(t.deps, "system", {
      name: "crm",
      scopes: ["orders:read"],
    });
    const read = await t.app.inject({
      method: "GET",
      url: "/api/v1/probe/orders",
      ...bearer(token),
    });
    expect(read.statusCode).toBe(200);
    expect(read.json().actor).toEqual({
      role: "api_token",
      tokenId: apiToken.id,
      scopes: ["orders:read"],
    });
    const write = await t.app.inject({
      method: "POST",
      url: "/api/v1/probe/orders",
      payload: {},
      ...bearer(token),
    });
    expect(write.statusCode).toBe(403);
    const users = await t.app.inject({ method: "GET", url: "/api/v1/users", ...bearer(token) });
    expect(users.statusCode).toBe(403);

    const writer = await createApiToken(t.deps, "system", {
      name: "erp",
      scopes: ["orders:write"],
    });
    const posted = await t.app.inject({
      method: "POST",
      url: "/api/v1/probe/orders",
      payload: {},
      ...bearer(writer.token),
    });
    expect(posted.statusCode).toBe(200);

    const used = await t.deps.db
      .selectFrom("api_tokens")
      .select("last_used_at")
      .where("id", "=", apiToken.id)
      .executeTakeFirstOrThrow();
    expect(used.last_used_at).not.toBeNull();
  });

  it("answers 401 to a revoked, unknown or malformed token, even with a valid cookie", async () => {
    const { token, apiToken } = await createApiToken(t.deps, "system", {
      name: "old",
      scopes: ["orders:read"],
    });
    const revoke = await t.app.inject({
      method: "DELETE",
      url: `/api/v1/tokens/${apiToken.id}`,
      ...withSession(admin),
    });
    expect(revoke.statusCode).toBe(204);
    for (const candidate of [token, `rdt_${"x".repeat(43)}`, "rdt_short", "not-a-token"]) {
      const r = await t.app.inject({
        method: "GET",
        url: "/api/v1/probe/orders",
        ...bearer(candidate),
      });
      expect(r.statusCode).toBe(401);
    }
    const both = await t.app.inject({
      method: "GET",
      url: "/api/v1/session",
      cookies: { rd_session: admin.cookie },
      headers: { authorization: `Bearer ${token}` },
    });
    expect(both.statusCode).toBe(401);

    const listed = await t.app.inject({
      method: "GET",
      url: "/api/v1/tokens",
      ...withSession(admin),
    });
    const item = listed.json().items.find((i: { id: string }) => i.id === apiToken.id);
    expect(item.revokedAt).not.toBeNull();
    const twice = await t.app.inject({
      method: "DELETE",
      url: `/api/v1/tokens/${apiToken.id}`,
      ...withSession(admin),
    });
    expect(twice.statusCode).toBe(204);
    const missing = await t.app.inject({
      method: "DELETE",
      url: "/api/v1/tokens/tok_missing",
      ...withSession(admin),
    });
    expect(missing.statusCode).toBe(404);
    const audit = await t.deps.db
      .selectFrom("audit_events")
      .select("action")
      .where("entity_id", "=", apiToken.id)
      .execute();
    expect(audit.map((a) => a.action)).toEqual(["token.created", "token.revoked"]);
  });

  it("lets only admins manage tokens", async () => {
    const qa = await session(t, "quinn@desk.test", "192.0.2.90");
    const r = await t.app.inject({
      method: "POST",
      url: "/api/v1/tokens",
      payload: { name: "mine", scopes: ["orders:read"] },
      ...withSession(qa),
    });
    expect(r.statusCode).toBe(403);
    const list = await t.app.inject({ method: "GET", url: "/api/v1/tokens", ...withSession(qa) });
    expect(list.statusCode).toBe(403);
    const anon = await t.app.inject({ method: "GET", url: "/api/v1/tokens" });
    expect(anon.statusCode).toBe(401);
  });

  it("tells a token caller its abilities on GET /session", async () => {
    const { token } = await createApiToken(t.deps, "system", {
      name: "feed",
      scopes: ["events:write", "events:read"],
    });
    const r = await t.app.inject({ method: "GET", url: "/api/v1/session", ...bearer(token) });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      via: "token",
      user: null,
      role: "api_token",
      csrfToken: null,
      abilities: ["event.read", "event.write"],
    });
  });
});

describe("what the authenticator handles without failing the call, it logs", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await server();
    await seedUsers(t);
  });
  afterAll(() => t.close());
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  it("a token's last use that cannot be written: the call goes on, the failure is logged", async () => {
    const { token, apiToken } = await createApiToken(t.deps, "system", {
      name: "busy",
      scopes: ["orders:read"],
    });
    // The same database, except that every UPDATE fails (as a full disk or a lock timeout would).
    const db = new Proxy(t.deps.db, {
      get(target, key) {
        if (key === "updateTable") {
          return () => {
            throw new Error("disk I/O error");
          };
        }
        const value: unknown = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const logs = recordingLogger();
    const authenticate = createAuthenticator({ ...t.deps, db, logger: logs });
    const who = await authenticate({
      sessionToken: undefined,
      bearerToken: token,
      headers: {},
      now: Date.parse("2026-03-02T09:00:00Z"),
    });
    expect(who.actor).toEqual({ role: "api_token", tokenId: apiToken.id, scopes: ["orders:read"] });
    expect(logs.entries).toEqual([
      {
        level: "warn",
        context: {
          err: expect.objectContaining({ message: "disk I/O error" }),
          tokenId: apiToken.id,
        },
        message: expect.stringMatching(/last use/),
      },
    ]);
  });

  it("a token whose stored scopes are not a JSON array has none, and that is logged", async () => {
    const { token, apiToken } = await createApiToken(t.deps, "system", {
      name: "mangled",
      scopes: ["orders:read"],
    });
    await t.deps.db
      .updateTable("api_tokens")
      .set({ scopes: "orders:read" })
      .where("id", "=", apiToken.id)
      .execute();
    const before = t.logs.length;
    const r = await t.app.inject({ method: "GET", url: "/api/v1/probe/orders", ...bearer(token) });
    expect(r.statusCode).toBe(403);
    expect(t.logs.slice(before)).toEqual([
      expect.objectContaining({
        level: "error",
        context: expect.objectContaining({ tokenId: apiToken.id }),
      }),
    ]);
  });

  it("a malformed stored password hash never matches, and is logged with the user id", async () => {
    const user = await createUser(t.deps, "system", {
      email: "broken@desk.test",
      name: "Broken Hash",
      role: "qa",
      password: PASSWORD,
    });
    await t.deps.db
      .updateTable("users")
      .set({ password_hash: "not-a-phc-string" })
      .where("id", "=", user.id)
      .execute();
    const before = t.logs.length;
    expect((await signIn(t, "broken@desk.test", PASSWORD, "192.0.2.77")).statusCode).toBe(401);
    expect(t.logs.slice(before)).toEqual([
      expect.objectContaining({
        level: "error",
        context: expect.objectContaining({ userId: user.id }),
        message: expect.stringMatching(/malformed/),
      }),
    ]);
    // A well-formed hash logs nothing, right password or wrong.
    const fine = t.logs.length;
    expect((await signIn(t, "ada@desk.test", "wrong password!", "192.0.2.78")).statusCode).toBe(
      401,
    );
    expect((await signIn(t, "ada@desk.test", PASSWORD, "192.0.2.78")).statusCode).toBe(200);
    expect(t.logs.length).toBe(fine);
  });
});

describe("behind TLS", () => {
  it("marks the cookie Secure when the server runs behind TLS", async () => {
    const secure = await server({ secureCookies: true });
    try {
      await createUser(secure.deps, "system", {
        email: "sec@desk.test",
        name: "Sec",
        role: "qa",
        password: PASSWORD,
      });
      const r = await signIn(secure, "sec@desk.test");
      expect(r.statusCode).toBe(200);
      expect(r.cookies.find((c) => c.name === "rd_session")?.secure).toBe(true);
    } finally {
      await secure.close();
    }
  });
});
