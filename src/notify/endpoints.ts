// Webhook endpoints, managed by admins: create (the signing secret is shown once), list, change
// (URL, events, description, disabled), delete (with its deliveries), and the deliveries of one
// endpoint (to see what was parked and why). Use cases in the house style: (deps, ctx, input),
// one transaction with its audit event; the secret never reaches the audit trail or a listing.

import { randomBytes } from "node:crypto";
import { keysetPage, toPage, type Page, type PageQuery } from "../app/auth/pagination.js";
import { assertVisible } from "../app/authorize.js";
import type { ActionContext, AppDeps } from "../app/context.js";
import { AppError, invalidField, notFound } from "../app/errors.js";
import { actorRef, userIdOf, visibleOrNotFound, type Action } from "../core/access/index.js";
import { appendAudit, type JsonValue } from "../db/audit.js";
import { newId } from "../db/ids.js";
import type { WebhookDeliveryRow, WebhookEndpointRow } from "../db/schema.js";
import { toDbInstant } from "../db/time.js";
import { TEMPLATES } from "./templates/render.js";

/** Event types an endpoint may subscribe to ("*": all, including types added later). */
export const WEBHOOK_EVENT_TYPES: readonly string[] = TEMPLATES;

/** Every signing secret starts with this, so a leaked one is recognisable. */
export const WEBHOOK_SECRET_PREFIX = "whsec_";

const ENTITY = "webhook_endpoint";
const MAX_URL_LENGTH = 2000;

export interface WebhookEndpointView {
  readonly id: string;
  readonly url: string;
  readonly description: string | null;
  readonly events: readonly string[];
  readonly disabled: boolean;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface WebhookDeliveryView {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: string;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastAttemptAt: string | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: string | null;
  readonly createdAt: string;
}

export interface CreateWebhookEndpointInput {
  readonly url: string;
  readonly events: readonly string[];
  readonly description?: string | null;
}

export interface UpdateWebhookEndpointInput {
  readonly url?: string;
  readonly events?: readonly string[];
  readonly description?: string | null;
  readonly disabled?: boolean;
}

/** Built field by field: the secret is never part of a view. */
export function presentEndpoint(row: WebhookEndpointRow): WebhookEndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as string[],
    disabled: row.disabled === 1,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function presentDelivery(row: WebhookDeliveryRow): WebhookDeliveryView {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === "pending" ? row.next_attempt_at : null,
    lastAttemptAt: row.last_attempt_at,
    lastStatus: row.last_status,
    lastError: row.last_error,
    deliveredAt: row.delivered_at,
    createdAt: row.created_at,
  };
}

function allow(ctx: ActionContext, action: Action): void {
  assertVisible(visibleOrNotFound(ctx.actor, action), "webhook endpoint");
}

/** An http(s) URL without credentials (they would show in every listing). */
export function checkWebhookUrl(url: string, path: string): string {
  const trimmed = url.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_URL_LENGTH) {
    throw invalidField(path, `must be 1 to ${MAX_URL_LENGTH} characters`);
  }
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw invalidField(path, "must be an absolute http or https URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw invalidField(path, "must be an http or https URL");
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw invalidField(path, "must not carry a user name or password");
  }
  return parsed.toString();
}

/** The filter deduplicated: "*" alone, or known types in the documented order. */
export function checkEvents(events: readonly string[], path: string): string[] {
  events.forEach((e, i) => {
    if (e !== "*" && !WEBHOOK_EVENT_TYPES.includes(e)) {
      throw invalidField(
        `${path}[${i}]`,
        `must be "*" or one of ${WEBHOOK_EVENT_TYPES.join(", ")}`,
      );
    }
  });
  if (events.length === 0) throw invalidField(path, "must name at least one event type");
  if (events.includes("*")) return ["*"];
  return WEBHOOK_EVENT_TYPES.filter((t) => events.includes(t));
}

function checkDescription(value: string | null | undefined, path: string): string | null {
  if (value === undefined || value === null) return null;
  const trimmed = value.trim();
  if (trimmed.length > 500) throw invalidField(path, "must be at most 500 characters");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw invalidField(path, "must not contain control characters");
  }
  return trimmed === "" ? null : trimmed;
}

/** A new signing secret: `whsec_` and 32 random bytes as base64url. */
export function newWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString("base64url")}`;
}

/** Registers an endpoint; the answer carries its signing secret, shown this once. */
export async function createWebhookEndpoint(
  deps: AppDeps,
  ctx: ActionContext,
  input: CreateWebhookEndpointInput,
): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
  allow(ctx, "webhook.write");
  const url = checkWebhookUrl(input.url, "body.url");
  const events = checkEvents(input.events, "body.events");
  const description = checkDescription(input.description, "body.description");
  const now = deps.clock();
  const secret = newWebhookSecret();
  const row: WebhookEndpointRow = {
    id: newId("whe"),
    url,
    description,
    secret,
    events: JSON.stringify(events),
    disabled: 0,
    created_by: userIdOf(ctx.actor),
    created_at: toDbInstant(now),
    updated_at: toDbInstant(now),
  };
  await deps.db.transaction().execute(async (trx) => {
    await trx.insertInto("webhook_endpoints").values(row).execute();
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "webhook_endpoint.created",
      entityType: ENTITY,
      entityId: row.id,
      summary: { url, events },
      ip: ctx.ip,
      at: now,
    });
  });
  return { endpoint: presentEndpoint(row), secret };
}

/** Endpoints, oldest first, without their secrets. */
export async function listWebhookEndpoints(
  deps: AppDeps,
  ctx: ActionContext,
  page: PageQuery,
): Promise<Page<WebhookEndpointView>> {
  allow(ctx, "webhook.read");
  const rows = await keysetPage(
    deps.db.selectFrom("webhook_endpoints").selectAll(),
    page,
  ).execute();
  return toPage(rows, page.limit, presentEndpoint);
}

/** Changes an endpoint; disabling it holds its pending deliveries until it is enabled again. */
export async function updateWebhookEndpoint(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  input: UpdateWebhookEndpointInput,
): Promise<WebhookEndpointView> {
  allow(ctx, "webhook.write");
  const set: Partial<WebhookEndpointRow> = {};
  const summary: Record<string, JsonValue> = {};
  if (input.url !== undefined) summary["url"] = set.url = checkWebhookUrl(input.url, "body.url");
  if (input.events !== undefined) {
    const events = checkEvents(input.events, "body.events");
    set.events = JSON.stringify(events);
    summary["events"] = events;
  }
  if (input.description !== undefined) {
    summary["description"] = set.description = checkDescription(
      input.description,
      "body.description",
    );
  }
  if (input.disabled !== undefined) {
    set.disabled = input.disabled ? 1 : 0;
    summary["disabled"] = input.disabled;
  }
  const now = deps.clock();
  return deps.db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom("webhook_endpoints")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    if (before === undefined) throw notFound("webhook endpoint");
    const after: WebhookEndpointRow = { ...before, ...set, updated_at: toDbInstant(now) };
    await trx
      .updateTable("webhook_endpoints")
      .set({ ...set, updated_at: after.updated_at })
      .where("id", "=", id)
      .execute();
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "webhook_endpoint.updated",
      entityType: ENTITY,
      entityId: id,
      summary,
      ip: ctx.ip,
      at: now,
    });
    return presentEndpoint(after);
  });
}

/** Deletes an endpoint and its deliveries (pending ones are never sent). */
export async function deleteWebhookEndpoint(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
): Promise<void> {
  allow(ctx, "webhook.write");
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom("webhook_endpoints")
      .select(["id", "url"])
      .where("id", "=", id)
      .executeTakeFirst();
    if (before === undefined) throw notFound("webhook endpoint");
    // Explicitly, rather than relying on ON DELETE CASCADE being enforced by the connection.
    await trx.deleteFrom("webhook_deliveries").where("endpoint_id", "=", id).execute();
    await trx.deleteFrom("webhook_endpoints").where("id", "=", id).execute();
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "webhook_endpoint.deleted",
      entityType: ENTITY,
      entityId: id,
      summary: { url: before.url },
      ip: ctx.ip,
      at: now,
    });
  });
}

/** The deliveries of one endpoint, newest first. */
export async function listWebhookDeliveries(
  deps: AppDeps,
  ctx: ActionContext,
  endpointId: string,
  page: PageQuery,
): Promise<Page<WebhookDeliveryView>> {
  allow(ctx, "webhook.read");
  const endpoint = await deps.db
    .selectFrom("webhook_endpoints")
    .select("id")
    .where("id", "=", endpointId)
    .executeTakeFirst();
  if (endpoint === undefined) throw notFound("webhook endpoint");
  let q = deps.db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("endpoint_id", "=", endpointId);
  const { after } = page;
  if (after !== null) {
    q = q.where((eb) =>
      eb.or([
        eb("created_at", "<", after.createdAt),
        eb.and([eb("created_at", "=", after.createdAt), eb("id", "<", after.id)]),
      ]),
    );
  }
  const rows = await q
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, presentDelivery);
}

/**
 * Sends a parked (failed) delivery again: back to pending, due now, with a fresh count of attempts
 * (the last status and error stay until the next attempt). Only failed deliveries: a pending one is
 * already on its way (possibly in a worker's hands right now), a delivered one arrived.
 */
export async function retryWebhookDelivery(
  deps: AppDeps,
  ctx: ActionContext,
  endpointId: string,
  deliveryId: string,
): Promise<WebhookDeliveryView> {
  allow(ctx, "webhook.write");
  const now = deps.clock();
  return deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("id", "=", deliveryId)
      .where("endpoint_id", "=", endpointId)
      .executeTakeFirst();
    if (row === undefined) throw notFound("webhook delivery");
    if (row.status !== "failed") {
      throw new AppError(
        "conflict",
        `only a failed delivery can be retried; this one is ${row.status}`,
        [],
        {
          state: row.status,
        },
      );
    }
    const next = {
      status: "pending" as const,
      attempts: 0,
      next_attempt_at: toDbInstant(now),
    };
    await trx
      .updateTable("webhook_deliveries")
      .set(next)
      .where("id", "=", deliveryId)
      .where("status", "=", "failed")
      .execute();
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "webhook_delivery.retried",
      entityType: ENTITY,
      entityId: endpointId,
      summary: { deliveryId, eventId: row.event_id, attemptsBefore: row.attempts },
      ip: ctx.ip,
      at: now,
    });
    return presentDelivery({ ...row, ...next });
  });
}
