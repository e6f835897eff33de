// Backups of the embedded database (issue 17): `refund-desk db backup FILE` (the built CLI, in its
// own process, as an operator runs it) while the server runs and a stream of writes goes on (client
// messages, an attachment, a card refund through the worker); then `db restore` into an empty
// DATA_DIR. Every write acknowledged before the backup started is in the restored database, the
// attachment's bytes too, and `audit verify` passes on it. SQLite only: PostgreSQL is backed up
// with pg_dump (the command says so, tested below).

import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/connection.js";
import {
  serviceOptionsFromEnv,
  startService,
  type RunningService,
} from "../../src/service/start.js";
import { multipartBody } from "../support/api-world.js";
import { testDatabaseUrl } from "../support/database.js";
import { DIST, ensureDist, ROOT } from "../support/dist.js";

const PASSWORD = "demo-password-2026";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Runs the built CLI in its own process (the test's event loop keeps serving HTTP meanwhile). */
function cli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [join(DIST, "src", "cli", "main.js"), ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(testDatabaseUrl() !== undefined)("db backup and restore (SQLite)", () => {
  let dir = "";
  let s: RunningService;

  beforeAll(async () => {
    ensureDist();
    dir = await mkdtemp(join(tmpdir(), "rd-backup-"));
    const env = serviceOptionsFromEnv({ PORT: "0", DATA_DIR: join(dir, "live") });
    s = await startService({ ...env, demo: true, logger: false, workerIdleMs: 20 });
  }, 120_000);

  afterAll(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const session = async (email: string) => {
    const r = await fetch(`${s.url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(r.status).toBe(200);
    const { csrfToken } = (await r.json()) as { csrfToken: string };
    return {
      cookie: (r.headers.get("set-cookie") ?? "").split(";")[0]!,
      "x-csrf-token": csrfToken,
    };
  };
  const call = async (h: Record<string, string>, method: string, path: string, body?: unknown) => {
    const r = await fetch(`${s.url}/api/v1${path}`, {
      method,
      headers: { ...h, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text === "" ? null : (JSON.parse(text) as Json);
  };

  it("backs up during a stream of writes; the restore holds every committed write and verifies", async () => {
    const alice = await session("alice@acme.example");
    const quinn = await session("quinn@prosphere.example");
    const fran = await session("fran@prosphere.example");
    const finn = await session("finn@prosphere.example");
    const list = await call(quinn, "GET", "/requests?limit=100");
    const on = (order: string) => (list.items as Json[]).find((r) => r.orderId === order);
    const open = on("ORD-1005");
    // An attachment: its bytes must come back from the backup.
    const bytes = `Receipt ${Date.now()}: the kick-off never happened.\n`;
    const upload = multipartBody([{ name: "receipt.txt", content: bytes, type: "text/plain" }]);
    const up = await fetch(`${s.url}/api/v1/requests/${open.id}/attachments`, {
      method: "POST",
      headers: { ...alice, ...upload.headers },
      body: upload.payload,
    });
    expect(up.status).toBe(201);
    const attachment = ((await up.json()) as Json).items[0];
    // A card refund on its way through the worker.
    const r1001 = await call(quinn, "GET", `/requests/${on("ORD-1001").id}`);
    const reviewed = await call(quinn, "POST", `/requests/${r1001.id}/start-review`, {
      expectedVersion: r1001.version,
    });
    await call(quinn, "POST", `/requests/${r1001.id}/approve`, {
      expectedVersion: reviewed.version,
      amount: r1001.recommendation.amount,
    });
    const [payout] = (await call(fran, "GET", `/payouts?requestId=${r1001.id}`)).items as Json[];
    let a = await call(fran, "POST", `/payouts/${payout.id}/approve`, {
      expectedVersion: payout.version,
    });
    if (!a.released) {
      a = await call(finn, "POST", `/payouts/${payout.id}/approve`, {
        expectedVersion: a.version,
      });
    }

    // The stream: four writers post messages, each acknowledged one noted with its time.
    const acked: { id: string; at: number }[] = [];
    let go = true;
    const writer = async (w: number) => {
      for (let i = 0; go; i++) {
        const m = await call(alice, "POST", `/requests/${open.id}/messages`, {
          body: `writer ${w} message ${i}`,
        });
        acked.push({ id: m.id as string, at: Date.now() });
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await new Promise((r) => setTimeout(r, 300));

    const payoutsBefore = (await call(fran, "GET", "/payouts?limit=100")).items.map(
      (p: Json) => p.id as string,
    );
    const startedAt = Date.now();
    const file = join(dir, "backups", "refund-desk.sqlite");
    const backup = await cli(["db", "backup", file], { DATA_DIR: join(dir, "live") });
    const endedAt = Date.now();
    await new Promise((r) => setTimeout(r, 100));
    go = false;
    await Promise.all(writers);
    expect(backup.stderr).toBe("");
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(
      /^backed up to .*; integrity ok; audit trail intact: \d+ entries/,
    );
    const before = acked.filter((m) => m.at < startedAt);
    const during = acked.filter((m) => m.at >= startedAt && m.at <= endedAt);
    expect(before.length).toBeGreaterThan(10);
    // Writes went on while the backup ran (it did not stop the server).
    expect(during.length).toBeGreaterThan(0);

    // A second backup to the same name is refused; nothing is overwritten.
    const again = await cli(["db", "backup", file], { DATA_DIR: join(dir, "live") });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists: choose a new file name/);

    // Restore into an empty DATA_DIR.
    const restored = join(dir, "restored");
    const r = await cli(["db", "restore", file], { DATA_DIR: restored });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^restored .*: 1 attachments; integrity ok; audit trail intact/);
    const verify = await cli(["audit", "verify"], { DATA_DIR: restored });
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^audit trail intact: \d+ entries/);

    const db = await openDatabase({ dataDir: restored });
    try {
      const messages = new Set(
        (await db.db.selectFrom("messages").select("id").execute()).map((m) => m.id),
      );
      expect(before.filter((m) => !messages.has(m.id))).toEqual([]);
      const payouts = new Set(
        (await db.db.selectFrom("payouts").select("id").execute()).map((p) => p.id),
      );
      expect(payoutsBefore.filter((id: string) => !payouts.has(id))).toEqual([]);
      expect(payouts.has(payout.id)).toBe(true);
      const requests = await db.db.selectFrom("refund_requests").select("id").execute();
      expect(requests.map((q) => q.id)).toEqual(expect.arrayContaining([open.id, r1001.id]));
      const row = await db.db
        .selectFrom("attachments")
        .select("stored_name")
        .where("id", "=", attachment.id)
        .executeTakeFirstOrThrow();
      expect(await readFile(join(restored, "attachments", row.stored_name), "utf8")).toBe(bytes);
    } finally {
      await db.close();
    }

    // Restore refuses a DATA_DIR that holds a database.
    const over = await cli(["db", "restore", file], { DATA_DIR: restored });
    expect(over.code).toBe(1);
    expect(over.stderr).toMatch(/already holds a database/);
  }, 120_000);

  it("a damaged backup is refused before anything is restored", async () => {
    const bad = join(dir, "bad.sqlite");
    await writeFile(bad, "not a database at all");
    const r = await cli(["db", "restore", bad], { DATA_DIR: join(dir, "never") });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^refund-desk: /);
  });

  it("on PostgreSQL the commands point to pg_dump", async () => {
    const r = await cli(["db", "backup", join(dir, "x.sqlite")], {
      DATABASE_URL: "postgresql://nobody@127.0.0.1:1/none",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pg_dump/);
  });
});
