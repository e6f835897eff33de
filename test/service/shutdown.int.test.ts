// Clean shutdown (issue 17): `npm start` as an operator runs it (npm -> node, the demo company,
// the in-process worker and Stripe stand-in), under a stream of reads and writes while card
// payouts are being sent. SIGTERM to npm: every request answered before the listener closed is
// answered with its real status (never 5xx), no payout is left `submitting`, the server process
// is gone (not orphaned behind npm), and it exits 0 within 10 s. SQLite: this is the embedded
// default `npm start` runs; PostgreSQL servers stop through the same `stop()`.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/connection.js";
import { ensureDist, ROOT } from "../support/dist.js";

const PASSWORD = "demo-password-2026";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let dir = "";
let npm: ChildProcess | undefined;
let out = "";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The children of a process (Linux /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => "");
  return text
    .trim()
    .split(/\s+/)
    .filter((s) => s !== "")
    .map(Number);
}

beforeAll(async () => {
  ensureDist();
  dir = await mkdtemp(join(tmpdir(), "rd-shutdown-"));
}, 120_000);

afterAll(async () => {
  if (npm?.pid !== undefined && npm.exitCode === null) npm.kill("SIGKILL");
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("SIGTERM to npm start", () => {
  it("finishes in-flight work: no 5xx, no payout left submitting, no process left, exit 0 within 10 s", async () => {
    npm = spawn("npm", ["start", "--silent"], {
      cwd: ROOT,
      // The embedded database `npm start` runs on, whatever database the test run uses.
      env: {
        ...process.env,
        DATABASE_URL: "",
        DATABASE_SCHEMA: "",
        DATA_DIR: dir,
        PORT: "0",
        LOG_LEVEL: "warn",
        NODE_ENV: "test",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((r) => npm!.once("exit", (code) => r(code)));
    const url = await new Promise<string>((resolve, reject) => {
      npm!.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /running on (http:\/\/[^\s]+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      npm!.stderr!.on("data", (c: Buffer) => (out += c.toString()));
      void exited.then((code) => reject(new Error(`npm start exited ${code}: ${out}`)));
    });
    // npm runs the server as its child (exec: no shell between them).
    const [server] = await childrenOf(npm.pid!);
    expect(server, out).toBeDefined();

    const signIn = async (email: string) => {
      const r = await fetch(`${url}/api/v1/session`, {
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
    const quinn = await signIn("quinn@prosphere.example");
    const fran = await signIn("fran@prosphere.example");
    const finn = await signIn("finn@prosphere.example");
    const alice = await signIn("alice@acme.example");
    const call = async (
      h: Record<string, string>,
      method: string,
      path: string,
      body?: unknown,
    ) => {
      const r = await fetch(`${url}/api/v1${path}`, {
        method,
        headers: { ...h, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await r.text();
      return { status: r.status, body: text === "" ? null : (JSON.parse(text) as Json) };
    };

    // Card payouts to release right before the signal: the two demo card refunds.
    const list = await call(quinn, "GET", "/requests?limit=100");
    const byOrder = new Map<string, Json>(
      (list.body.items as Json[]).map((i) => [i.orderId as string, i]),
    );
    const r1001 = (await call(quinn, "GET", `/requests/${byOrder.get("ORD-1001").id}`)).body;
    const reviewed = await call(quinn, "POST", `/requests/${r1001.id}/start-review`, {
      expectedVersion: r1001.version,
    });
    expect(reviewed.status).toBe(200);
    const approved = await call(quinn, "POST", `/requests/${r1001.id}/approve`, {
      expectedVersion: reviewed.body.version,
      amount: r1001.recommendation.amount,
    });
    expect(approved.status).toBe(200);
    const payouts = (await call(fran, "GET", "/payouts?limit=100")).body.items as Json[];
    const card = payouts.filter((p) => p.method === "card" && p.status === "scheduled");
    expect(card.length).toBeGreaterThan(0);

    // Alice's request still open (a client writes only on open requests).
    const open = byOrder.get("ORD-1005");
    // The load: 12 loops of reads and writes (client messages) until the server stops answering.
    const statuses: number[] = [];
    const refused: string[] = [];
    let go = true;
    const loop = async (i: number) => {
      while (go) {
        try {
          const r =
            i % 3 === 0
              ? await call(alice, "POST", `/requests/${open.id}/messages`, {
                  body: `Load message ${i} at ${Date.now()}`,
                })
              : await call(
                  i % 2 === 0 ? quinn : fran,
                  "GET",
                  i % 2 === 0 ? "/requests?limit=50" : "/payouts?limit=50",
                );
          statuses.push(r.status);
        } catch (e) {
          // Once the listener is closed a new connection is refused: that is not an answer.
          refused.push(String((e as Error).cause ?? e));
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const loops = Array.from({ length: 12 }, (_, i) => loop(i));
    await new Promise((r) => setTimeout(r, 500));
    // Release the card payouts (four-eyes where needed): the worker starts sending them.
    for (const p of card) {
      let a = await call(fran, "POST", `/payouts/${p.id}/approve`, { expectedVersion: p.version });
      if (a.status === 200 && !a.body.released) {
        a = await call(finn, "POST", `/payouts/${p.id}/approve`, {
          expectedVersion: a.body.version,
        });
      }
      expect(a.status).toBe(200);
    }
    const answeredBefore = statuses.length;
    const sent = Date.now();
    npm.kill("SIGTERM");
    const code = await exited;
    const took = Date.now() - sent;
    go = false;
    await Promise.all(loops);

    expect(code, out).toBe(0);
    expect(took).toBeLessThan(10_000);
    expect(out).toMatch(/SIGTERM: stopping the server/);
    expect(out).toMatch(/the server stopped/);
    expect(answeredBefore).toBeGreaterThan(20);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(new Set(statuses.filter((s) => s >= 300))).toEqual(new Set());
    // No process left behind: npm and its server child are gone.
    expect(alive(npm.pid!)).toBe(false);
    expect(alive(server!)).toBe(false);

    // Nothing half-done: no payout `submitting`, no lease held.
    const opened = await openDatabase({ dataDir: dir });
    try {
      const rows = await opened.db
        .selectFrom("payouts")
        .select(["id", "status", "claimed_by"])
        .where("method", "=", "card")
        .execute();
      expect(rows.filter((r) => r.status === "submitting")).toEqual([]);
      expect(rows.filter((r) => r.claimed_by !== null)).toEqual([]);
      const leased = await opened.db
        .selectFrom("outbox")
        .select("id")
        .where("claimed_by", "is not", null)
        .execute();
      expect(leased).toEqual([]);
    } finally {
      await opened.close();
    }
  }, 90_000);
});
