import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  serviceOptionsFromEnv,
  startService,
  type RunningService,
} from "../../src/service/start.js";

// `npm start` runs `refund-desk serve`: on an empty database it loads the demo company (never in
// production), and the server answers over real HTTP.

let service: RunningService | undefined;
let dir = "";
afterEach(async () => {
  await service?.stop();
  service = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<RunningService> {
  dir = await mkdtemp(join(tmpdir(), "rd-start-"));
  const options = serviceOptionsFromEnv({ DATA_DIR: dir, PORT: "0", ...env });
  service = await startService({ ...options, logger: false });
  return service;
}

async function signIn(url: string, email: string): Promise<{ cookie: string; csrf: string }> {
  const r = await fetch(`${url}/api/v1/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "demo-password-2026" }),
  });
  expect(r.status).toBe(200);
  const cookie = (r.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const body = (await r.json()) as { csrfToken: string };
  return { cookie, csrf: body.csrfToken };
}

describe("serve", () => {
  it("loads the demo company into an empty database and serves it", async () => {
    const s = await start({});
    expect(s.dialect).toBe("sqlite");
    expect(s.demoAccounts.map((a) => a.role).sort()).toEqual([
      "admin",
      "client",
      "client",
      "finance",
      "finance",
      "qa",
    ]);
    const qa = await signIn(s.url, "quinn@prosphere.example");
    const list = await fetch(`${s.url}/api/v1/requests?limit=50`, {
      headers: { cookie: qa.cookie },
    });
    expect(list.status).toBe(200);
    const body = (await list.json()) as {
      items: { orderId: string; recommendation: { outcome: string } | null }[];
    };
    const byOrder = Object.fromEntries(
      body.items.map((i) => [i.orderId, i.recommendation?.outcome]),
    );
    expect(byOrder).toEqual({
      "ORD-1001": "refund",
      "ORD-1005": "review",
      "ORD-2001": "refund",
      "ORD-1007": "refund",
    });
    // A client sees only its own requests.
    const alice = await signIn(s.url, "alice@acme.example");
    const own = await fetch(`${s.url}/api/v1/requests`, { headers: { cookie: alice.cookie } });
    const ownBody = (await own.json()) as { items: { orderId: string }[] };
    expect(ownBody.items.map((i) => i.orderId).sort()).toEqual([
      "ORD-1001",
      "ORD-1005",
      "ORD-2001",
    ]);
    // The client files a request on the blocked order: the engine denies it as client-side.
    const filed = await fetch(`${s.url}/api/v1/requests`, {
      method: "POST",
      headers: {
        cookie: alice.cookie,
        "x-csrf-token": alice.csrf,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        orderId: "ORD-1003",
        reason: "not_delivered",
        description: "Nothing has happened yet.",
      }),
    });
    expect(filed.status).toBe(201);
    const created = (await filed.json()) as {
      recommendation: { outcome: string; clauses: string[] };
    };
    expect(created.recommendation.outcome).toBe("deny");
    expect(created.recommendation.clauses[0]).toBe("excluded.client-side");
    // Docs and OpenAPI are served.
    expect((await fetch(`${s.url}/openapi.json`)).status).toBe(200);
    expect((await fetch(`${s.url}/docs`, { redirect: "manual" })).status).toBeLessThan(400);
  });

  it("never loads demo data in production", async () => {
    const s = await start({ NODE_ENV: "production" });
    expect(s.demoAccounts).toEqual([]);
    // On SQLite, attachments default to files under DATA_DIR.
    expect(s.attachments).toBe(`local files under ${join(dir, "attachments")}`);
  });

  it("refuses a bad PORT", () => {
    expect(() => serviceOptionsFromEnv({ PORT: "http" })).toThrow(/PORT/);
  });

  it("without SMTP_URL, mail goes to .eml files under DATA_DIR/mail, and says so", async () => {
    const s = await start({ NODE_ENV: "production" });
    expect(s.notify.config).toEqual({
      // No PUBLIC_URL: the address the server listens on (HOST 127.0.0.1; these tests set PORT=0).
      publicUrl: "http://127.0.0.1:0",
      mailFrom: "Refund Desk <no-reply@localhost>",
      smtpUrl: null,
      mailDir: join(dir, "mail"),
    });
    expect(s.notify.mail.description).toBe(
      `SMTP_URL is not set: writing each e-mail as an .eml file under ${join(dir, "mail")}`,
    );
  });

  it("reads SMTP_URL, MAIL_FROM and PUBLIC_URL, never repeating an SMTP password", () => {
    const o = serviceOptionsFromEnv({
      SMTP_URL: "smtp://user:s3cret@mail.example.com:2525",
      MAIL_FROM: "Refunds <refunds@example.com>",
      PUBLIC_URL: "https://refunds.example.com/",
    });
    expect(o.notify).toMatchObject({
      smtpUrl: "smtp://user:s3cret@mail.example.com:2525",
      mailFrom: "Refunds <refunds@example.com>",
      publicUrl: "https://refunds.example.com",
    });
    expect(() => serviceOptionsFromEnv({ SMTP_URL: "http://user:s3cret@x" })).toThrow(
      /^SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL$/,
    );
    expect(() => serviceOptionsFromEnv({ PUBLIC_URL: "ftp://x" })).toThrow(/PUBLIC_URL/);
    expect(() => serviceOptionsFromEnv({ MAIL_FROM: "nobody" })).toThrow(/MAIL_FROM/);
  });
});
