// /imports: bulk import for integrators (issue 18). The body (CSV or NDJSON, the same files as
// `refund-desk import`) is streamed into the database as it arrives; a worker runs the import
// (all rows or none) and GET /imports/{id} says how far it got and which rows were wrong. Thin:
// schema, permission, one use case.

import type { Readable } from "node:stream";
import { getImportJob, listImportJobs, queueImport } from "../../app/imports/import-jobs.js";
import { IMPORT_KINDS, type ImportFormat, type ImportKind } from "../../app/imports/rows.js";
import { AppError } from "../../app/errors.js";
import { parseLimit } from "../../app/orders/page.js";
import { ref } from "../openapi/components.js";
import type { RoutePlugin } from "../server.js";
import { pageQuery } from "./account-schemas.js";
import { ctxOf, idParams, type IdParams } from "./common.js";

const TAGS = ["imports"];

/** The largest body an import may have (IMPORT_MAX_BYTES, default 256 MiB). */
export function importMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env["IMPORT_MAX_BYTES"]?.trim();
  const n = raw === undefined || raw === "" ? 256 * 1024 * 1024 : Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(`IMPORT_MAX_BYTES must be a positive whole number of bytes, not "${raw}"`);
  }
  return n;
}

const FORMATS: Readonly<Record<string, ImportFormat>> = {
  "text/csv": "csv",
  "application/x-ndjson": "ndjson",
  "application/jsonl": "ndjson",
};

const importQuery = {
  type: "object",
  additionalProperties: false,
  required: ["kind"],
  properties: {
    kind: {
      type: "string",
      enum: [...IMPORT_KINDS],
      description: "What the file holds: orders, payments or service events.",
    },
  },
} as const;

export const importRoutes: RoutePlugin = async (app, deps) => {
  const maxBytes = importMaxBytes();
  await app.register(async (scope) => {
    // The body is not parsed here: the use case streams it into the database as it arrives.
    for (const type of Object.keys(FORMATS)) {
      scope.addContentTypeParser(type, (_req, payload, done) => done(null, payload));
    }
    scope.post<{ Querystring: { kind: ImportKind } }>(
      "/imports",
      {
        config: {
          permission: "order.write",
          problems: {
            400: "The body is empty, or `kind` is missing or unknown (`invalid_input`).",
            403: "The caller may not write what the file holds (orders, payments or events).",
            413: "The body is larger than the import limit (`payload_too_large`; IMPORT_MAX_BYTES, 256 MiB by default).",
            415: "The body is neither `text/csv` nor `application/x-ndjson` (`unsupported_media_type`).",
          },
        },
        schema: {
          tags: TAGS,
          operationId: "createImport",
          summary: "Send a CSV or NDJSON file of orders, payments or events to import (202)",
          description:
            "The same files as `refund-desk import`: CSV with a header naming the fields (nested ones dotted: `price.amount`), or NDJSON with one object per line shaped like the API's request bodies; `Content-Type` says which. The body is stored as it arrives and a worker imports it: every row is checked first, and only if every row is right are they all written, in one transaction (all or nothing, as the CLI). Answers 202 with the import; follow it with getImport. Sending orders needs `orders:write`, payments `payments:write`, events `events:write` (admins may send any).",
          querystring: importQuery,
          response: { 202: ref("ImportJob") },
        },
      },
      async (request, reply) => {
        const type =
          (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
        const format = FORMATS[type];
        if (format === undefined) {
          throw new AppError(
            "unsupported_media_type",
            "send the file as text/csv or application/x-ndjson",
            [{ path: "header.content-type", message: "must be text/csv or application/x-ndjson" }],
          );
        }
        const job = await queueImport(deps, ctxOf(request), {
          kind: request.query.kind,
          format,
          body: request.body as Readable,
          maxBytes,
        });
        return reply
          .code(202)
          .header("location", `/api/v1/imports/${encodeURIComponent(job.id)}`)
          .send(job);
      },
    );
  });

  app.get<{ Querystring: { limit?: string; cursor?: string } }>(
    "/imports",
    {
      config: { permission: "order.write" },
      schema: {
        tags: TAGS,
        operationId: "listImports",
        summary: "List imports, newest first",
        description: "A Page of the imports the caller sent (admins: every import), newest first.",
        querystring: pageQuery,
        response: { 200: ref("ImportJobPage") },
      },
    },
    async (request) =>
      listImportJobs(deps, ctxOf(request), {
        limit: parseLimit(request.query.limit, "query.limit"),
        cursor: request.query.cursor,
      }),
  );

  app.get<{ Params: IdParams }>(
    "/imports/:id",
    {
      config: { permission: "order.write" },
      schema: {
        tags: TAGS,
        operationId: "getImport",
        summary: "Read an import: its state, rows read and written, rejected rows",
        description:
          "The import as it stands. Only whoever sent it (and admins) may read it; others get 404.",
        params: idParams,
        response: { 200: ref("ImportJob") },
      },
    },
    async (request) => getImportJob(deps, ctxOf(request), request.params.id),
  );
};
