// Readiness on the embedded database: once syncing the WAL has failed (ADR 0016), the database
// refuses everything and `/ready` answers 503, so an orchestrator takes the process out and
// restarts it.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppDeps } from "../app/context.js";
import { openDatabase, type OpenedDatabase } from "../db/connection.js";
import { migrateToLatest } from "../db/migrations/index.js";
import type { SyncFile } from "../db/wal-sync.js";
import { buildServer } from "./server.js";

describe("/ready after a failed WAL sync", () => {
  let dir: string;
  let opened: OpenedDatabase;
  let failSyncs = false;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "refund-desk-ready-"));
    const syncFile: SyncFile = (fd, done) => {
      if (!failSyncs) {
        done(null);
        return;
      }
      done(Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" }));
    };
    opened = await openDatabase({ dataDir: dir, syncFile });
    await migrateToLatest(opened.db);
  });

  afterEach(async () => {
    await opened.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it("answers 200 while the database works and 503 once a sync has failed", async () => {
    const deps = { db: opened.db, clock: Date.now } as unknown as AppDeps;
    const app = await buildServer(deps, { logger: false, routes: [] });
    try {
      expect((await app.inject({ method: "GET", url: "/ready" })).statusCode).toBe(200);
      failSyncs = true;
      const now = new Date().toISOString();
      await expect(
        sql`insert into clients (id, name, email, created_at, updated_at) values ('c1', 'C', null, ${now}, ${now})`.execute(
          opened.db,
        ),
      ).rejects.toThrow(/syncing the SQLite WAL failed/);
      const ready = await app.inject({ method: "GET", url: "/ready" });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ status: "unavailable" });
    } finally {
      await app.close();
    }
  });
});
