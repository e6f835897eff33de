// /users through the HTTP API: who reads whom, what admins and users may change, strict bodies.
// Callers are chosen with the x-test-actor header; sign-in itself is tested in auth.int.test.ts.

import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, createUser, signIn, type UserView } from "../../app/auth/index.js";
import { apiCalls } from "../../../test/support/api-world.js";
import { testServer, type TestServer } from "../../../test/support/http.js";
import { authRoutes } from "./auth.js";
import { userRoutes } from "./users.js";

const PASSWORD = "correct horse battery";

describe("/users", () => {
  let t: TestServer;
  let clientA: string;
  let clientB: string;
  let a: UserView; // a client user of clientA
  let b: UserView; // a client user of clientB
  let qa: UserView;
  let finance: UserView;
  let admin: UserView;
  const responses: LightMyRequestResponse[] = [];

  const as = {
    a: () => `client:${clientA}:${a.id}`,
    b: () => `client:${clientB}:${b.id}`,
    qa: () => `qa:${qa.id}`,
    finance: () => `finance:${finance.id}`,
    admin: () => `admin:${admin.id}`,
    token: () => "token:tok_1:orders:read,orders:write",
  };

  async function call(
    actor: string | null,
    method: "GET" | "POST" | "PATCH",
    url: string,
    payload?: object,
  ): Promise<LightMyRequestResponse> {
    const r = await apiCalls(t).send(method, url, actor, payload);
    responses.push(r);
    return r;
  }

  const count = async () =>
    Number(
      (
        await t.deps.db
          .selectFrom("users")
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    t = await testServer({ routes: [authRoutes, userRoutes] });
    clientA = (await createClient(t.deps, "system", { name: "Acme" })).id;
    clientB = (await createClient(t.deps, "system", { name: "Bolt" })).id;
    const user = (email: string, role: UserView["role"], clientId: string | null = null) =>
      createUser(t.deps, "system", { email, name: email, role, clientId, password: PASSWORD });
    a = await user("a@acme.test", "client", clientA);
    b = await user("b@bolt.test", "client", clientB);
    qa = await user("qa@desk.test", "qa");
    finance = await user("finance@desk.test", "finance");
    admin = await user("admin@desk.test", "admin");
  });
  afterAll(() => t.close());

  it("GET /users/:id: self and staff read; another client's user answers like a missing id", async () => {
    expect((await call(as.a(), "GET", `/users/${a.id}`)).json()).toMatchObject({
      id: a.id,
      email: "a@acme.test",
      role: "client",
      clientId: clientA,
      disabled: false,
    });
    for (const staff of [as.qa(), as.finance(), as.admin()]) {
      expect((await call(staff, "GET", `/users/${b.id}`)).statusCode).toBe(200);
    }
    const other = await call(as.a(), "GET", `/users/${b.id}`);
    const staffUser = await call(as.a(), "GET", `/users/${admin.id}`);
    const missing = await call(as.a(), "GET", "/users/usr_missing");
    expect(other.statusCode).toBe(404);
    expect(staffUser.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    expect(other.json().detail).toBe(missing.json().detail);
    expect((await call(as.admin(), "GET", "/users/usr_missing")).statusCode).toBe(404);
    expect((await call(null, "GET", `/users/${a.id}`)).statusCode).toBe(401);
    expect((await call(as.token(), "GET", `/users/${a.id}`)).statusCode).toBe(403);
  });

  it("GET /users: staff only (QA reads the names on its requests), in pages that list everyone once", async () => {
    for (const who of [as.a(), as.token()]) {
      expect((await call(who, "GET", "/users")).statusCode).toBe(403);
    }
    for (const who of [as.qa(), as.finance()]) {
      expect((await call(who, "GET", "/users")).statusCode).toBe(200);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: LightMyRequestResponse = await call(
        as.admin(),
        "GET",
        `/users?limit=2${cursor === null ? "" : `&cursor=${cursor}`}`,
      );
      expect(r.statusCode).toBe(200);
      const body = r.json() as { items: UserView[]; nextCursor: string | null };
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((u) => u.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 20);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(await count());
    expect(pages).toBe(Math.ceil(seen.length / 2));

    const clients = await call(as.admin(), "GET", `/users?role=client&clientId=${clientB}`);
    expect(clients.json().items.map((u: UserView) => u.id)).toEqual([b.id]);
    for (const bad of ["limit=0", "limit=101", "limit=abc", "cursor=nope!", "cursor=WzFd", "x=1"]) {
      expect((await call(as.admin(), "GET", `/users?${bad}`)).statusCode).toBe(400);
    }
  });

  it("POST /users: admins create accounts; e-mail lower-cased and unique", async () => {
    const before = await count();
    const r = await call(as.admin(), "POST", "/users", {
      email: "  New.Reviewer@Desk.TEST ",
      name: "New Reviewer",
      role: "qa",
      password: "a long enough password",
    });
    expect(r.statusCode).toBe(201);
    expect(r.headers.location).toBe(`/api/v1/users/${r.json().id}`);
    expect(r.json()).toMatchObject({ email: "new.reviewer@desk.test", role: "qa", clientId: null });
    const dup = await call(as.admin(), "POST", "/users", {
      email: "NEW.reviewer@desk.test",
      name: "Again",
      role: "finance",
      password: "a long enough password",
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().errors[0].path).toBe("body.email");
    expect(await count()).toBe(before + 1);

    const stored = await t.deps.db
      .selectFrom("users")
      .select("password_hash")
      .where("id", "=", r.json().id)
      .executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);
  });

  it("POST /users: two concurrent creations with one address give one 201 and one 409", async () => {
    const body = (name: string) => ({
      email: "race@desk.test",
      name,
      role: "qa",
      password: "a long enough password",
    });
    const results = await Promise.all([
      call(as.admin(), "POST", "/users", body("one")),
      call(as.admin(), "POST", "/users", body("two")),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
  });

  it("POST /users: refuses bad roles, clients and passwords, and non-admins", async () => {
    const before = await count();
    const base = { email: "x@desk.test", name: "X", password: "a long enough password" };
    const cases: [object, string][] = [
      [{ ...base, role: "client" }, "body.clientId"],
      [{ ...base, role: "client", clientId: "cl_missing" }, "body.clientId"],
      [{ ...base, role: "qa", clientId: clientA }, "body.clientId"],
      [{ ...base, role: "superuser" }, "body.role"],
      [{ ...base, role: "qa", password: "short" }, "body.password"],
      [{ ...base, role: "qa", email: "not-an-address" }, "body.email"],
      [{ ...base, role: "qa", name: "   " }, "body.name"],
    ];
    for (const [payload, path] of cases) {
      const r = await call(as.admin(), "POST", "/users", payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().errors[0].path).toBe(path);
    }
    for (const who of [as.a(), as.qa(), as.finance(), as.token()]) {
      expect((await call(who, "POST", "/users", { ...base, role: "qa" })).statusCode).toBe(403);
    }
    expect(await count()).toBe(before);
  });

  it("refuses mass assignment: unknown fields answer 400 and change nothing", async () => {
    const before = await count();
    const base = {
      email: "mass@desk.test",
      name: "Mass",
      role: "qa",
      password: "a long enough password",
    };
    for (const extra of [
      { isAdmin: true },
      { passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA" },
      { password_hash: "x" },
      { disabled: false },
      { id: "usr_chosen" },
    ]) {
      const r = await call(as.admin(), "POST", "/users", { ...base, ...extra });
      expect(r.statusCode).toBe(400);
      expect(r.json().errors[0].message).toBe("unknown field");
    }
    expect(await count()).toBe(before);

    for (const extra of [{ isAdmin: true }, { passwordHash: "x" }, { email: "new@desk.test" }]) {
      const r = await call(as.admin(), "PATCH", `/users/${qa.id}`, { name: "Q", ...extra });
      expect(r.statusCode).toBe(400);
    }
    expect((await call(as.admin(), "PATCH", `/users/${qa.id}`, {})).statusCode).toBe(400);
    const unchanged = await call(as.admin(), "GET", `/users/${qa.id}`);
    expect(unchanged.json()).toMatchObject({ name: "qa@desk.test", email: "qa@desk.test" });
  });

  it("PATCH: admins change name, role and client; others may not, even on themselves", async () => {
    const target = await createUser(t.deps, "system", {
      email: "mover@desk.test",
      name: "Mover",
      role: "qa",
      password: PASSWORD,
    });
    const renamed = await call(as.admin(), "PATCH", `/users/${target.id}`, {
      name: "Mover Finance",
      role: "finance",
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({
      name: "Mover Finance",
      role: "finance",
      clientId: null,
    });
    const toClient = await call(as.admin(), "PATCH", `/users/${target.id}`, { role: "client" });
    expect(toClient.statusCode).toBe(400);
    expect(toClient.json().errors[0].path).toBe("body.clientId");
    const withClient = await call(as.admin(), "PATCH", `/users/${target.id}`, {
      role: "client",
      clientId: clientB,
    });
    expect(withClient.json()).toMatchObject({ role: "client", clientId: clientB });
    const backToStaff = await call(as.admin(), "PATCH", `/users/${target.id}`, { role: "qa" });
    expect(backToStaff.json()).toMatchObject({ role: "qa", clientId: null });

    // A client raising itself, moving itself to another client, or touching another user.
    expect((await call(as.a(), "PATCH", `/users/${a.id}`, { role: "admin" })).statusCode).toBe(403);
    expect((await call(as.a(), "PATCH", `/users/${a.id}`, { clientId: clientB })).statusCode).toBe(
      403,
    );
    expect((await call(as.a(), "PATCH", `/users/${b.id}`, { name: "x" })).statusCode).toBe(404);
    expect(
      (await call(as.a(), "PATCH", `/users/${b.id}`, { password: "a long enough password" }))
        .statusCode,
    ).toBe(404);
    expect((await call(as.qa(), "PATCH", `/users/${finance.id}`, { name: "x" })).statusCode).toBe(
      403,
    );
    expect(
      (await call(as.qa(), "PATCH", `/users/${finance.id}`, { password: "a long enough password" }))
        .statusCode,
    ).toBe(403);
    expect((await call(as.token(), "PATCH", `/users/${a.id}`, { name: "x" })).statusCode).toBe(403);
    const self = await call(as.a(), "GET", `/users/${a.id}`);
    expect(self.json()).toMatchObject({ role: "client", clientId: clientA, name: "a@acme.test" });
  });

  it("PATCH: one's own password needs the current one; an admin may reset another's", async () => {
    const user = await createUser(t.deps, "system", {
      email: "pw@acme.test",
      name: "Pw",
      role: "client",
      clientId: clientA,
      password: PASSWORD,
    });
    const me = `client:${clientA}:${user.id}`;
    const missing = await call(me, "PATCH", `/users/${user.id}`, {
      password: "brand new password",
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors[0].path).toBe("body.currentPassword");
    const wrong = await call(me, "PATCH", `/users/${user.id}`, {
      password: "brand new password",
      currentPassword: "not my password",
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().errors[0].path).toBe("body.currentPassword");
    const short = await call(me, "PATCH", `/users/${user.id}`, {
      password: "short",
      currentPassword: PASSWORD,
    });
    expect(short.statusCode).toBe(400);
    expect(short.json().errors[0].path).toBe("body.password");
    const ok = await call(me, "PATCH", `/users/${user.id}`, {
      password: "brand new password",
      currentPassword: PASSWORD,
    });
    expect(ok.statusCode).toBe(200);

    const ctx = { actor: { role: "anonymous" } as const, ip: "192.0.2.200" };
    await expect(
      signIn(t.deps, ctx, { email: "pw@acme.test", password: "brand new password" }),
    ).resolves.toMatchObject({ session: { user: { id: user.id } } });

    const reset = await call(as.admin(), "PATCH", `/users/${user.id}`, {
      password: "reset by the admin",
    });
    expect(reset.statusCode).toBe(200);
    await expect(
      signIn(t.deps, ctx, { email: "pw@acme.test", password: "reset by the admin" }),
    ).resolves.toBeDefined();
    const adminSelf = await call(as.admin(), "PATCH", `/users/${admin.id}`, {
      password: "admins too need the old one",
    });
    expect(adminSelf.statusCode).toBe(400);

    const audit = await t.deps.db
      .selectFrom("audit_events")
      .select(["action", "summary"])
      .where("entity_id", "=", user.id)
      .execute();
    expect(audit.map((e) => e.action)).toContain("user.password_changed");
    expect(JSON.stringify(audit)).not.toMatch(/brand new|reset by|argon2/);
  });

  it("keeps at least one enabled admin", async () => {
    const demote = await call(as.admin(), "PATCH", `/users/${admin.id}`, { role: "qa" });
    expect(demote.statusCode).toBe(409);
    const disable = await call(as.admin(), "PATCH", `/users/${admin.id}`, { disabled: true });
    expect(disable.statusCode).toBe(409);
    const second = await createUser(t.deps, "system", {
      email: "admin2@desk.test",
      name: "Second",
      role: "admin",
      password: PASSWORD,
    });
    const now = await call(as.admin(), "PATCH", `/users/${second.id}`, { disabled: true });
    expect(now.statusCode).toBe(200);
    expect((await call(as.admin(), "PATCH", `/users/${admin.id}`, { role: "qa" })).statusCode).toBe(
      409,
    );
  });

  it("never shows a password hash in any response", async () => {
    expect(responses.length).toBeGreaterThan(50);
    const hashes = (await t.deps.db.selectFrom("users").select("password_hash").execute()).map(
      (u) => u.password_hash,
    );
    const keys = (value: unknown): string[] =>
      typeof value !== "object" || value === null
        ? []
        : Object.entries(value).flatMap(([k, v]) => [k, ...keys(v)]);
    for (const r of responses) {
      expect(r.body).not.toContain("$argon2");
      for (const hash of hashes) expect(r.body).not.toContain(hash);
      expect(r.body).not.toContain(PASSWORD);
      if (r.statusCode < 300) expect(keys(r.json()).filter((k) => /password/i.test(k))).toEqual([]);
    }
  });
});
