// Imports sent over the API (POST /api/v1/imports; issue 18): the body is streamed into the
// database a chunk at a time as it arrives (never whole in memory, never on a server's own disk),
// the job waits for a worker, and the worker runs the same streaming import as the CLI
// (import-rows.ts), reading the body back a chunk at a time. Integrators follow it with
// GET /api/v1/imports/{id}: its state, rows read and written, and the rejected rows.

import { Readable } from "node:stream";
import { actorRef } from "../../core/access/index.js";
import { appendAudit } from "../../db/audit.js";
import { newId } from "../../db/ids.js";
import type { ImportJobRow } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";
import { scopeFor } from "../authorize.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, notFound } from "../errors.js";
import { decodeCursor, encodeCursor, type Page } from "../orders/page.js";
import type { Writer } from "../orders/shared.js";
import { IMPORT_ACTOR, importRows as runImportRows, type Rejected } from "./import-rows.js";
import {
  claimImportJob,
  deleteImportJob,
  importChunk,
  importJobById,
  importJobPage,
  insertImportChunk,
  insertImportJob,
  updateImportJob,
} from "./repository.js";
import type { ImportFormat, ImportKind } from "./rows.js";

/** Bytes a chunk of a stored body holds at most. */
export const CHUNK_BYTES = 1024 * 1024;
/** Problems kept with a rejected import (all are counted). */
const KEPT_PROBLEMS = 500;
/** How long a worker's claim on an import lasts before another may take it over. */
const CLAIM_MS = 15 * 60_000;

const WRITE_ACTION = {
  orders: "order.write",
  payments: "payment.write",
  events: "event.write",
} as const;

export interface ImportJobJson {
  readonly id: string;
  readonly kind: ImportKind;
  readonly format: ImportFormat;
  readonly status: ImportJobRow["status"];
  readonly bytes: number;
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly problems: number;
  readonly rejected: readonly Rejected[];
  readonly error: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export function presentImportJob(row: ImportJobRow): ImportJobJson {
  return {
    id: row.id,
    kind: row.kind,
    format: row.format,
    status: row.status,
    bytes: row.body_bytes,
    rowsRead: row.rows_read,
    rowsWritten: row.rows_written,
    problems: row.problems,
    rejected: row.rejected_json === null ? [] : (JSON.parse(row.rejected_json) as Rejected[]),
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/**
 * Stores an import's body as it arrives and queues the job. The caller must be allowed to write
 * what the file holds (orders, payments or events). A body over `maxBytes` is refused (413) and
 * nothing is kept.
 */
export async function queueImport(
  deps: AppDeps,
  ctx: ActionContext,
  input: {
    readonly kind: ImportKind;
    readonly format: ImportFormat;
    readonly body: AsyncIterable<Uint8Array | string>;
    readonly maxBytes: number;
    /** Bytes a stored chunk holds at most (default CHUNK_BYTES). */
    readonly chunkBytes?: number;
  },
): Promise<ImportJobJson> {
  // Whoever may write what the file holds (admins, tokens with the kind's write scope).
  scopeFor(ctx.actor, WRITE_ACTION[input.kind], "import");
  const id = newId("imp");
  const now = toDbInstant(deps.clock());
  await insertImportJob(deps.db, {
    id,
    kind: input.kind,
    format: input.format,
    status: "receiving",
    requested_by: actorRef(ctx.actor),
    body_bytes: 0,
    created_at: now,
  });
  const chunkBytes = input.chunkBytes ?? CHUNK_BYTES;
  let bytes = 0;
  let seq = 0;
  try {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      await insertImportChunk(deps.db, id, seq++, Buffer.concat(pending, pendingBytes));
      pending = [];
      pendingBytes = 0;
    };
    for await (const part of input.body) {
      const buf = typeof part === "string" ? Buffer.from(part) : Buffer.from(part);
      bytes += buf.length;
      if (bytes > input.maxBytes) {
        throw new AppError(
          "payload_too_large",
          `the body is larger than the import limit of ${input.maxBytes} bytes`,
          [{ path: "body", message: `must be at most ${input.maxBytes} bytes` }],
        );
      }
      // Chunks of at most `chunkBytes`, cut wherever they fall (the reader joins them).
      let from = 0;
      while (from < buf.length) {
        const take = Math.min(buf.length - from, chunkBytes - pendingBytes);
        pending.push(buf.subarray(from, from + take));
        pendingBytes += take;
        from += take;
        if (pendingBytes === chunkBytes) await flush();
      }
    }
    await flush();
  } catch (e) {
    await deleteImportJob(deps.db, id);
    throw e;
  }
  if (bytes === 0) {
    await deleteImportJob(deps.db, id);
    throw new AppError("invalid_input", "the body is empty", [
      { path: "body", message: "is empty: send the file's rows" },
    ]);
  }
  await deps.db.transaction().execute(async (trx) => {
    await updateImportJob(trx, id, { status: "pending", body_bytes: bytes });
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "import.requested",
      entityType: "import",
      entityId: id,
      summary: { importId: id, kind: input.kind, format: input.format, bytes },
      ip: ctx.ip,
      at: deps.clock(),
    });
  });
  return presentImportJob((await importJobById(deps.db, id)) as ImportJobRow);
}

/** The import's body, from its first chunk, one chunk in memory at a time. */
function storedBody(deps: AppDeps, importId: string): Readable {
  return Readable.from(
    (async function* () {
      for (let seq = 0; ; seq++) {
        const chunk = await importChunk(deps.db, importId, seq);
        if (chunk === undefined) return;
        yield Buffer.from(chunk);
      }
    })(),
  );
}

/**
 * The worker's step: runs the oldest waiting import (at most one per call), all rows or none,
 * and records its outcome. Returns 1 when it ran one, else 0.
 */
export async function runQueuedImport(deps: AppDeps): Promise<number> {
  const now = deps.clock();
  const job = await claimImportJob(deps.db, toDbInstant(now), toDbInstant(now + CLAIM_MS));
  if (job === undefined) return 0;
  // The rows are written in the name of whoever sent them (the route checked their rights).
  const w: Writer = {
    actorRef: job.requested_by,
    ip: null,
    now,
    ctx: { actor: IMPORT_ACTOR, ip: null },
  };
  let lastProgress = 0;
  const finish = async (
    status: "done" | "rejected" | "failed",
    set: {
      rows_read?: number;
      rows_written?: number;
      rejected?: readonly Rejected[];
      error?: string;
    },
  ) => {
    const rejected = set.rejected ?? [];
    await deps.db.transaction().execute(async (trx) => {
      await updateImportJob(trx, job.id, {
        status,
        rows_read: set.rows_read ?? 0,
        rows_written: set.rows_written ?? 0,
        problems: rejected.length,
        rejected_json:
          rejected.length === 0 ? null : JSON.stringify(rejected.slice(0, KEPT_PROBLEMS)),
        error: set.error ?? null,
        claimed_until: null,
        finished_at: toDbInstant(deps.clock()),
      });
      await appendAudit(trx, {
        actor: "system:import",
        action: `import.${status}`,
        entityType: "import",
        entityId: job.id,
        summary: {
          importId: job.id,
          kind: job.kind,
          rowsRead: set.rows_read ?? 0,
          rowsWritten: set.rows_written ?? 0,
          problems: rejected.length,
        },
        ip: null,
        at: deps.clock(),
      });
    });
  };
  try {
    const outcome = await runImportRows(deps, w, {
      kind: job.kind,
      open: () => storedBody(deps, job.id),
      format: job.format,
      onProgress: (p) => {
        // Pass 1 only: pass 2 runs inside the import's transaction (on SQLite, the one writer).
        if (p.phase !== "validate" || Date.now() - lastProgress < 1000) return;
        lastProgress = Date.now();
        void updateImportJob(deps.db, job.id, { rows_read: p.rows }).catch((e: unknown) =>
          deps.logger.warn({ err: e, importId: job.id }, "import progress not recorded"),
        );
      },
    });
    if (outcome.ok) {
      await finish("done", { rows_read: outcome.rows, rows_written: outcome.written });
    } else {
      await finish("rejected", { rows_read: outcome.rows, rejected: outcome.rejected });
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    deps.logger.error({ err: e, importId: job.id }, "import failed");
    await finish("failed", { error: message.slice(0, 2000) });
  }
  return 1;
}

/** An import job: admins see every one, a token or person only those they sent. */
export async function getImportJob(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
): Promise<ImportJobJson> {
  const row = await importJobById(deps.db, id);
  if (row === undefined || !mayRead(ctx, row)) throw notFound("import");
  return presentImportJob(row);
}

function mayRead(ctx: ActionContext, row: ImportJobRow): boolean {
  return ctx.actor.role === "admin" || row.requested_by === actorRef(ctx.actor);
}

/** The import jobs the caller may read, newest first. */
export async function listImportJobs(
  deps: AppDeps,
  ctx: ActionContext,
  input: { readonly limit: number; readonly cursor?: string | undefined },
): Promise<Page<ImportJobJson>> {
  const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor, "query.cursor");
  const requestedBy = ctx.actor.role === "admin" ? undefined : actorRef(ctx.actor);
  const rows = await importJobPage(deps.db, { requestedBy, after, limit: input.limit });
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(presentImportJob),
    nextCursor:
      rows.length > input.limit && last !== undefined
        ? encodeCursor(last.created_at, last.id)
        : null,
  };
}
