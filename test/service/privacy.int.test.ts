// Personal data (issue 17): an admin exports everything held about a client contact, then erases
// it. Afterwards the contact's name, address, texts and file are gone from every table, every file
// under DATA_DIR and every list the API answers; the financial records are intact and the audit
// chain verifies (ADR 0028). The retention job deletes closed requests' messages and files after
// the policy's period. An audit trail written before migration 0014 (chain 1) still verifies,
// also after an erasure redacted it. SQLite in npm test, PostgreSQL with DATABASE_URL.

import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppDeps } from "../../src/app/context.js";
import { eraseContact } from "../../src/app/privacy/erase-contact.js";
import { purgeClosedRequests } from "../../src/app/privacy/purge-closed-requests.js";
import { auditHash, GENESIS_HASH, verifyAudit } from "../../src/db/audit.js";
import { toDbInstant } from "../../src/db/time.js";
import { migrateToLatest, migrator } from "../../src/db/migrations/index.js";
import type { Database } from "../../src/db/schema.js";
import { loadPolicyFile } from "../../src/policy-file/load.js";
import {
  serviceOptionsFromEnv,
  startService,
  type RunningService,
} from "../../src/service/start.js";
import { multipartBody } from "../support/api-world.js";
import { freshDatabase, type TestDatabase } from "../support/database.js";
import { localAttachmentStorage } from "../../src/storage/index.js";

const PASSWORD = "demo-password-2026";
const ALICE = "alice@acme.example";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Every row of every table, as text (what a search of the whole database would see). */
async function everyRow(db: Kysely<Database>): Promise<Map<string, string>> {
  // PostgreSQL: this test's schema only (other test files work in schemas of their own).
  const current = (
    await sql<{ s: string | null }>`select current_schema() as s`
      .execute(db)
      .catch(() => ({ rows: [{ s: null }] }))
  ).rows[0]?.s;
  const tables = (await db.introspection.getTables())
    .filter((t) => current === null || current === undefined || t.schema === current)
    .map((t) => t.name);
  expect(tables).toContain("audit_events");
  const out = new Map<string, string>();
  for (const table of tables) {
    if (table.startsWith("kysely_")) continue;
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
    out.set(table, JSON.stringify(rows.rows));
  }
  return out;
}

/** Every file below `dir`, with its content. */
async function everyFile(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.set(p, (await readFile(p)).toString("latin1"));
    }
  };
  await walk(dir);
  return out;
}

describe("personal data: export, erasure, retention", () => {
  let db: TestDatabase;
  let s: RunningService;
  let dataDir = "";

  beforeAll(async () => {
    db = await freshDatabase({ migrate: false });
    dataDir = db.options.dataDir ?? (await mkdtemp(join(tmpdir(), "rd-privacy-")));
    const env = serviceOptionsFromEnv({ PORT: "0" });
    s = await startService({
      ...env,
      database: { ...db.options, dataDir },
      demo: true,
      logger: false,
      workerIdleMs: 20,
      notify: { ...env.notify!, mailDir: join(dataDir, "mail") },
    });
  }, 60_000);

  afterAll(async () => {
    await s?.stop();
    await db?.close();
    if (db?.options.dataDir === undefined && dataDir) {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  const session = async (email: string) => {
    const r = await fetch(`${s.url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { csrfToken: string; user: { id: string; name: string } };
    return {
      headers: {
        cookie: (r.headers.get("set-cookie") ?? "").split(";")[0]!,
        "x-csrf-token": body.csrfToken,
      },
      user: body.user,
    };
  };
  const call = async (h: Record<string, string>, method: string, path: string, body?: unknown) => {
    const r = await fetch(`${s.url}/api/v1${path}`, {
      method,
      headers: { ...h, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, body: text === "" ? null : (JSON.parse(text) as Json) };
  };

  it("exports everything held about a contact, then erases it everywhere but the books", async () => {
    const alice = await session(ALICE);
    const ada = await session("ada@prosphere.example");
    const quinn = await session("quinn@prosphere.example");
    const aliceId = alice.user.id;
    const aliceName = alice.user.name;
    const marker = `marker-${Date.now()}`;
    const description = `Please refund ${marker}: the kick-off was cancelled twice.`;
    const messageText = `My colleague ${marker} can confirm nothing was delivered.`;
    const fileName = `receipt-${marker}.txt`;
    const fileBytes = `Receipt ${marker}\n`;

    const filed = await call(alice.headers, "POST", "/requests", {
      orderId: "ORD-1003",
      reason: "not_delivered",
      description,
    });
    expect(filed.status).toBe(201);
    const requestId = filed.body.id as string;
    expect(
      (await call(alice.headers, "POST", `/requests/${requestId}/messages`, { body: messageText }))
        .status,
    ).toBe(201);
    const upload = multipartBody([{ name: fileName, content: fileBytes, type: "text/plain" }]);
    const up = await fetch(`${s.url}/api/v1/requests/${requestId}/attachments`, {
      method: "POST",
      headers: { ...alice.headers, ...upload.headers },
      body: upload.payload,
    });
    expect(up.status).toBe(201);
    // The worker sends the e-mails (written as .eml files here).
    for (let i = 0; ; i++) {
      const files = await everyFile(join(dataDir, "mail"));
      if ([...files.values()].some((t) => t.includes(ALICE))) break;
      if (i > 200) throw new Error("no e-mail to alice");
      await new Promise((r) => setTimeout(r, 50));
    }

    // Export: clients and finance may not; the admin gets one archive.
    expect((await call(alice.headers, "GET", `/users/${aliceId}/personal-data`)).status).toBe(403);
    const exported = await call(ada.headers, "GET", `/users/${aliceId}/personal-data`);
    expect(exported.status).toBe(200);
    const archive = exported.body;
    expect(archive.format).toBe("refund-desk.personal-data/1");
    expect(archive.contact).toMatchObject({ id: aliceId, email: ALICE, name: aliceName });
    expect(archive.requests.map((r: Json) => r.description)).toContain(description);
    expect(archive.messages.map((m: Json) => m.body)).toContain(messageText);
    const file = archive.attachments.find((a: Json) => a.name === fileName);
    expect(Buffer.from(file.contentBase64, "base64").toString()).toBe(fileBytes);
    expect(archive.emails.length).toBeGreaterThan(0);
    expect(
      archive.emails.some((e: Json) => typeof e.eml === "string" && e.eml.includes(ALICE)),
    ).toBe(true);
    expect(archive.auditTrail.some((e: Json) => e.personal?.ip !== undefined)).toBe(true);
    // A staff account is not erased this way.
    const staff = await call(ada.headers, "POST", `/users/${quinn.user.id}/personal-data/erasure`);
    expect(staff.status).toBe(422);

    const books = async () => ({
      orders: (await db.db.selectFrom("orders").selectAll().orderBy("id").execute()).length,
      payments: await db.db.selectFrom("payments").selectAll().orderBy("id").execute(),
      decisions: await db.db.selectFrom("decisions").selectAll().orderBy("id").execute(),
      payouts: await db.db
        .selectFrom("payouts")
        .select(["id", "amount_minor", "status"])
        .orderBy("id")
        .execute(),
      requests: await db.db
        .selectFrom("refund_requests")
        .select(["id", "status"])
        .orderBy("id")
        .execute(),
    });
    // The e-mails on their way are sent first: an .eml copy written by a send that is in flight
    // while the erasure runs is the one window the erasure does not close (ADR 0028; the
    // delivery record of such a send is not written back, src/notify/queries.ts).
    for (let i = 0; ; i++) {
      const pending = await db.db
        .selectFrom("outbox")
        .select("id")
        .where("done_at", "is", null)
        .where("topic", "like", "notify.%")
        .execute();
      if (pending.length === 0) break;
      if (i > 200) throw new Error("the outbox did not drain");
      await new Promise((r) => setTimeout(r, 50));
    }
    const before = await books();
    const erased = await call(ada.headers, "POST", `/users/${aliceId}/personal-data/erasure`);
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({
      userId: aliceId,
      messages: 1,
      attachments: 1,
    });
    expect(erased.body.requests).toBeGreaterThanOrEqual(1);
    expect(erased.body.auditEntries).toBeGreaterThan(0);
    expect(
      (await call(ada.headers, "POST", `/users/${aliceId}/personal-data/erasure`)).status,
    ).toBe(409);
    // Let the worker finish what it had (no new mail may bring the data back).
    await new Promise((r) => setTimeout(r, 300));

    // Gone from every table...
    const needles = [ALICE, aliceName, marker, fileName];
    for (const [table, text] of await everyRow(db.db)) {
      for (const n of needles) expect(text.includes(n), `${n} in ${table}`).toBe(false);
    }
    // ...every file under DATA_DIR (attachments, e-mail copies)...
    for (const [path, text] of await everyFile(dataDir)) {
      if (path.endsWith(".sqlite") || path.includes(".sqlite-")) continue;
      for (const n of needles) expect(text.includes(n), `${n} in ${path}`).toBe(false);
    }
    // ...and every answer: the request, its messages and files, the users list, the export.
    const request = await call(quinn.headers, "GET", `/requests/${requestId}`);
    expect(request.body.description).toBe("[erased]");
    const answers = [
      request,
      await call(quinn.headers, "GET", `/requests/${requestId}/messages`),
      await call(quinn.headers, "GET", `/requests/${requestId}/attachments`),
      await call(quinn.headers, "GET", `/requests?limit=100`),
      await call(ada.headers, "GET", `/users?limit=100`),
      await call(ada.headers, "GET", `/users/${aliceId}`),
      await call(ada.headers, "GET", `/audit?userId=${aliceId}&limit=100`),
      await call(ada.headers, "GET", `/users/${aliceId}/personal-data`),
    ];
    for (const a of answers) {
      expect(a.status).toBe(200);
      for (const n of needles) expect(JSON.stringify(a.body).includes(n), n).toBe(false);
    }
    // The books are as they were; the chain verifies, with the erased entries counted.
    expect(await books()).toEqual(before);
    const verified = await verifyAudit(db.db);
    expect(verified).toMatchObject({ ok: true });
    expect(verified.ok && verified.erased).toBe(erased.body.auditEntries);
    // She can no longer sign in.
    const r = await fetch(`${s.url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: ALICE, password: PASSWORD }),
    });
    expect(r.status).toBe(401);
  }, 60_000);

  it("the retention job deletes the messages and files of requests closed past the period, audited", async () => {
    await s.stop();
    const policy = loadPolicyFile();
    if (!policy.ok) throw new Error(policy.error.message);
    let now = Date.now();
    const deps = createAppDeps({
      db: db.db,
      dialect: db.dialect,
      policy: policy.value,
      clock: () => now,
      dataDir,
      attachments: localAttachmentStorage(db.db, dataDir),
    });
    // (After the erasure above.) The trail stays append-only: any other change is refused by the database.
    await expect(
      db.db.updateTable("audit_events").set({ summary: "{}" }).where("seq", "=", 1).execute(),
    ).rejects.toThrow(/append-only/);
    await expect(
      db.db.updateTable("audit_events").set({ personal: null }).where("seq", "=", 1).execute(),
    ).rejects.toThrow(/append-only/);
    // Two closed requests with messages: one closed 6 years ago, one 4 years ago.
    const closed = await db.db
      .selectFrom("refund_requests")
      .select(["id"])
      .orderBy("id")
      .limit(2)
      .execute();
    expect(closed).toHaveLength(2);
    const [old, recent] = closed.map((c) => c.id);
    const author = await db.db
      .selectFrom("users")
      .select("id")
      .where("role", "=", "qa")
      .executeTakeFirstOrThrow();
    for (const id of [old!, recent!]) {
      await db.db
        .insertInto("messages")
        .values({
          id: `msg_retention_${id.slice(-12)}`,
          request_id: id,
          author_user_id: author.id,
          kind: "note",
          body: "A note kept for the retention period.",
          created_at: toDbInstant(now),
        })
        .execute();
    }
    const yearsAgo = (y: number) => toDbInstant(now - y * 366 * 86_400_000);
    await db.db
      .updateTable("refund_requests")
      .set({ closed_at: yearsAgo(6) })
      .where("id", "=", old!)
      .execute();
    await db.db
      .updateTable("refund_requests")
      .set({ closed_at: yearsAgo(4) })
      .where("id", "=", recent!)
      .execute();
    const files = await db.db
      .selectFrom("attachments")
      .select(["stored_name", "request_id"])
      .execute();
    const purged = await purgeClosedRequests(deps);
    expect(purged).toBeGreaterThanOrEqual(1);
    const left = async (id: string) =>
      (await db.db.selectFrom("messages").select("id").where("request_id", "=", id).execute())
        .length;
    expect(await left(old!)).toBe(0);
    expect(await left(recent!)).toBeGreaterThan(0);
    for (const f of files.filter((f) => f.request_id === old)) {
      await expect(readFile(join(dataDir, "attachments", f.stored_name))).rejects.toThrow();
    }
    const audit = await db.db
      .selectFrom("audit_events")
      .select(["summary"])
      .where("action", "=", "request.data_purged")
      .where("entity_id", "=", old!)
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.summary)).toMatchObject({ retentionYears: 5 });
    // Done once: a second run purges nothing new; the request and its payouts are still there.
    expect(await purgeClosedRequests(deps)).toBe(0);
    expect(
      await db.db.selectFrom("refund_requests").select("id").where("id", "=", old!).execute(),
    ).toHaveLength(1);
    // Two years on, the other one goes too.
    now += 2 * 366 * 86_400_000;
    expect(await purgeClosedRequests(deps)).toBeGreaterThanOrEqual(1);
    expect(await left(recent!)).toBe(0);
    expect((await verifyAudit(db.db)).ok).toBe(true);
  }, 60_000);
});

describe("a trail written before migration 0014 (chain 1)", () => {
  it("still verifies after the migration, and after an erasure redacted its entries", async () => {
    const t = await freshDatabase({ migrate: false });
    try {
      const to = await (await migrator(t.db)).migrateTo("0010-reports");
      expect(to.error).toBeUndefined();
      // A client contact and chain-1 entries about them, hashed by ADR 0007's rule.
      const client = {
        id: "cli_v1",
        name: "Old Client",
        email: null,
        created_at: toDbInstant(0),
        updated_at: toDbInstant(0),
      };
      await t.db.insertInto("clients").values(client).execute();
      const userId = "usr_v1contact";
      await t.db
        .insertInto("users")
        .values({
          id: userId,
          email: "vera@old.example",
          name: "Vera Old",
          role: "client",
          client_id: client.id,
          password_hash: "!",
          created_at: toDbInstant(0),
          updated_at: toDbInstant(0),
        } as never)
        .execute();
      let prev = GENESIS_HASH;
      const entries = [
        {
          actor: "system",
          action: "user.created",
          entity_type: "user",
          entity_id: userId,
          summary: { email: "vera@old.example", role: "client" },
          ip: null,
        },
        {
          actor: `user:${userId}`,
          action: "session.signed_in",
          entity_type: "user",
          entity_id: userId,
          summary: { expiresAt: "2030-01-01T00:00:00.000Z" },
          ip: "198.51.100.23",
        },
        {
          actor: "system",
          action: "client.created",
          entity_type: "client",
          entity_id: client.id,
          summary: { name: "Old Client" },
          ip: null,
        },
      ];
      for (const [i, e] of entries.entries()) {
        const row = {
          seq: i + 1,
          at: toDbInstant(1000 + i),
          actor: e.actor,
          action: e.action,
          entity_type: e.entity_type,
          entity_id: e.entity_id,
          summary: JSON.stringify(e.summary, Object.keys(e.summary).sort()),
          ip: e.ip,
          prev_hash: prev,
        };
        const hash = auditHash(row);
        await t.db
          .insertInto("audit_events")
          .values({ ...row, hash } as never)
          .execute();
        prev = hash;
      }
      await migrateToLatest(t.db);
      expect(await verifyAudit(t.db)).toMatchObject({
        ok: true,
        count: 3,
        headHash: prev,
        erased: 0,
      });

      const policy = loadPolicyFile();
      if (!policy.ok) throw new Error(policy.error.message);
      const dir = await mkdtemp(join(tmpdir(), "rd-v1-"));
      const deps = createAppDeps({
        db: t.db,
        dialect: t.dialect,
        policy: policy.value,
        clock: Date.now,
        dataDir: dir,
        attachments: localAttachmentStorage(t.db, dir),
      });
      const report = await eraseContact(deps, "system", userId);
      expect(report.auditEntries).toBe(2);
      const v = await verifyAudit(t.db);
      expect(v).toMatchObject({ ok: true, count: 4, erased: 2 });
      const text = JSON.stringify((await everyRow(t.db)).get("audit_events"));
      expect(text).not.toContain("vera@old.example");
      expect(text).not.toContain("198.51.100.23");
      // The client company's own entry is not the person's: untouched, still hashed as written.
      const untouched = await t.db
        .selectFrom("audit_events")
        .selectAll()
        .where("seq", "=", 3)
        .executeTakeFirstOrThrow();
      expect(untouched.erased_by).toBeNull();
      await rm(dir, { recursive: true, force: true });
    } finally {
      await t.close();
    }
  }, 60_000);
});
