// Backups of the embedded database (issue 17): `refund-desk db backup FILE` copies the SQLite
// database while the server runs and writes, through SQLite's online backup API (better-sqlite3's
// `.backup()`), checks the copy (`PRAGMA integrity_check`, the audit chain recomputed) and copies
// the attachments beside it (`FILE.attachments/`); `refund-desk db restore FILE` puts such a backup
// into an empty DATA_DIR. PostgreSQL is backed up with pg_dump (docs/operations.md).
//
// The copy is one snapshot: after its first step the backup transfers every remaining page in one
// `sqlite3_backup_step`, under one read transaction, so the server's writes (other connections)
// neither tear it nor make it restart. Attachments are copied after the snapshot: every attachment
// row in it has its file (files are written before their row commits); a file of a later upload
// may come along, unused.

import { existsSync } from "node:fs";
import { copyFile, cp, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { verifyAudit, type AuditVerification } from "./audit.js";
import { SQLITE_FILE } from "./connection.js";
import type { Database } from "./schema.js";

/** Where a backup's attachments go: beside the file. */
export function backupAttachmentsDir(file: string): string {
  return `${file}.attachments`;
}

export interface BackupCheck {
  /** The database file's size in bytes. */
  readonly bytes: number;
  /** Attachment rows in the copy, every one with its file. */
  readonly attachments: number;
  /** The audit chain recomputed on the copy. */
  readonly audit: Extract<AuditVerification, { ok: true }>;
}

/** A backup (or restore) that must not be used: the reason in words. */
export class BackupError extends Error {}

/**
 * Copies `dataDir`'s database to `file` (which must not exist) and its attachments to
 * `file.attachments/`, then checks the copy. Safe while the server runs.
 */
export async function backupSqlite(dataDir: string, file: string): Promise<BackupCheck> {
  const source = join(dataDir, SQLITE_FILE);
  if (!existsSync(source)) throw new BackupError(`no database at ${source}`);
  if (existsSync(file)) throw new BackupError(`${file} exists: choose a new file name`);
  if (existsSync(backupAttachmentsDir(file))) {
    throw new BackupError(`${backupAttachmentsDir(file)} exists: choose a new file name`);
  }
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  await rm(partial, { force: true });
  const db = new SqliteDatabase(source, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    // After the first step, everything left in one step: one snapshot, no restart (see above).
    await db.backup(partial, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
  // One self-contained file (no -wal beside it); the service turns WAL on again when it opens it.
  const copy = new SqliteDatabase(partial, { fileMustExist: true });
  try {
    copy.pragma("journal_mode = DELETE");
  } finally {
    copy.close();
  }
  try {
    await copyAttachments(join(dataDir, "attachments"), `${partial}.attachments`);
    const check = await checkBackup(partial, `${partial}.attachments`);
    await rename(`${partial}.attachments`, backupAttachmentsDir(file));
    await rename(partial, file);
    return check;
  } catch (e) {
    await rm(partial, { force: true });
    await rm(`${partial}.attachments`, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Restores the backup `file` (and `file.attachments/`) into `dataDir`, which must hold no
 * database and no attachments. The backup is checked before anything is written.
 */
export async function restoreSqlite(file: string, dataDir: string): Promise<BackupCheck> {
  if (!existsSync(file)) throw new BackupError(`no backup at ${file}`);
  const target = join(dataDir, SQLITE_FILE);
  for (const f of [target, `${target}-wal`, `${target}-shm`]) {
    if (existsSync(f)) {
      throw new BackupError(`${dataDir} already holds a database: restore into an empty DATA_DIR`);
    }
  }
  const attachments = join(dataDir, "attachments");
  if (existsSync(attachments) && (await readdir(attachments)).length > 0) {
    throw new BackupError(`${attachments} is not empty: restore into an empty DATA_DIR`);
  }
  const from = backupAttachmentsDir(file);
  await checkBackup(file, from);
  await mkdir(dataDir, { recursive: true });
  await copyFile(file, `${target}.partial`);
  await copyAttachments(from, attachments);
  await rename(`${target}.partial`, target);
  // The restored database as the service will open it.
  return checkBackup(target, attachments);
}

/** Copies the stored attachment files (never the temporary ones of uploads in progress). */
async function copyAttachments(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  if (!existsSync(from)) return;
  await cp(from, to, {
    recursive: true,
    filter: (src) => !/[/\\]tmp-[^/\\]*$/.test(src),
  });
}

/**
 * Checks a database file: SQLite's integrity check, every attachment row's bytes present with
 * their size (a `local` file in `attachmentsDir`, a `database` object in the file itself), and
 * the audit chain. Throws BackupError when any fails.
 */
export async function checkBackup(file: string, attachmentsDir: string): Promise<BackupCheck> {
  const sqlite = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    const integrity = sqlite.pragma("integrity_check", { simple: true });
    if (integrity !== "ok") throw new BackupError(`integrity_check: ${String(integrity)}`);
    // selectAll: a backup from before migration 0017 has no `storage` column (all its rows are
    // local files). Rows in the `database` store are checked against their object in the copy;
    // `s3` rows live in the bucket, which is backed up by its own means (docs/operations.md).
    const rows = await db.selectFrom("attachments").selectAll().execute();
    for (const r of rows) {
      const storage = (r as { storage?: string }).storage ?? "local";
      if (storage === "s3") continue;
      const size =
        storage === "database"
          ? await db
              .selectFrom("attachment_objects")
              .select("size_bytes")
              .where("key", "=", r.stored_name)
              .executeTakeFirst()
              .then((o) => (o?.size_bytes === undefined ? null : o.size_bytes))
          : await stat(join(attachmentsDir, r.stored_name)).then(
              (s) => s.size,
              () => null,
            );
      if (size !== Number(r.size_bytes)) {
        throw new BackupError(
          size === null
            ? `attachment file ${r.stored_name} is missing`
            : `attachment file ${r.stored_name} has ${size} bytes, not ${r.size_bytes}`,
        );
      }
    }
    const audit = await verifyAudit(db);
    if (!audit.ok) {
      throw new BackupError(
        `audit trail broken at entry ${audit.seq} (${audit.problem}): ${audit.reason}`,
      );
    }
    return { bytes: (await stat(file)).size, attachments: rows.length, audit };
  } finally {
    await db.destroy();
  }
}
