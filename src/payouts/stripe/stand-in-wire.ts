// The Stripe stand-in's wire format: the JSON objects Stripe sends (refunds, events, lists,
// errors), its ids, its webhook signature, and the reading of requests (the API key in the
// Authorization header, form-encoded create parameters, list queries) into plain values or
// Stripe's error bodies. No state here: `stand-in-state.ts` keeps charges and refunds,
// `stand-in-faults.ts` decides the trouble, `stand-in.ts` is the HTTP server joining them.

import { createHmac, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FormHash } from "./form.js";

export type StripeRefundStatus =
  "pending" | "requires_action" | "succeeded" | "failed" | "canceled";

/** A refund as Stripe serialises it (the fields this product reads, and a few more). */
export interface StripeRefundJson {
  id: string;
  object: "refund";
  amount: number;
  balance_transaction: string | null;
  charge: string;
  created: number;
  currency: string;
  destination_details: null;
  failure_balance_transaction?: string;
  failure_reason?: string;
  metadata: Record<string, string>;
  payment_intent: string | null;
  reason: string | null;
  receipt_number: null;
  source_transfer_reversal: null;
  status: StripeRefundStatus;
  transfer_reversal: null;
}

export type StripeDisputeStatus =
  | "warning_needs_response"
  | "warning_under_review"
  | "warning_closed"
  | "needs_response"
  | "under_review"
  | "won"
  | "lost";

/** Stripe's evidence fields of a dispute (text, or a file id for the file fields). */
export const DISPUTE_EVIDENCE_FIELDS = [
  "access_activity_log",
  "billing_address",
  "cancellation_policy",
  "cancellation_policy_disclosure",
  "cancellation_rebuttal",
  "customer_communication",
  "customer_email_address",
  "customer_name",
  "customer_purchase_ip",
  "customer_signature",
  "duplicate_charge_documentation",
  "duplicate_charge_explanation",
  "duplicate_charge_id",
  "product_description",
  "receipt",
  "refund_policy",
  "refund_policy_disclosure",
  "refund_refusal_explanation",
  "service_date",
  "service_documentation",
  "shipping_address",
  "shipping_carrier",
  "shipping_date",
  "shipping_documentation",
  "shipping_tracking_number",
  "uncategorized_file",
  "uncategorized_text",
] as const;

/** The evidence fields that take a file id (`file_...`). */
export const DISPUTE_FILE_FIELDS: ReadonlySet<string> = new Set([
  "cancellation_policy",
  "customer_communication",
  "customer_signature",
  "duplicate_charge_documentation",
  "receipt",
  "refund_policy",
  "service_documentation",
  "shipping_documentation",
  "uncategorized_file",
]);

/** A dispute as Stripe serialises it (`Dispute` in Stripe's API reference). */
export interface StripeDisputeJson {
  id: string;
  object: "dispute";
  amount: number;
  balance_transactions: unknown[];
  charge: string;
  created: number;
  currency: string;
  enhanced_eligibility_types: string[];
  /** The evidence fields (text or file id, null when not given) and `enhanced_evidence`. */
  evidence: Record<string, string | null | Record<string, unknown>>;
  evidence_details: {
    due_by: number | null;
    enhanced_eligibility: Record<string, unknown>;
    has_evidence: boolean;
    past_due: boolean;
    submission_count: number;
    submission_method: string;
  };
  is_charge_refundable: boolean;
  livemode: false;
  metadata: Record<string, string>;
  network_reason_code: string | null;
  payment_intent: string | null;
  payment_method_details: {
    card: { brand: string; case_type: string; network_reason_code: string | null };
    type: "card";
  };
  reason: string;
  status: StripeDisputeStatus;
}

/** A file as Stripe serialises it (`File`). */
export interface StripeFileJson {
  id: string;
  object: "file";
  created: number;
  expires_at: number | null;
  filename: string;
  links: { object: "list"; data: unknown[]; has_more: false; url: string };
  purpose: string;
  size: number;
  title: string | null;
  type: string;
  url: string;
}

export type StripeEventJson =
  | {
      id: string;
      object: "event";
      api_version: string;
      created: number;
      data: { object: StripeRefundJson; previous_attributes?: Partial<StripeRefundJson> };
      livemode: false;
      pending_webhooks: number;
      request: { id: string | null; idempotency_key: string | null };
      type: "refund.created" | "refund.updated" | "refund.failed";
    }
  | {
      id: string;
      object: "event";
      api_version: string;
      created: number;
      data: { object: StripeDisputeJson; previous_attributes?: Partial<StripeDisputeJson> };
      livemode: false;
      pending_webhooks: number;
      request: { id: string | null; idempotency_key: string | null };
      type:
        | "charge.dispute.created"
        | "charge.dispute.updated"
        | "charge.dispute.closed"
        | "charge.dispute.funds_withdrawn"
        | "charge.dispute.funds_reinstated";
    };

export const API_VERSION = "2025-01-01.stand-in";

/** A fresh Stripe-looking id, e.g. `re_...`, `evt_...`, `req_...`. */
export function stripeId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString("base64url").replace(/[-_]/g, "x")}`;
}

/** Signs a webhook payload the way Stripe does: `t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<payload>")>`. */
export function signStripePayload(payload: string, secret: string, timestamp: number): string {
  const v1 = createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${v1}`;
}

/** An HTTP status with Stripe's error body. */
export interface ApiError {
  readonly status: number;
  readonly body: { error: Record<string, string> };
}

/** Stripe's error JSON (`{error: {type, message, code?, doc_url?, param?}}`) with its status. */
export function apiError(
  status: number,
  type: string,
  message: string,
  extra: { code?: string; param?: string } = {},
): ApiError {
  const error: Record<string, string> = { type, message };
  if (extra.code !== undefined) {
    error.code = extra.code;
    error.doc_url = `https://stripe.com/docs/error-codes/${extra.code.replace(/_/g, "-")}`;
  }
  if (extra.param !== undefined) error.param = extra.param;
  return { status, body: { error } };
}

/** What the server answers to one call, and whether the idempotency layer keeps it. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  /** Whether the idempotency layer records this answer (Stripe: once execution started). */
  readonly store: boolean;
}

/** An error answer; `store` as Stripe does for errors raised after execution started. */
export function errorAnswer(error: ApiError, store = false): Answer {
  return { ...error, store };
}

/** The key a request authenticates with: a bearer token (the SDKs) or the Basic username (curl -u key:). */
export function apiKeyOf(authorization: string | undefined): string | undefined {
  const auth = authorization ?? "";
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(auth)?.[1];
  return basic === undefined
    ? /^Bearer (.+)$/.exec(auth)?.[1]
    : Buffer.from(basic, "base64").toString("utf8").split(":")[0] || undefined;
}

export const MISSING_KEY = apiError(
  401,
  "invalid_request_error",
  "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
);

export function invalidKey(given: string): ApiError {
  return apiError(
    401,
    "invalid_request_error",
    `Invalid API Key provided: ${given.slice(0, 8)}****`,
  );
}

const CREATE_PARAMS = new Set([
  "amount",
  "charge",
  "payment_intent",
  "metadata",
  "reason",
  "expand",
  "currency",
  "instructions_email",
  "refund_application_fee",
  "reverse_transfer",
]);
const REASONS = new Set(["duplicate", "fraudulent", "requested_by_customer"]);

/** The parameters of `POST /v1/refunds`, read and checked. */
export interface CreateRefundParams {
  /** Which charge: by its id or by its payment intent's. */
  readonly target: { readonly charge: string } | { readonly paymentIntent: string };
  /** Minor units; null refunds what remains. */
  readonly amount: number | null;
  readonly metadata: Record<string, string>;
  readonly reason: string | null;
}

/** Reads the form of `POST /v1/refunds`, or answers with Stripe's 400 naming the parameter. */
export function parseCreateRefund(params: FormHash): CreateRefundParams | ApiError {
  for (const key of Object.keys(params)) {
    if (!CREATE_PARAMS.has(key)) {
      return apiError(400, "invalid_request_error", `Received unknown parameter: ${key}`, {
        code: "parameter_unknown",
        param: key,
      });
    }
  }
  const chargeParam = params.charge;
  const piParam = params.payment_intent;
  if (chargeParam !== undefined && piParam !== undefined) {
    return apiError(
      400,
      "invalid_request_error",
      "You cannot specify both `charge` and `payment_intent`.",
      { param: "payment_intent" },
    );
  }
  if (typeof chargeParam !== "string" && typeof piParam !== "string") {
    return apiError(
      400,
      "invalid_request_error",
      "One of the following params should be provided for this request: charge or payment_intent.",
      { code: "parameter_missing" },
    );
  }
  let amount: number | null = null;
  if (params.amount !== undefined) {
    if (typeof params.amount !== "string" || !/^\d{1,12}$/.test(params.amount)) {
      return apiError(400, "invalid_request_error", "Invalid integer: amount", {
        code: "parameter_invalid_integer",
        param: "amount",
      });
    }
    amount = Number(params.amount);
    if (amount < 1) {
      return apiError(
        400,
        "invalid_request_error",
        "This value must be greater than or equal to 1.",
        {
          code: "parameter_invalid_integer",
          param: "amount",
        },
      );
    }
  }
  const metadata: Record<string, string> = {};
  if (params.metadata !== undefined && params.metadata !== "") {
    const md = params.metadata;
    if (typeof md === "string" || Array.isArray(md)) {
      return apiError(400, "invalid_request_error", "Invalid hash", {
        code: "parameter_invalid_empty",
        param: "metadata",
      });
    }
    for (const [k, v] of Object.entries(md)) {
      if (typeof v !== "string" || k.length > 40 || v.length > 500) {
        return apiError(400, "invalid_request_error", `Invalid metadata value: ${k}`, {
          param: `metadata[${k}]`,
        });
      }
      metadata[k] = v;
    }
  }
  let reason: string | null = null;
  if (params.reason !== undefined) {
    if (typeof params.reason !== "string" || !REASONS.has(params.reason)) {
      return apiError(400, "invalid_request_error", "Invalid reason", { param: "reason" });
    }
    reason = params.reason;
  }
  return {
    target:
      typeof chargeParam === "string"
        ? { charge: chargeParam }
        : { paymentIntent: String(piParam) },
    amount,
    metadata,
    reason,
  };
}

/** The query of `GET /v1/refunds`, read and checked (cursors are checked against the state). */
export interface ListRefundsQuery {
  readonly limit: number;
  readonly charge: string | null;
  readonly paymentIntent: string | null;
  readonly startingAfter: string | null;
  readonly endingBefore: string | null;
}

const LIST_PARAMS = ["charge", "payment_intent", "limit", "starting_after", "ending_before"];

/** Reads the query of `GET /v1/refunds`, or answers with Stripe's 400 naming the parameter. */
export function parseListRefunds(query: URLSearchParams): ListRefundsQuery | ApiError {
  for (const key of query.keys()) {
    if (!LIST_PARAMS.includes(key)) {
      if (key.startsWith("expand") || key.startsWith("created")) continue;
      return apiError(400, "invalid_request_error", `Received unknown parameter: ${key}`, {
        code: "parameter_unknown",
        param: key,
      });
    }
  }
  const limitText = query.get("limit") ?? "10";
  const limit = /^\d+$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= 100)) {
    return apiError(
      400,
      "invalid_request_error",
      "This value must be greater than or equal to 1 and less than or equal to 100.",
      { code: "parameter_invalid_integer", param: "limit" },
    );
  }
  return {
    limit,
    charge: query.get("charge"),
    paymentIntent: query.get("payment_intent"),
    startingAfter: query.get("starting_after"),
    endingBefore: query.get("ending_before"),
  };
}

/** Stripe's list object. */
export function listObject(
  data: readonly unknown[],
  hasMore: boolean,
  url = "/v1/refunds",
): unknown {
  return { object: "list", data, has_more: hasMore, url };
}

/** `{error}` for an id Stripe does not know. */
export function noSuch(what: string, id: string, param: string, status = 404): ApiError {
  return apiError(status, "invalid_request_error", `No such ${what}: '${id}'`, {
    code: "resource_missing",
    param,
  });
}

/** Writes a JSON answer with Stripe's headers. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  requestId: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "request-id": requestId,
    "stripe-version": API_VERSION,
    ...extra,
  });
  res.end(body);
}

/** One part of a multipart/form-data body: its field name, file name and type, and bytes. */
export interface MultipartPart {
  readonly name: string;
  readonly filename: string | null;
  readonly contentType: string | null;
  readonly data: Buffer;
}

/** Splits a multipart/form-data body (`files.create`); null when it is not well formed. */
export function parseMultipart(body: Buffer, contentType: string): MultipartPart[] | null {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (boundary === undefined) return null;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let at = body.indexOf(delimiter);
  if (at === -1) return null;
  for (;;) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString("latin1") === "--") return parts;
    const next = body.indexOf(delimiter, start);
    if (next === -1) return null;
    // Each part: CRLF, headers, CRLF CRLF, data, CRLF (before the next delimiter).
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf("\r\n\r\n");
    if (split === -1) return null;
    const headers = part.subarray(0, split).toString("utf8");
    const line = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1];
    const name = line === undefined ? undefined : /;\s*name="([^"]*)"/i.exec(line)?.[1];
    if (line === undefined || name === undefined) return null;
    const filename = /;\s*filename="([^"]*)"/i.exec(line)?.[1] ?? null;
    const type = /content-type:\s*([^\r\n]+)/i.exec(headers);
    parts.push({
      name,
      filename,
      contentType: type?.[1]?.trim() ?? null,
      data: Buffer.from(part.subarray(split + 4)),
    });
    at = next;
  }
}

/** The request body's bytes, or null when it exceeds 1 MB. */
export async function readBodyBytes(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > 1_000_000) return null;
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** The request body as text, or null when it exceeds 1 MB. */
export async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > 1_000_000) return null;
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString("utf8");
}
