// People and their accounts through the whole API (issue 12): client companies and contacts,
// invitations and password links (the e-mail through the account mailer), one's own sessions,
// lifting a sign-in lock, and staff reading the names of the people on their requests.

import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_TOKEN_TTL_MS } from "../../src/app/auth/account-tokens.js";
import { createAccountMailer } from "../../src/notify/account-mailer.js";
import type { MailTransport, OutgoingMail } from "../../src/notify/index.js";
import { PASSWORD, seedWorld, type Caller, type World } from "../support/api-world.js";

let w: World;
beforeAll(async () => {
  w = await seedWorld();
});
afterAll(() => w.close());

const sent: OutgoingMail[] = [];
const mail: MailTransport = {
  description: "memory",
  send: async (m) => {
    sent.push(m);
  },
  close: () => {},
};

/** Runs the account mailer over the account.* outbox rows not handled yet. */
async function deliverAccountMail(): Promise<void> {
  const mailer = createAccountMailer({
    db: w.t.deps.db,
    clock: w.t.deps.clock,
    mail,
    config: { publicUrl: "https://refunds.example.com", mailFrom: "Refund Desk <rd@example.com>" },
  });
  const rows = await w.t.deps.db
    .selectFrom("outbox")
    .selectAll()
    .where("topic", "like", "account.%")
    .execute();
  for (const r of rows) {
    await mailer.handle({ id: r.id, topic: r.topic, payload: JSON.parse(r.payload), attempts: 0 });
  }
}

function tokenFrom(m: OutgoingMail): string {
  const match = /set-password\?token=([\w-]+)/.exec(m.text);
  if (match?.[1] === undefined) throw new Error(`no link in ${m.text}`);
  return match[1];
}

async function signIn(email: string, password: string, ip = "192.0.2.10") {
  return w.app.inject({
    method: "POST",
    url: "/api/v1/session",
    remoteAddress: ip,
    payload: { email, password },
  });
}

function callerOf(res: LightMyRequestResponse, name: Caller["name"] = "qa"): Caller {
  const cookie = res.cookies.find((c) => c.name === "rd_session");
  if (cookie === undefined) throw new Error(`no session: ${res.body}`);
  return {
    name,
    cookies: { rd_session: cookie.value },
    headers: { "x-csrf-token": res.json<{ csrfToken: string }>().csrfToken },
  };
}

describe("client companies", () => {
  it("admins create, rename and archive them; staff and the client itself read them", async () => {
    const created = await w.send("admin", {
      method: "POST",
      url: "/clients",
      payload: { name: "Initech", email: "Ops@Initech.test" },
    });
    expect(created.statusCode, created.body).toBe(201);
    const initech = created.json<{ id: string; email: string; archived: boolean }>();
    expect(initech).toMatchObject({ email: "ops@initech.test", archived: false });
    expect(created.headers.location).toBe(`/api/v1/clients/${initech.id}`);

    const qaList = await w.send("qa", { method: "GET", url: "/clients?limit=100" });
    expect(qaList.statusCode).toBe(200);
    const names = qaList.json<{ items: { name: string }[] }>().items.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(["Acme GmbH", "Globex", "Initech"]));
    const mine = await w.send("clientA", { method: "GET", url: "/clients" });
    expect(mine.json()).toEqual({
      items: [expect.objectContaining({ name: "Acme GmbH" })],
      nextCursor: null,
    });
    const foreign = await w.send("clientA", { method: "GET", url: `/clients/${w.ids.clientB}` });
    expect(foreign.statusCode).toBe(404);

    const renamed = await w.send("admin", {
      method: "PATCH",
      url: `/clients/${initech.id}`,
      payload: { name: "Initech Ltd", archived: true },
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ name: "Initech Ltd", archived: true });
    const active = await w.send("qa", { method: "GET", url: "/clients?limit=100" });
    expect(active.json<{ items: { id: string }[] }>().items.map((c) => c.id)).not.toContain(
      initech.id,
    );
    const archived = await w.send("qa", { method: "GET", url: "/clients?archived=only" });
    expect(archived.json<{ items: { id: string }[] }>().items.map((c) => c.id)).toEqual([
      initech.id,
    ]);
    const byQa = await w.send("qa", {
      method: "PATCH",
      url: `/clients/${initech.id}`,
      payload: { name: "x" },
    });
    expect(byQa.statusCode).toBe(403);
  });

  it("an archived company takes no new requests", async () => {
    await w.send("admin", {
      method: "PATCH",
      url: `/clients/${w.ids.clientB}`,
      payload: { archived: true },
    });
    const refused = await w.send("clientB", {
      method: "POST",
      url: "/requests",
      payload: { orderId: w.ids.orderB, reason: "other", description: "Wrong scope." },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().detail).toMatch(/archived, so it takes no new refund requests/);
    await w.send("admin", {
      method: "PATCH",
      url: `/clients/${w.ids.clientB}`,
      payload: { archived: false },
    });
  });

  it("QA reads the names of a company's contacts, by the company or as users by client", async () => {
    const contacts = await w.send("qa", {
      method: "GET",
      url: `/clients/${w.ids.clientA}/contacts`,
    });
    expect(contacts.statusCode, contacts.body).toBe(200);
    expect(contacts.json<{ items: { name: string }[] }>().items.map((u) => u.name)).toEqual(
      expect.arrayContaining(["Carla Client", "Sam Spare"]),
    );
    const users = await w.send("qa", { method: "GET", url: `/users?clientId=${w.ids.clientA}` });
    expect(users.statusCode, users.body).toBe(200);
    const asClient = await w.send("clientA", { method: "GET", url: "/users" });
    expect(asClient.statusCode).toBe(403);
  });
});

describe("invitations and password links", () => {
  it("invite by e-mail: the link sets the password once, and no password is in any e-mail", async () => {
    const invited = await w.send("admin", {
      method: "POST",
      url: "/invitations",
      payload: {
        email: "Nina@Acme.test",
        name: "Nina New",
        role: "client",
        clientId: w.ids.clientA,
      },
    });
    expect(invited.statusCode, invited.body).toBe(201);
    expect(invited.json()).toMatchObject({
      user: { email: "nina@acme.test", role: "client", clientId: w.ids.clientA },
    });
    expect(invited.body).not.toMatch(/token/i);
    // No password yet: nothing signs in.
    expect((await signIn("nina@acme.test", "")).statusCode).toBe(400);
    await deliverAccountMail();
    const invitation = sent.find((m) => m.to === "nina@acme.test");
    expect(invitation?.subject).toBe("You are invited to Refund Desk");
    const token = tokenFrom(invitation!);
    expect(invitation!.html).toContain(`https://refunds.example.com/set-password?token=${token}`);
    // The outbox keeps no usable link once the e-mail is sent; the database only its hash.
    const outbox = await w.t.deps.db
      .selectFrom("outbox")
      .select("payload")
      .where("topic", "=", "account.invitation")
      .execute();
    expect(JSON.stringify(outbox)).not.toContain(token);
    expect(
      JSON.stringify(await w.t.deps.db.selectFrom("account_tokens").selectAll().execute()),
    ).not.toContain(token);

    const set = await w.send("anonymous", {
      method: "POST",
      url: "/set-password",
      payload: { token, password: "nina's own long passphrase" },
    });
    expect(set.statusCode, set.body).toBe(204);
    expect((await signIn("nina@acme.test", "nina's own long passphrase")).statusCode).toBe(200);
    const again = await w.send("anonymous", {
      method: "POST",
      url: "/set-password",
      payload: { token, password: "another long passphrase" },
    });
    expect(again.statusCode).toBe(400);
    expect(again.json().errors[0].path).toBe("body.token");
    for (const m of sent) {
      expect(m.text).not.toContain("nina's own long passphrase");
      expect(m.text).not.toContain(PASSWORD);
    }
  });

  it("expires after 48 hours", async () => {
    await w.send("admin", {
      method: "POST",
      url: "/invitations",
      payload: { email: "late@desk.test", name: "Late Larry", role: "qa" },
    });
    await deliverAccountMail();
    const token = tokenFrom(sent.find((m) => m.to === "late@desk.test")!);
    const now = w.t.deps.clock();
    w.t.setNow(now + ACCOUNT_TOKEN_TTL_MS);
    try {
      const late = await w.send("anonymous", {
        method: "POST",
        url: "/set-password",
        payload: { token, password: "a long enough passphrase" },
      });
      expect(late.statusCode).toBe(400);
      expect(late.json().errors[0].message).toMatch(/expired \(links work for 48 hours\)/);
    } finally {
      w.t.setNow(now);
    }
  });

  it("a reset answers alike for unknown addresses, and the new password ends old sessions", async () => {
    const before = await w.t.deps.db.selectFrom("outbox").select("id").execute();
    const unknown = await w.send("anonymous", {
      method: "POST",
      url: "/password-resets",
      payload: { email: "nobody@nowhere.test" },
    });
    expect(unknown.statusCode).toBe(202);
    expect((await w.t.deps.db.selectFrom("outbox").select("id").execute()).length).toBe(
      before.length,
    );
    const old = callerOf(await signIn(w.emails.finance, PASSWORD), "finance");
    const known = await w.send("anonymous", {
      method: "POST",
      url: "/password-resets",
      payload: { email: w.emails.finance },
    });
    expect(known.statusCode).toBe(202);
    await deliverAccountMail();
    const reset = sent.find((m) => m.to === w.emails.finance);
    expect(reset?.subject).toBe("Reset your Refund Desk password");
    const done = await w.send("anonymous", {
      method: "POST",
      url: "/set-password",
      payload: { token: tokenFrom(reset!), password: PASSWORD },
    });
    expect(done.statusCode, done.body).toBe(204);
    expect((await w.send(old, { method: "GET", url: "/session" })).statusCode).toBe(401);
  });
});

describe("password-reset requests are throttled without telling which addresses have accounts", () => {
  const reset = (email: string, ip: string) =>
    w.app.inject({
      method: "POST",
      url: "/api/v1/password-resets",
      payload: { email },
      remoteAddress: ip,
    });
  const shape = (r: LightMyRequestResponse) => {
    const body: Record<string, unknown> | null =
      r.body === "" ? null : { ...r.json<Record<string, unknown>>(), instance: null };
    return { status: r.statusCode, retryAfter: r.headers["retry-after"] ?? null, body };
  };

  it("3 an hour for one address, account or not: the same answers, one e-mail each time for the account", async () => {
    const now = w.t.deps.clock();
    try {
      const resetMails = () =>
        w.t.deps.db
          .selectFrom("outbox")
          .select("id")
          .where("topic", "=", "account.password_reset")
          .execute();
      const before = (await resetMails()).length;
      const known: ReturnType<typeof shape>[] = [];
      const unknown: ReturnType<typeof shape>[] = [];
      for (let i = 0; i < 4; i++) {
        known.push(shape(await reset(w.emails.qa, `198.51.100.${40 + i}`)));
        unknown.push(shape(await reset("nobody-at-all@nowhere.test", `198.51.100.${50 + i}`)));
      }
      expect(known).toEqual(unknown);
      expect(known.map((k) => k.status)).toEqual([202, 202, 202, 429]);
      expect(known[3]).toMatchObject({
        retryAfter: "3600",
        body: { code: "too_many_requests", retryAfterSeconds: 3600 },
      });
      expect(String((known[3]?.body as { detail?: string } | null)?.detail)).toMatch(
        /^Too many password-reset requests/,
      );
      expect((await resetMails()).length).toBe(before + 3);
      // A reset flood is not a sign-in lock: the person still signs in.
      expect((await signIn(w.emails.qa, PASSWORD, "198.51.100.49")).statusCode).toBe(200);
      // An hour later the address may ask again.
      w.t.setNow(now + 60 * 60 * 1000);
      expect((await reset(w.emails.qa, "198.51.100.48")).statusCode).toBe(202);
    } finally {
      w.t.setNow(now);
    }
  });

  it("20 an hour from one caller address, whatever addresses it asks for", async () => {
    const ip = "203.0.113.77";
    for (let i = 0; i < 20; i++) {
      expect((await reset(`someone-${i}@nowhere.test`, ip)).statusCode).toBe(202);
    }
    const refused = await reset(w.emails.finance, ip);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["retry-after"]).toBe("3600");
    // Another caller is not held up.
    expect((await reset("someone-0@nowhere.test", "203.0.113.78")).statusCode).toBe(202);
  });
});

describe("own sessions", () => {
  it("lists one's sessions, marks the current one, ends another; others' ids are 404", async () => {
    // Sam signs in nowhere else, so these are all of Sam's sessions.
    const first = callerOf(await signIn("sam@acme.test", PASSWORD, "192.0.2.20"), "clientA");
    const second = callerOf(await signIn("sam@acme.test", PASSWORD, "192.0.2.21"), "clientA");
    const list = await w.send(second, { method: "GET", url: "/sessions" });
    expect(list.statusCode, list.body).toBe(200);
    const items = list.json<{ items: { id: string; current: boolean }[] }>().items;
    expect(items).toHaveLength(2);
    expect(items.filter((s) => s.current)).toHaveLength(1);
    const current = items.find((s) => s.current)!;
    const other = items.find((s) => !s.current)!;
    expect(JSON.stringify(items)).not.toContain(first.cookies["rd_session"]);
    const foreign = await w.send("clientA", { method: "DELETE", url: `/sessions/${other.id}` });
    expect(foreign.statusCode).toBe(404);
    const ended = await w.send(second, { method: "DELETE", url: `/sessions/${other.id}` });
    expect(ended.statusCode).toBe(204);
    const left = (await w.send(second, { method: "GET", url: "/sessions" })).json<{
      items: { id: string }[];
    }>();
    expect(left.items.map((s) => s.id)).toContain(current.id);
    expect(left.items.map((s) => s.id)).not.toContain(other.id);
    expect((await w.send(first, { method: "GET", url: "/session" })).statusCode).toBe(401);
    const token = await w.send("token", { method: "GET", url: "/sessions" });
    expect(token.statusCode).toBe(403);
  });
});

describe("a person's sessions (admins)", () => {
  it("an admin lists a person's sessions and ends one, then all; audited; others may not", async () => {
    const sam = w.ids.spareUserA;
    const url = `/users/${sam}/sessions`;
    // Start from none, so the sessions below are all of Sam's.
    expect((await w.send("admin", { method: "DELETE", url })).statusCode).toBe(200);
    const first = callerOf(await signIn("sam@acme.test", PASSWORD, "192.0.2.30"), "clientA");
    const second = callerOf(await signIn("sam@acme.test", PASSWORD, "192.0.2.31"), "clientA");
    for (const who of ["qa", "clientA", "token"] as const) {
      expect((await w.send(who, { method: "GET", url })).statusCode, who).toBe(403);
      expect((await w.send(who, { method: "DELETE", url })).statusCode, who).toBe(403);
    }
    const list = await w.send("admin", { method: "GET", url: `${url}?limit=1` });
    expect(list.statusCode, list.body).toBe(200);
    const page1 = list.json<{ items: { id: string; current: boolean }[]; nextCursor: string }>();
    expect(page1.items).toHaveLength(1);
    expect(page1.items[0]!.current).toBe(false);
    const page2 = (
      await w.send("admin", {
        method: "GET",
        url: `${url}?limit=1&cursor=${encodeURIComponent(page1.nextCursor)}`,
      })
    ).json<{ items: { id: string }[]; nextCursor: string | null }>();
    expect(page2.items).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
    const ids = [page1.items[0]!.id, page2.items[0]!.id];
    expect(new Set(ids).size).toBe(2);
    expect(JSON.stringify([page1, page2])).not.toContain(first.cookies["rd_session"]);

    // End one (the test clock stands still, so which sign-in it is goes by its public id): that
    // one stops working at once, the other goes on.
    const ended = await w.send("admin", { method: "DELETE", url: `${url}/${ids[0]}` });
    expect(ended.statusCode, ended.body).toBe(204);
    const after = await Promise.all(
      [first, second].map(
        async (c) => (await w.send(c, { method: "GET", url: "/session" })).statusCode,
      ),
    );
    expect([...after].sort()).toEqual([200, 401]);
    const left = after[0] === 200 ? first : second;
    // A session id that is not this person's, and a person who does not exist: 404.
    expect((await w.send("admin", { method: "DELETE", url: `${url}/${ids[0]}` })).statusCode).toBe(
      404,
    );
    expect(
      (await w.send("admin", { method: "GET", url: "/users/usr_nobody/sessions" })).statusCode,
    ).toBe(404);

    const all = await w.send("admin", { method: "DELETE", url });
    expect(all.statusCode, all.body).toBe(200);
    expect(all.json<{ ended: number }>().ended).toBe(1);
    expect((await w.send(left, { method: "GET", url: "/session" })).statusCode).toBe(401);
    expect((await w.send("admin", { method: "GET", url })).json<{ items: [] }>().items).toEqual([]);

    const trail = await w.t.deps.db
      .selectFrom("audit_events")
      .select(["action", "summary"])
      .where("entity_type", "=", "user")
      .where("entity_id", "=", sam)
      .where("action", "in", ["user.session_ended", "user.sessions_ended"])
      .orderBy("seq")
      .execute();
    expect(trail.map((r) => r.action).slice(-2)).toEqual([
      "user.session_ended",
      "user.sessions_ended",
    ]);
    expect(JSON.parse(trail.at(-2)!.summary)).toEqual({ sessionId: ids[0] });
  });
});

describe("sign-in locks", () => {
  it("an admin lifts an account's lock", async () => {
    const ip = "198.51.100.77";
    for (let i = 0; i < 5; i++) {
      expect((await signIn("sam@acme.test", "wrong", ip)).statusCode).toBe(401);
    }
    const locked = await signIn("sam@acme.test", PASSWORD, ip);
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers["retry-after"])).toBeGreaterThan(0);
    const byQa = await w.send("qa", {
      method: "DELETE",
      url: `/users/${w.ids.spareUserA}/sign-in-lock`,
    });
    expect(byQa.statusCode).toBe(403);
    const lifted = await w.send("admin", {
      method: "DELETE",
      url: `/users/${w.ids.spareUserA}/sign-in-lock`,
    });
    expect(lifted.statusCode, lifted.body).toBe(200);
    expect(lifted.json<{ lifted: number }>().lifted).toBeGreaterThanOrEqual(2);
    expect((await signIn("sam@acme.test", PASSWORD, ip)).statusCode).toBe(200);
  });
});
