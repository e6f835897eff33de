// Attachments of refund requests: upload (multipart/form-data), list, download.
//
// Upload: the request is checked first (a foreign or missing one answers 404 before a byte is
// read), then each file streams into a new object of the attachment store (local disk, the
// database or S3: ATTACHMENT_STORAGE, ADR 0031) while it is hashed, counted and inspected.
// Limits (per file, per request, files per request) answer 413 and keep nothing. The type is
// decided by the content; a name or declared type that disagrees answers 415. Only then are the
// files recorded, with their audit events, in one transaction; every object of a failed upload is
// deleted before the answer goes out.
// An Idempotency-Key is fingerprinted with the files' field names, names and SHA-256s.
//
// Download: the access check runs on the server; the bytes stream from the store, or (s3 with
// S3_PRESIGNED_DOWNLOADS=1) the answer is a 302 to a presigned URL valid for 60 seconds.

import multipart from "@fastify/multipart";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { AppDeps } from "../../app/context.js";
import { AppError, invalidField } from "../../app/errors.js";
import {
  contentDisposition,
  decideAttachmentType,
  sanitizeFileName,
} from "../../app/attachments/content-type.js";
import { getAttachment } from "../../app/attachments/get-attachment.js";
import { listAttachments } from "../../app/attachments/list-attachments.js";
import { loadRequestFor, type AttachmentJson } from "../../app/attachments/shared.js";
import {
  attachmentLimitsFromEnv,
  stageFile,
  type AttachmentLimits,
  type StagedFile,
} from "../../app/attachments/storage.js";
import {
  removeUncommitted,
  uploadAttachments,
  type UploadedFile,
} from "../../app/attachments/upload-attachments.js";
import type { AttachmentStorage, AttachmentStore } from "../../app/attachments/store.js";
import type { StoredResponse } from "../../db/idempotency.js";
import { claimIdempotencyKey, sendReplay } from "../idempotency.js";
import { parsePageQuery } from "../../app/auth/index.js";
import { ref } from "../openapi/components.js";
import { pageQuery, type PageQueryString } from "./account-schemas.js";
import type { RoutePlugin } from "../server.js";
import { ctxOf, idParams } from "./common.js";
import { ATTACHMENT_TYPES } from "./misc-schemas.js";

const TAGS = ["attachments"];
const listSchema = ref("AttachmentPage");
/** Form fields that carry files. */
const FILE_FIELDS = new Set(["file", "files"]);

export interface AttachmentRouteOptions extends Partial<AttachmentLimits> {
  /** Where files go (default: the deps' attachment storage). */
  readonly storage?: AttachmentStorage;
}

/** How long a presigned download URL is valid. */
export const PRESIGNED_SECONDS = 60;

/** Multipart's own limit and format errors, worded for the caller; anything else unchanged. */
function multipartError(err: unknown, limits: AttachmentLimits): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case "FST_FILES_LIMIT":
      return new AppError("payload_too_large", `at most ${limits.maxFiles} files per request`);
    case "FST_PARTS_LIMIT":
    case "FST_FIELDS_LIMIT":
      return new AppError("payload_too_large", "too many form fields");
    case "FST_REQ_FILE_TOO_LARGE":
      return new AppError(
        "payload_too_large",
        `a file is larger than ${limits.maxFileBytes} bytes`,
      );
    case "FST_PROTO_VIOLATION":
    case "FST_INVALID_JSON_FIELD_ERROR":
      return invalidField("body", "malformed form field");
    default:
      if (err instanceof Error && /multipart|boundary|terminated early/i.test(err.message)) {
        return invalidField("body", "malformed multipart/form-data body");
      }
      return err;
  }
}

interface Received {
  readonly field: string;
  readonly name: string;
  readonly mimetype: string;
  readonly staged: StagedFile;
}

/** Reads every part, staging each file; throws on a limit, a stray field or a broken body. */
async function receiveFiles(
  request: FastifyRequest,
  store: AttachmentStore,
  limits: AttachmentLimits,
  received: Received[],
): Promise<void> {
  let used = 0;
  try {
    for await (const part of request.parts()) {
      if (part.type !== "file" || !FILE_FIELDS.has(part.fieldname)) {
        if (part.type === "file") part.file.resume();
        throw invalidField(
          `body.${part.fieldname}`,
          `is not a file field: send each file as a part named "files" (one part per file; "file" is taken too)`,
        );
      }
      const label = `files[${received.length}]`;
      const staged = await stageFile(
        store,
        part.file,
        { maxFileBytes: limits.maxFileBytes, remainingRequestBytes: limits.maxRequestBytes - used },
        label,
      );
      received.push({
        field: part.fieldname,
        name: sanitizeFileName(part.filename ?? ""),
        mimetype: part.mimetype,
        staged,
      });
      if (part.file.truncated) {
        // Busboy cut the file short: it is over the limit even if our count did not see it.
        throw new AppError(
          "payload_too_large",
          `${label} is larger than ${limits.maxFileBytes} bytes`,
        );
      }
      used += staged.size;
    }
  } catch (err) {
    throw multipartError(err, limits);
  }
}

async function upload(
  deps: AppDeps,
  limits: AttachmentLimits,
  request: FastifyRequest<{ Params: { id: string } }>,
  reply: FastifyReply,
): Promise<unknown> {
  const ctx = ctxOf(request);
  const requestId = request.params.id;
  // Before reading the body: a foreign or missing request answers 404, and nothing is staged.
  await loadRequestFor(deps.db, ctx.actor, "attachment.create", requestId);
  if (!request.isMultipart()) {
    throw new AppError("unsupported_media_type", "send the files as multipart/form-data");
  }
  const received: Received[] = [];
  const store = deps.attachments.current;
  let outcome: { readonly replay: StoredResponse } | { readonly created: AttachmentJson[] };
  let committed = false;
  try {
    await receiveFiles(request, store, limits, received);
    if (received.length === 0) {
      throw invalidField(
        "body.files",
        'at least one file is required: send each file as a multipart part named "files"',
      );
    }
    const parts = received.map((r) => `${r.field}\t${r.name}\t${r.staged.sha256}`);
    const claimed = await claimIdempotencyKey(deps, request, parts);
    if (claimed !== "proceed") {
      outcome = claimed;
    } else {
      const files = received.map((r, i) => typed(r, i));
      outcome = { created: await uploadAttachments(deps, ctx, { requestId, files }) };
      committed = true;
    }
  } finally {
    // Before anything is sent: every object staged for an upload that did not commit goes (a
    // store that fails to delete one is logged; the worker's sweep removes it a day later).
    if (!committed) {
      await removeUncommitted(
        deps,
        received.map((r) => r.staged.key),
      );
    }
  }
  if ("replay" in outcome) return sendReplay(reply, outcome.replay);
  return reply
    .code(201)
    .header("location", `/api/v1/requests/${encodeURIComponent(requestId)}/attachments`)
    .send({ items: outcome.created, nextCursor: null });
}

/** The staged file with its type decided by content; 415 (or 400 when empty) naming it. */
function typed(r: Received, i: number): UploadedFile {
  const decided = decideAttachmentType(r.staged.facts, { filename: r.name, mimetype: r.mimetype });
  if (!decided.ok) {
    const path = `body.files[${i}]`;
    throw new AppError(
      decided.status === 415 ? "unsupported_media_type" : "invalid_input",
      `${path} (${r.name}): ${decided.message}`,
      [{ path, message: decided.message }],
    );
  }
  return {
    key: r.staged.key,
    name: r.name,
    contentType: decided.contentType,
    sizeBytes: r.staged.size,
    sha256: r.staged.sha256,
  };
}

async function download(
  deps: AppDeps,
  request: FastifyRequest<{ Params: { id: string } }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { attachment, store, key } = await getAttachment(deps, ctxOf(request), request.params.id);
  const type = attachment.contentType.startsWith("text/")
    ? `${attachment.contentType}; charset=utf-8`
    : attachment.contentType;
  if (deps.attachments.presignDownloads && store.presignedUrl !== undefined) {
    // After the access check: the object store serves the bytes for one minute.
    const url = await store.presignedUrl(key, {
      seconds: PRESIGNED_SECONDS,
      contentType: type,
      contentDisposition: contentDisposition(attachment.name),
    });
    return reply.header("cache-control", "private, no-store").redirect(url, 302);
  }
  // Opened before the headers go out, so missing bytes are a clean 500, not a cut-off download.
  const body = await store.open(key);
  return reply
    .header("content-type", type)
    .header("content-length", String(attachment.sizeBytes))
    .header("content-disposition", contentDisposition(attachment.name))
    .header("x-content-type-options", "nosniff")
    .header("content-security-policy", "default-src 'none'; sandbox")
    .header("cache-control", "private, no-store")
    .send(body);
}

/** The attachment routes with the given limits (the rest from the environment). */
export function createAttachmentRoutes(options: AttachmentRouteOptions = {}): RoutePlugin {
  return async (app, appDeps) => {
    // Files go to `options.storage` when given (tests), else to the app's attachment storage.
    const deps: AppDeps =
      options.storage === undefined ? appDeps : { ...appDeps, attachments: options.storage };
    const fromEnv = attachmentLimitsFromEnv(process.env);
    const limits: AttachmentLimits = {
      maxFileBytes: options.maxFileBytes ?? fromEnv.maxFileBytes,
      maxRequestBytes: options.maxRequestBytes ?? fromEnv.maxRequestBytes,
      maxFiles: options.maxFiles ?? fromEnv.maxFiles,
    };
    await app.register(async (scope) => {
      // Scoped here: only these routes parse multipart bodies.
      // Multipart leaves the parsed body empty; the schema below documents the form, and an
      // empty object passes it (the handler reads the files from the stream).
      scope.addHook("preValidation", async (request) => {
        if (request.isMultipart()) request.body = {};
      });
      await scope.register(multipart, {
        throwFileSizeLimit: false, // stageFile counts and answers 413 itself
        limits: {
          // One byte more than allowed reaches stageFile, which refuses it.
          fileSize: limits.maxFileBytes + 1,
          files: limits.maxFiles,
          fields: 10,
          parts: limits.maxFiles + 10,
          fieldNameSize: 100,
          fieldSize: 1024,
          headerPairs: 20,
        },
      });

      scope.post<{ Params: { id: string } }>(
        "/requests/:id/attachments",
        {
          config: { permission: "attachment.create", idempotency: "in_handler" },
          schema: {
            tags: TAGS,
            operationId: "uploadRequestAttachments",
            summary: "Upload files to a refund request",
            description:
              `multipart/form-data with up to ${limits.maxFiles} files, each a part named \`files\`` +
              " (`file` is taken too)" +
              ` (each at most ${limits.maxFileBytes} bytes, together ${limits.maxRequestBytes}).` +
              " The type is decided by the content: PDF, PNG, JPEG, plain text (UTF-8) or CSV" +
              " (text named .csv). A name or declared type that disagrees with the content: 415.",
            consumes: ["multipart/form-data"],
            params: idParams,
            body: {
              type: "object",
              additionalProperties: false,
              properties: {
                files: {
                  type: "array",
                  maxItems: limits.maxFiles,
                  items: { type: "string", contentMediaType: "application/octet-stream" },
                },
              },
              examples: [{ files: ["kickoff-emails.pdf"] }],
            },
            response: { 201: listSchema },
          },
        },
        (request, reply) => upload(deps, limits, request, reply),
      );
    });

    app.get<{ Params: { id: string }; Querystring: PageQueryString }>(
      "/requests/:id/attachments",
      {
        config: { permission: "attachment.read" },
        schema: {
          tags: TAGS,
          operationId: "listRequestAttachments",
          summary: "List the files of a refund request",
          description:
            "Name, type, size and SHA-256 of each file, oldest first, a page at a time (`limit`, `cursor`).",
          params: idParams,
          querystring: pageQuery,
          response: { 200: listSchema },
        },
      },
      async (request) =>
        listAttachments(deps, ctxOf(request), request.params.id, parsePageQuery(request.query)),
    );

    app.get<{ Params: { id: string } }>(
      "/attachments/:id",
      {
        config: { permission: "attachment.read" },
        schema: {
          tags: TAGS,
          operationId: "getAttachment",
          summary: "Download an attachment",
          description:
            "The file as stored, with Content-Disposition: attachment and X-Content-Type-Options:" +
            " nosniff. A client reaches only the files of its own requests. On S3 storage with" +
            " presigned downloads on (S3_PRESIGNED_DOWNLOADS=1), the answer after the access check" +
            " is a 302 to a URL of the object store valid for 60 seconds.",
          params: idParams,
          // Documented as binary bodies of these types (src/http/openapi/document.ts).
          produces: [...ATTACHMENT_TYPES],
          response: {
            302: {
              type: "null",
              description:
                "S3 storage with presigned downloads: the file is at the URL in Location for 60 seconds.",
            },
          },
        },
      },
      (request, reply) => download(deps, request, reply),
    );
  };
}

/** The attachment routes, limits from ATTACHMENT_MAX_FILE_BYTES, _REQUEST_BYTES, _FILES. */
export const attachmentRoutes: RoutePlugin = (app, deps) => createAttachmentRoutes()(app, deps);
