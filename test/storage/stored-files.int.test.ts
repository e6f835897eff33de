// Attachments in shared storage (issue 21, ADR 0031): what works on the stored files.
//
// - `attachments move` interrupted (between the copy and the row's switch, or after a file was
//   moved) and run again moves every file once; `attachments verify` and the CLI see the result.
// - The worker's sweep, a contact's export and erasure reach files through the store.
// Both databases; s3 against s3rver.

import { randomBytes } from "node:crypto";
import { mkdtemp, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { digestOf } from "../../src/app/attachments/copy.js";
import { moveAttachments, verifyAttachments } from "../../src/app/attachments/move-attachments.js";
import { insertAttachment } from "../../src/app/attachments/repository.js";
import { removeUncommitted } from "../../src/app/attachments/upload-attachments.js";
import type { AppDeps } from "../../src/app/context.js";
import { eraseContact } from "../../src/app/privacy/erase-contact.js";
import { exportContact } from "../../src/app/privacy/export-contact.js";
import { backupSqlite } from "../../src/db/backup.js";
import { newId } from "../../src/db/ids.js";
import { openAttachmentStorage, type OpenedAttachmentStorage } from "../../src/storage/index.js";
import { createWorker } from "../../src/worker/worker.js";
import { run } from "../support/cli.js";
import { freshDatabase, testDatabaseUrl, type TestDatabase } from "../support/database.js";
import { clientRow, orderRow, requestRow, userRow } from "../support/db-rows.js";
import {
  appDeps,
  clientWithRequest,
  DAY,
  keysIn,
  settings,
  sha256,
  useTestS3,
} from "../support/storage-world.js";

const world = useTestS3();

describe("attachments move and verify", () => {
  let db: TestDatabase;
  let dataDir: string;
  let storage: OpenedAttachmentStorage;
  let deps: AppDeps;
  const saved = { ...process.env };

  beforeEach(async () => {
    db = await freshDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "rd-move-"));
    storage = openAttachmentStorage(settings("local"), { db: db.db, dataDir });
    deps = appDeps(db, storage);
    // The CLI reads the same database and stores from the environment.
    if (db.options.databaseUrl !== undefined) {
      process.env["DATABASE_URL"] = db.options.databaseUrl;
      process.env["DATABASE_SCHEMA"] = db.options.schema ?? "";
    } else {
      delete process.env["DATABASE_URL"];
    }
    process.env["DATA_DIR"] = db.options.dataDir ?? dataDir;
    Object.assign(process.env, world.s3().env, {
      ATTACHMENT_STORAGE: "local",
      S3_PREFIX: world.prefix(),
    });
  });
  afterEach(async () => {
    process.env = { ...saved };
    storage.close();
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** `n` attachments with their bytes in the local store; returns id -> bytes. */
  async function localFiles(n: number): Promise<Map<string, Buffer>> {
    const client = clientRow();
    await db.db.insertInto("clients").values(client).execute();
    const user = userRow({ role: "client", client_id: client.id });
    await db.db.insertInto("users").values(user).execute();
    const order = orderRow(client.id);
    await db.db.insertInto("orders").values(order).execute();
    const request = requestRow(order);
    await db.db.insertInto("refund_requests").values(request).execute();
    const files = new Map<string, Buffer>();
    const local = storage.stores.find((s) => s.kind === "local")!;
    for (let i = 0; i < n; i++) {
      const id = newId("att");
      const bytes = randomBytes(100_000 + i * 300_000);
      await local.put(id, Readable.from([bytes]));
      await db.db.transaction().execute((trx) =>
        insertAttachment(trx, {
          id,
          request_id: request.id,
          uploaded_by: user.id,
          original_name: `f${i}.bin`,
          stored_name: id,
          content_type: "application/pdf",
          size_bytes: bytes.length,
          sha256: sha256(bytes),
          created_at: new Date(Date.now() + i).toISOString(),
          storage: "local",
        }),
      );
      files.set(id, bytes);
    }
    return files;
  }

  async function storageOfRows(): Promise<Record<string, string>> {
    const rows = await db.db.selectFrom("attachments").select(["id", "storage"]).execute();
    return Object.fromEntries(rows.map((r) => [r.id, r.storage]));
  }

  async function movedEvents(): Promise<string[]> {
    const rows = await db.db
      .selectFrom("audit_events")
      .select("entity_id")
      .where("action", "=", "attachment.moved")
      .execute();
    return rows.map((r) => r.entity_id).sort();
  }

  it("interrupted and resumed, moves every file once (local -> database -> s3)", async () => {
    const files = await localFiles(5);
    const ids = [...files.keys()].sort();

    // Interrupted between the third file's copy and its row's switch.
    let copied = 0;
    await expect(
      moveAttachments(deps, {
        to: "database",
        onStep: (step) => {
          if (step === "copied" && ++copied === 3) throw new Error("interrupted");
        },
      }),
    ).rejects.toThrow("interrupted");
    const midway = await storageOfRows();
    expect(Object.values(midway).filter((s) => s === "database")).toHaveLength(2);
    expect(await movedEvents()).toHaveLength(2);
    // Every row still has its bytes where it says.
    expect((await verifyAttachments(deps)).problems).toEqual([]);

    const resumed = await moveAttachments(deps, { to: "database" });
    expect(resumed).toMatchObject({ moved: 3, failed: [] });
    expect(await movedEvents()).toEqual(ids);
    expect(Object.values(await storageOfRows())).toEqual(Array(5).fill("database"));
    expect(await keysIn(storage, "local")).toEqual([]);
    expect(await keysIn(storage, "database")).toEqual(ids);
    for (const [id, bytes] of files) {
      const db2 = storage.stores.find((s) => s.kind === "database")!;
      expect((await digestOf(await db2.open(id))).sha256).toBe(sha256(bytes));
    }
    // Nothing left to move.
    expect(await moveAttachments(deps, { to: "database" })).toMatchObject({ moved: 0 });

    // On to S3, interrupted right after the second file was moved; the CLI resumes.
    let moved = 0;
    await expect(
      moveAttachments(deps, {
        to: "s3",
        onStep: (step) => {
          if (step === "moved" && ++moved === 2) throw new Error("interrupted");
        },
      }),
    ).rejects.toThrow("interrupted");
    const cli = await run(["attachments", "move", "--to", "s3"]);
    expect(cli.stderr).toBe("");
    expect(cli.stdout).toMatch(/^attachments move --to s3: 3 moved \(\d+ bytes\), 0 not moved\n$/);
    expect(cli.code).toBe(0);
    expect(Object.values(await storageOfRows())).toEqual(Array(5).fill("s3"));
    expect(await keysIn(storage, "database")).toEqual([]);
    expect(await keysIn(storage, "s3")).toEqual(ids);
    // Two moves per file in all: once to the database, once to S3.
    const events = await movedEvents();
    expect(events).toEqual([...ids, ...ids].sort());

    const verified = await run(["attachments", "verify"]);
    expect(verified.stdout).toBe("attachments verify: 5 checked, all present and intact\n");
    expect(verified.code).toBe(0);
  }, 60_000);

  it("a file whose bytes differ or are missing is not moved, and verify names it", async () => {
    const files = await localFiles(3);
    const [a, b] = [...files.keys()];
    const local = storage.stores.find((s) => s.kind === "local")!;
    await local.put(a!, Readable.from([Buffer.from("not what was uploaded")]));
    await local.delete(b!);

    const summary = await moveAttachments(deps, { to: "database" });
    expect(summary.moved).toBe(1);
    expect(summary.failed.map((f) => f.id).sort()).toEqual([a, b].sort());
    expect(summary.failed.find((f) => f.id === b)?.problem).toBe("bytes missing");
    const rows = await storageOfRows();
    expect([rows[a!], rows[b!]]).toEqual(["local", "local"]);
    // The altered copy did not stay in the target.
    expect(await keysIn(storage, "database")).toHaveLength(1);

    const verify = await run(["attachments", "verify"]);
    expect(verify.code).toBe(3);
    expect(verify.stdout).toBe("attachments verify: 3 checked, 2 with problems\n");
    expect(verify.stderr).toContain(`${a} (local): `);
    expect(verify.stderr).toContain(`${b} (local): bytes missing`);

    const cli = await run(["attachments", "move", "--to", "database"]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(`${b} (local): bytes missing`);
    const bad = await run(["attachments", "move", "--to", "local"]);
    expect(bad.code).toBe(2);
  }, 60_000);
});

describe("the rest of the app reaches files through the store", () => {
  let db: TestDatabase;
  let dataDir: string;
  beforeEach(async () => {
    db = await freshDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "rd-store-"));
  });
  afterEach(async () => {
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("the worker's sweep removes day-old orphans of the local and database stores", async () => {
    const storage = openAttachmentStorage(settings("database"), { db: db.db, dataDir });
    try {
      const deps = appDeps(db, storage);
      const [local, database] = ["local", "database"].map((k) =>
        storage.stores.find((s) => s.kind === k)!,
      );
      const old = newId("att");
      const fresh = newId("att");
      for (const store of [local!, database!]) {
        await store.put(old, Readable.from([Buffer.from("left by a crash")]));
        await store.put(fresh, Readable.from([Buffer.from("an upload committing now")]));
      }
      // Two days old: the file's mtime, the object's created_at.
      const twoDaysAgo = new Date(Date.now() - 2 * DAY);
      await utimes(join(dataDir, "attachments", old), twoDaysAgo, twoDaysAgo);
      await db.db
        .updateTable("attachment_objects")
        .set({ created_at: twoDaysAgo.toISOString() })
        .where("key", "=", old)
        .execute();
      const worker = createWorker(deps, {
        cardProvider: null,
        autoStart: false,
        simulations: false,
      });
      await worker.tick();
      expect(worker.counts.orphansRemoved).toBe(2);
      expect(await keysIn(storage, "local")).toEqual([fresh]);
      expect(await keysIn(storage, "database")).toEqual([fresh]);
    } finally {
      storage.close();
    }
  }, 30_000);

  it.each(["database", "s3"] as const)(
    "on %s: a contact's export carries the file, erasure deletes it",
    async (kind) => {
      const storage = openAttachmentStorage(settings(kind), { db: db.db, dataDir });
      try {
        const deps = appDeps(db, storage);
        const who = await clientWithRequest(db, deps);
        const bytes = randomBytes(600_000);
        const id = newId("att");
        await storage.current.put(id, Readable.from([bytes]));
        await db.db.transaction().execute((trx) =>
          insertAttachment(trx, {
            id,
            request_id: who.requestId,
            uploaded_by: who.userId,
            original_name: "proof.pdf",
            stored_name: id,
            content_type: "application/pdf",
            size_bytes: bytes.length,
            sha256: sha256(bytes),
            created_at: new Date().toISOString(),
            storage: kind,
          }),
        );
        const archive = await exportContact(deps, "system", who.userId, { mailDir: dataDir });
        const file = (archive as { attachments: { id: string; contentBase64: string | null }[] })
          .attachments[0]!;
        expect(file.id).toBe(id);
        expect(Buffer.from(file.contentBase64!, "base64").equals(bytes)).toBe(true);

        const report = await eraseContact(deps, "system", who.userId, { mailDir: dataDir });
        expect(report.attachments).toBe(1);
        expect(await keysIn(storage, kind)).toEqual([]);
      } finally {
        storage.close();
      }
    },
    30_000,
  );

  it.skipIf(testDatabaseUrl() !== undefined)(
    "SQLite's db backup checks a database-stored file in the copy, and refuses one missing",
    async () => {
      const storage = openAttachmentStorage(settings("database"), {
        db: db.db,
        dataDir: db.options.dataDir!,
      });
      try {
        const who = await clientWithRequest(db, appDeps(db, storage));
        const bytes = randomBytes(1_200_000);
        const add = async (id: string) =>
          db.db.transaction().execute((trx) =>
            insertAttachment(trx, {
              id,
              request_id: who.requestId,
              uploaded_by: who.userId,
              original_name: "in-the-database.pdf",
              stored_name: id,
              content_type: "application/pdf",
              size_bytes: bytes.length,
              sha256: sha256(bytes),
              created_at: new Date().toISOString(),
              storage: "database",
            }),
          );
        const kept = newId("att");
        await storage.current.put(kept, Readable.from([bytes]));
        await add(kept);
        const check = await backupSqlite(db.options.dataDir!, join(dataDir, "ok.sqlite"));
        expect(check.attachments).toBe(1);

        // A row whose object is gone: the copy fails its check and gets no name.
        await add(newId("att"));
        await expect(
          backupSqlite(db.options.dataDir!, join(dataDir, "broken.sqlite")),
        ).rejects.toThrow(/is missing/);
      } finally {
        storage.close();
      }
    },
    30_000,
  );

  it("a failed upload's cleanup keeps any object whose row exists after all", async () => {
    const storage = openAttachmentStorage(settings("database"), { db: db.db, dataDir });
    try {
      const deps = appDeps(db, storage);
      const who = await clientWithRequest(db, deps);
      const [committed, lost] = [newId("att"), newId("att")];
      const bytes = Buffer.from("%PDF-1.4\n");
      for (const key of [committed, lost]) {
        await storage.current.put(key, Readable.from([bytes]));
      }
      // The first one's commit went through although its answer never came back.
      await db.db.transaction().execute((trx) =>
        insertAttachment(trx, {
          id: committed,
          request_id: who.requestId,
          uploaded_by: who.userId,
          original_name: "a.pdf",
          stored_name: committed,
          content_type: "application/pdf",
          size_bytes: bytes.length,
          sha256: sha256(bytes),
          created_at: new Date().toISOString(),
          storage: "database",
        }),
      );
      await removeUncommitted(deps, [committed, lost]);
      expect(await keysIn(storage, "database")).toEqual([committed]);
      expect(await verifyAttachments(deps)).toEqual({ checked: 1, problems: [] });
    } finally {
      storage.close();
    }
  }, 30_000);
});
