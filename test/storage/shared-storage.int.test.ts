// Attachments in shared storage (issue 21, ADR 0031), across servers and processes.
//
// - Two servers with separate DATA_DIRs on one PostgreSQL: a client uploads through the first and
//   downloads through the second, on `database` and on `s3` (s3rver, started here); neither
//   server's DATA_DIR holds an attachment afterwards. PostgreSQL only (SQLite is one process).
// - A process killed between the object written and its row committed leaves no row and an
//   orphan object, which the sweep removes once it is a day old (and not before); both databases,
//   every store (one process each, run side by side).

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { verifyAttachments } from "../../src/app/attachments/move-attachments.js";
import type { StorageKind } from "../../src/app/attachments/store.js";
import { sweepOrphanAttachments } from "../../src/app/attachments/sweep-orphans.js";
import { startService, type RunningService } from "../../src/service/start.js";
import { localAttachmentStorage, openAttachmentStorage } from "../../src/storage/index.js";
import { freshDatabase, testDatabaseUrl, type TestDatabase } from "../support/database.js";
import { clientRow, orderRow, requestRow, userRow } from "../support/db-rows.js";
import {
  appDeps,
  clientWithRequest,
  DAY,
  keysIn,
  PASSWORD,
  settings,
  sha256,
  useTestS3,
} from "../support/storage-world.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const world = useTestS3();

describe.skipIf(testDatabaseUrl() === undefined)(
  "two servers with separate DATA_DIRs on one PostgreSQL",
  () => {
    describe.each(["database", "s3"] as const)("on %s storage", (kind) => {
      let db: TestDatabase;
      const dirs: string[] = [];
      const servers: RunningService[] = [];

      beforeAll(async () => {
        db = await freshDatabase();
        world.newPrefix();
        for (let i = 0; i < 2; i++) {
          const dataDir = await mkdtemp(join(tmpdir(), `rd-shared-${i}-`));
          dirs.push(dataDir);
          servers.push(
            await startService({
              port: 0,
              host: "127.0.0.1",
              database: db.options,
              dataDir,
              storage: settings(kind),
              demo: false,
              secureCookies: false,
              logger: false,
              worker: false,
              stripe: { kind: "none", why: "not needed here" },
              webRoot: null,
            }),
          );
        }
      }, 60_000);

      afterAll(async () => {
        for (const s of servers) await s.stop();
        await db?.close();
        for (const d of dirs) await rm(d, { recursive: true, force: true });
      });

      it("a file uploaded through one server downloads through the other, byte for byte", async () => {
        const storage = localAttachmentStorage(db.db, "/nonexistent");
        const who = await clientWithRequest(db, appDeps(db, storage));
        const [first, second] = servers.map((s) => s.url);
        // Sessions live in the database: signed in on the first, accepted by the second.
        const signIn = await fetch(`${first}/api/v1/session`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: who.email, password: PASSWORD }),
        });
        expect(signIn.status).toBe(200);
        const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
        const { csrfToken } = (await signIn.json()) as { csrfToken: string };

        // Large enough for several database chunks (512 KiB) and two S3 parts (5 MiB).
        const pdf = Buffer.concat([
          Buffer.from("%PDF-1.4\n", "latin1"),
          randomBytes(6 * 1024 * 1024),
          Buffer.from("\n%%EOF\n", "latin1"),
        ]);
        const form = new FormData();
        form.append("files", new Blob([pdf], { type: "application/pdf" }), "statement.pdf");
        const up = await fetch(`${first}/api/v1/requests/${who.requestId}/attachments`, {
          method: "POST",
          headers: { cookie, "x-csrf-token": csrfToken },
          body: form,
        });
        expect(up.status, await up.clone().text()).toBe(201);
        const [item] = ((await up.json()) as { items: { id: string; sha256: string }[] }).items;
        expect(item!.sha256).toBe(sha256(pdf));

        const down = await fetch(`${second}/api/v1/attachments/${item!.id}`, {
          headers: { cookie },
        });
        expect(down.status).toBe(200);
        expect(down.headers.get("content-type")).toBe("application/pdf");
        const got = Buffer.from(await down.arrayBuffer());
        expect(got.length).toBe(pdf.length);
        expect(sha256(got)).toBe(sha256(pdf));

        // The row names the shared store; no server keeps a copy of its own.
        const row = await db.db
          .selectFrom("attachments")
          .select("storage")
          .where("id", "=", item!.id)
          .executeTakeFirstOrThrow();
        expect(row.storage).toBe(kind);
        for (const d of dirs) {
          expect(await readdir(join(d, "attachments")).catch(() => [])).toEqual([]);
        }
      }, 60_000);
    });
  },
);

describe("a crash between the object written and its row committed", () => {
  let db: TestDatabase;
  let dataDir: string;
  beforeEach(async () => {
    db = await freshDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "rd-crash-"));
  });
  afterEach(async () => {
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  function crashChild(kind: StorageKind, requestId: string, userId: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          "--import",
          "./test/support/register-ts.js",
          "test/support/attachment-crash-child.ts",
          JSON.stringify(db.options),
          JSON.stringify(settings(kind)),
          dataDir,
          requestId,
          userId,
        ],
        { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      let err = "";
      child.stdout.on("data", (c: Buffer) => (out += c.toString()));
      child.stderr.on("data", (c: Buffer) => (err += c.toString()));
      child.on("error", reject);
      child.on("exit", (code, signal) =>
        signal === "SIGKILL"
          ? resolve(out.trim())
          : reject(new Error(`child exited ${code} ${signal}: ${err}`)),
      );
    });
  }

  it("on every store: no row without bytes, and the orphans are swept once a day old", async () => {
    // Reaches all three stores (the current one does not matter to the sweep).
    const storage = openAttachmentStorage(settings("local"), { db: db.db, dataDir });
    try {
      const deps = appDeps(db, storage);
      const client = clientRow();
      await db.db.insertInto("clients").values(client).execute();
      const user = userRow({ role: "client", client_id: client.id });
      await db.db.insertInto("users").values(user).execute();
      const order = orderRow(client.id);
      await db.db.insertInto("orders").values(order).execute();
      const request = requestRow(order);
      await db.db.insertInto("refund_requests").values(request).execute();

      // One process per store, side by side, each killed inside its transaction.
      const kinds = ["local", "database", "s3"] as const;
      const keys = await Promise.all(kinds.map((k) => crashChild(k, request.id, user.id)));
      for (const key of keys) expect(key).toMatch(/^att_/);
      // The transactions died with the processes: no row, and every row there is has its bytes.
      expect(await db.db.selectFrom("attachments").select("id").execute()).toEqual([]);
      expect(await verifyAttachments(deps)).toEqual({ checked: 0, problems: [] });
      // Each object is there, named by no row.
      const inStores = async () => Promise.all(kinds.map((k) => keysIn(storage, k)));
      expect(await inStores()).toEqual(keys.map((k) => [k]));

      // Younger than a day: left alone (an upload may still be committing).
      expect(await sweepOrphanAttachments(deps, { now: Date.now() })).toBe(0);
      expect(await inStores()).toEqual(keys.map((k) => [k]));
      // A day later: gone.
      expect(await sweepOrphanAttachments(deps, { now: Date.now() + DAY + 60_000 })).toBe(3);
      expect(await inStores()).toEqual([[], [], []]);
    } finally {
      storage.close();
    }
  }, 60_000);
});
