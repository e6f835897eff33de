// RFC 9457 problem documents: one error handler maps AppError codes, Fastify's validation and
// content errors to a status and a body naming the offending field. Never a stack trace or SQL.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError, type FieldError } from "../app/errors.js";

/** The body of an error response (application/problem+json). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** Sends a problem document. */
export function sendProblem(
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  errors: readonly FieldError[] = [],
  extra: Readonly<Record<string, unknown>> = {},
): FastifyReply {
  const body: Problem = {
    type: `https://refund-desk.example/problems/${code.replace(/_/g, "-")}`,
    title: TITLES[status] ?? "Error",
    status,
    detail,
    instance: reply.request.url,
    code,
    ...extra,
  };
  if (errors.length > 0) body.errors = [...errors];
  return reply.code(status).type("application/problem+json").send(body);
}

/** The JSON path an Ajv error points at, as `body.order.price.amount`. */
function ajvPath(e: FastifyError, context: string): FieldError[] {
  const v = e.validation ?? [];
  return v.slice(0, 5).map((item) => {
    const base = item.instancePath
      .split("/")
      .filter(Boolean)
      .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`))
      .join("");
    const params = item.params as Record<string, unknown>;
    let leaf = "";
    let message = item.message ?? "is invalid";
    if (typeof params["additionalProperty"] === "string") {
      leaf = `.${params["additionalProperty"]}`;
      message = "unknown field";
    } else if (typeof params["missingProperty"] === "string") {
      leaf = `.${params["missingProperty"]}`;
      message = "is required";
    }
    return { path: `${context}${base}${leaf}`, message };
  });
}

/** Installs the error and not-found handlers on a Fastify instance. */
export function installProblemHandlers(
  app: FastifyInstance,
  /** Answers an unmatched request another way (the web app's pages), or returns null. */
  fallback?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | null,
): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof AppError) {
      // A refusal that says when to come back (sign-in locks, password-reset limits).
      const wait = err.extra["retryAfterSeconds"];
      if (err.status === 429 && typeof wait === "number") reply.header("retry-after", String(wait));
      return sendProblem(reply, err.status, err.code, err.message, err.errors, err.extra);
    }
    if (err.validation) {
      const context = err.validationContext ?? "body";
      const errors = ajvPath(err, context);
      const first = errors[0];
      return sendProblem(
        reply,
        400,
        "invalid_input",
        first ? `${first.path}: ${first.message}` : "invalid input",
        errors,
      );
    }
    const status = err.statusCode ?? 500;
    if (status === 413 || err.code === "FST_REQ_FILE_TOO_LARGE") {
      return sendProblem(reply, 413, "payload_too_large", "the request body is too large");
    }
    if (err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return sendProblem(reply, 415, "unsupported_media_type", "unsupported content type");
    }
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (bad JSON, empty body, ...): say what, without internals.
      const detail =
        err.code === "FST_ERR_CTP_EMPTY_JSON_BODY"
          ? "the JSON body is empty"
          : err.code === "FST_ERR_CTP_INVALID_JSON_BODY" || err instanceof SyntaxError
            ? "the body is not valid JSON"
            : err.message.split("\n")[0]?.slice(0, 200) || "bad request";
      return sendProblem(reply, status, "invalid_input", detail);
    }
    request.log.error({ err }, "unhandled error");
    return sendProblem(reply, 500, "internal", "something went wrong on our side");
  });
  app.setNotFoundHandler(
    (request, reply) =>
      fallback?.(request, reply) ??
      sendProblem(
        reply,
        404,
        "not_found",
        `no route ${request.method} ${request.url.split("?")[0]}`,
      ),
  );
}
