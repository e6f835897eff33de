// Scale-out on PostgreSQL: two server processes (WORKER=off) and two worker processes
// (`refund-desk worker`), the built product as it ships, against one database and the Stripe
// stand-in. 1,000 refunds are submitted, approved and released over HTTP, spread over both
// servers; every payout is sent exactly once, none is lost, and both workers did part of the work.
// Every process has a DATA_DIR of its own (servers share nothing but the database, issue 21): a
// file uploaded through one server downloads through the other, and no DATA_DIR keeps it.
// PostgreSQL only: SQLite is the single-process embedded database.

import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../src/app/auth/index.js";
import { startStripeStandIn, type StripeStandIn } from "../../src/payouts/stripe/index.js";
import { testAppDeps } from "../support/app-deps.js";
import { freshDatabase, testDatabaseUrl, type TestDatabase } from "../support/database.js";
import { clientRow, orderRow, paymentRow } from "../support/db-rows.js";
import { DIST, ensureDist, ROOT } from "../support/dist.js";
import { join } from "node:path";

const PAYOUTS = Number(process.env["SCALE_OUT_PAYOUTS"] ?? "1000");
const PASSWORD = "scale-out passphrase 2026";

interface Proc {
  readonly child: ChildProcess;
  /** The first stdout line matching the pattern, once it arrives. */
  readonly ready: Promise<string>;
  output(): string;
}

function startProcess(args: string[], env: NodeJS.ProcessEnv, readyPattern: RegExp): Proc {
  const child = spawn(process.execPath, [join(DIST, "src", "cli", "main.js"), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = readyPattern.exec(out);
      if (m) resolve(m[1] ?? m[0]);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("exit", (code) => reject(new Error(`${args[0]} exited ${code}: ${out}`)));
  });
  return { child, ready, output: () => out };
}

describe.skipIf(testDatabaseUrl() === undefined)("scale-out on PostgreSQL", () => {
  let db: TestDatabase;
  let stripe: StripeStandIn;
  const procs: Proc[] = [];
  const dataDirs: string[] = [];

  beforeAll(async () => {
    ensureDist();
    db = await freshDatabase();
    stripe = await startStripeStandIn();
  }, 180_000);

  afterAll(async () => {
    for (const p of procs) p.child.kill("SIGTERM");
    await Promise.all(
      procs.map(
        (p) => new Promise((r) => (p.child.exitCode !== null ? r(null) : p.child.once("exit", r))),
      ),
    );
    await stripe?.close();
    await db?.close();
    for (const d of dataDirs) await rm(d, { recursive: true, force: true });
  }, 60_000);

  it(`${PAYOUTS} approved payouts through two servers and two workers: each sent once, none lost, both workers worked`, async () => {
    const deps = testAppDeps(db);
    const client = clientRow();
    await db.db.insertInto("clients").values(client).execute();
    const users = {
      client: await createUser(deps, "system", {
        email: "c@scale.test",
        name: "C",
        role: "client",
        clientId: client.id,
        password: PASSWORD,
      }),
      qa: await createUser(deps, "system", {
        email: "q@scale.test",
        name: "Q",
        role: "qa",
        password: PASSWORD,
      }),
      finance: await createUser(deps, "system", {
        email: "f@scale.test",
        name: "F",
        role: "finance",
        password: PASSWORD,
      }),
    };
    // The orders, each paid by a card charge the stand-in knows (1,000 small refunds: one approval each).
    const rows: ReturnType<typeof orderRow>[] = [];
    const payments: ReturnType<typeof paymentRow>[] = [];
    for (let i = 0; i < PAYOUTS; i++) {
      const charge = stripe.seedCharge({ amount: 10_000, currency: "usd" });
      const order = { ...orderRow(client.id), price_minor: "10000" };
      rows.push(order);
      payments.push(
        paymentRow(order, {
          charge_ref: order.id,
          amount_minor: "10000",
          provider_ref: charge.charge,
        }),
      );
    }
    for (let i = 0; i < rows.length; i += 200) {
      await db.db
        .insertInto("orders")
        .values(rows.slice(i, i + 200))
        .execute();
      await db.db
        .insertInto("payments")
        .values(payments.slice(i, i + 200))
        .execute();
    }

    const env = {
      DATABASE_URL: testDatabaseUrl(),
      DATABASE_SCHEMA: db.options.schema,
      STRIPE_SECRET_KEY: stripe.apiKey,
      STRIPE_API_BASE: stripe.url,
      DEMO: "0",
      LOG_LEVEL: "warn",
      PORT: "0",
    };
    // A DATA_DIR of its own for every process: nothing is shared but the database.
    for (let i = 0; i < 4; i++) dataDirs.push(await mkdtemp(join(tmpdir(), `rd-scale-${i}-`)));
    const servers = [0, 1].map((i) =>
      startProcess(
        ["serve"],
        { ...env, WORKER: "off", DATA_DIR: dataDirs[i]! },
        /running on (http:\/\/\S+) /,
      ),
    );
    const workers = [0, 1].map((i) =>
      startProcess(
        ["worker"],
        { ...env, DATA_DIR: dataDirs[2 + i]! },
        /worker (worker-\w+) is running/,
      ),
    );
    procs.push(...servers, ...workers);
    const urls = await Promise.all(servers.map((s) => s.ready));
    const workerIds = await Promise.all(workers.map((w) => w.ready));
    expect(new Set(workerIds).size).toBe(2);

    // Sign in on one server; the sessions live in the database, so both servers accept them.
    const signIn = async (email: string) => {
      const res = await fetch(`${urls[0]}/api/v1/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      expect(res.status).toBe(200);
      const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      const { csrfToken } = (await res.json()) as { csrfToken: string };
      return { cookie, "x-csrf-token": csrfToken };
    };
    const as = {
      client: await signIn("c@scale.test"),
      qa: await signIn("q@scale.test"),
      finance: await signIn("f@scale.test"),
    };
    expect(users.client.id).toBeTruthy();
    const call = async (
      server: number,
      who: keyof typeof as,
      method: "GET" | "POST",
      path: string,
      body?: unknown,
    ): Promise<Record<string, unknown>> => {
      const res = await fetch(`${urls[server]}/api/v1${path}`, {
        method,
        headers: {
          cookie: as[who].cookie,
          "x-csrf-token": as[who]["x-csrf-token"],
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status >= 300)
        throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };

    // A file uploaded through the first server downloads through the second (the default storage
    // with DATABASE_URL is the database), and no process keeps it in its DATA_DIR.
    {
      const order = orderRow(client.id);
      await db.db.insertInto("orders").values(order).execute();
      const req = await call(0, "client", "POST", "/requests", {
        orderId: order.id,
        reason: "not_delivered",
        description: "Attached: the kickoff e-mails.",
      });
      const pdf = Buffer.concat([Buffer.from("%PDF-1.4\n"), randomBytes(700_000)]);
      const form = new FormData();
      form.append("files", new Blob([pdf], { type: "application/pdf" }), "kickoff.pdf");
      const up = await fetch(`${urls[0]}/api/v1/requests/${String(req["id"])}/attachments`, {
        method: "POST",
        headers: as.client,
        body: form,
      });
      expect(up.status).toBe(201);
      const { items } = (await up.json()) as { items: { id: string }[] };
      const down = await fetch(`${urls[1]}/api/v1/attachments/${items[0]!.id}`, {
        headers: { cookie: as.client.cookie },
      });
      expect(down.status).toBe(200);
      const got = Buffer.from(await down.arrayBuffer());
      const hash = (b: Buffer) => createHash("sha256").update(b).digest("hex");
      expect(hash(got)).toBe(hash(pdf));
      for (const d of dataDirs) {
        expect(await readdir(join(d, "attachments")).catch(() => [])).toEqual([]);
      }
    }

    // Submit, review, approve and release every refund, alternating servers, 16 at a time.
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < PAYOUTS; i = next++) {
        const s = i % 2;
        const req = await call(s, "client", "POST", "/requests", {
          orderId: rows[i]!.id,
          reason: "not_delivered",
          description: "Never started.",
        });
        const id = String(req["id"]);
        await call(1 - s, "qa", "POST", `/requests/${id}/start-review`, { expectedVersion: 1 });
        await call(s, "qa", "POST", `/requests/${id}/approve`, {
          expectedVersion: 2,
          amount: (req["recommendation"] as { amount: unknown }).amount,
        });
        const list = await call(1 - s, "finance", "GET", `/payouts?requestId=${id}`);
        const payout = (list["items"] as { id: string; version: number }[])[0]!;
        await call(s, "finance", "POST", `/payouts/${payout.id}/approve`, {
          expectedVersion: payout.version,
        });
      }
    };
    await Promise.all(Array.from({ length: 16 }, lane));

    // The workers drain the payouts.
    const end = Date.now() + 240_000;
    for (;;) {
      const open = await db.db
        .selectFrom("payouts")
        .select("id")
        .where("status", "!=", "succeeded")
        .execute();
      const all = await db.db.selectFrom("payouts").select("id").execute();
      if (all.length === PAYOUTS && open.length === 0) break;
      if (Date.now() > end) {
        throw new Error(
          `${open.length} of ${all.length} payouts not settled; ${workers.map((w) => w.output()).join("\n")}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }

    const payouts = await db.db.selectFrom("payouts").select(["id", "provider_ref"]).execute();
    const refunds = stripe.refunds();
    const byPayout = new Map<string, number>();
    for (const r of refunds) {
      const id = r.metadata["payout_id"] ?? "";
      byPayout.set(id, (byPayout.get(id) ?? 0) + 1);
    }
    const sentTwice = payouts.filter((p) => (byPayout.get(p.id) ?? 0) > 1).map((p) => p.id);
    const lost = payouts.filter((p) => (byPayout.get(p.id) ?? 0) === 0).map((p) => p.id);
    expect({ payouts: payouts.length, refunds: refunds.length, sentTwice, lost }).toEqual({
      payouts: PAYOUTS,
      refunds: PAYOUTS,
      sentTwice: [],
      lost: [],
    });

    // Who sent them: the audit trail names the worker that recorded each success.
    const audits = await db.db
      .selectFrom("audit_events")
      .select(["actor"])
      .where("action", "=", "payout.succeeded")
      .execute();
    const perWorker = new Map<string, number>();
    for (const a of audits) perWorker.set(a.actor, (perWorker.get(a.actor) ?? 0) + 1);
    expect(audits).toHaveLength(PAYOUTS);
    for (const id of workerIds) expect(perWorker.get(`worker:${id}`) ?? 0, id).toBeGreaterThan(0);
  }, 600_000);
});
