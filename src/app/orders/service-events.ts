// Service events of an order: client blockers, external incidents and internal faults, with who
// recorded them and when. Recording one, or changing its end (closing an ongoing blocker) or note,
// re-evaluates the order's open refund requests in the same transaction: the engine counts these
// periods when it judges a delay.

import type { Transaction } from "kysely";
import { appendAudit, type AuditInput, type JsonValue } from "../../db/audit.js";
import { newId } from "../../db/ids.js";
import type { Database, ServiceEventRow } from "../../db/schema.js";
import { fromDbInstant, toDbInstant, toDbInstantOrNull } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import { notFound } from "../errors.js";
import { lockOrder } from "../requests/repository.js";
import {
  checkEventSpan,
  parseServiceEventChanges,
  parseServiceEventImport,
  parseServiceEventInput,
  type ServiceEventInput,
} from "./input.js";
import { instantJson, presentServiceEvent, type ServiceEventJson } from "./present.js";
import { insertServiceEvent, serviceEventOfOrder, updateServiceEventRow } from "./repository.js";
import {
  impossibleId,
  loadOrderFor,
  lockOrderFor,
  orThrow,
  pathOf,
  RowProblems,
  soundField,
  reevaluate,
  unprocessableOn,
  writerOf,
  type Writer,
} from "./shared.js";
import { authorize } from "../authorize.js";
import type { Page, PageQuery } from "../auth/pagination.js";
import { keysetOf, pageOfRows } from "../paging.js";
import { orderEventsPage } from "./queries.js";

/** The row of a new, validated service event of an order (API and import alike). */
export function newEventRow(orderId: string, input: ServiceEventInput, w: Writer): ServiceEventRow {
  return {
    id: newId("evt"),
    order_id: orderId,
    kind: input.kind,
    from_at: toDbInstant(input.from),
    to_at: toDbInstantOrNull(input.to),
    note: input.note,
    recorded_by: w.actorRef,
    recorded_at: toDbInstant(w.now),
  };
}

/** The `event.recorded` audit entry of a new service event. */
export function eventRecordedEntry(row: ServiceEventRow, w: Writer): AuditInput {
  return {
    actor: w.actorRef,
    action: "event.recorded",
    entityType: "service_event",
    entityId: row.id,
    summary: {
      eventId: row.id,
      orderId: row.order_id,
      kind: row.kind,
      from: instantJson(row.from_at),
      to: row.to_at === null ? null : instantJson(row.to_at),
      note: row.note,
    },
    ip: w.ip,
    at: w.now,
  };
}

async function insertEvent(
  trx: Transaction<Database>,
  w: Writer,
  orderId: string,
  input: ServiceEventInput,
): Promise<ServiceEventRow> {
  const row = newEventRow(orderId, input, w);
  await insertServiceEvent(trx, row);
  await appendAudit(trx, eventRecordedEntry(row, w));
  return row;
}

/** POST /orders/:id/events: records an event on the order and re-evaluates its requests. */
export async function recordServiceEvent(
  deps: AppDeps,
  ctx: ActionContext,
  orderId: string,
  raw: unknown,
): Promise<ServiceEventJson> {
  const input = orThrow(parseServiceEventInput(raw, "body"));
  const w = writerOf(deps, ctx);
  return deps.db.transaction().execute(async (trx) => {
    const order = await lockOrderFor(trx, ctx.actor, "event.write", orderId);
    const row = await insertEvent(trx, w, order.id, input);
    await reevaluate(deps, trx, order.id, w);
    return presentServiceEvent(row);
  });
}

/**
 * `import events`, inside the caller's transaction: an event row names its order. Does not
 * re-evaluate (the import does, once per changed order).
 */
export async function recordServiceEventIn(
  trx: Transaction<Database>,
  w: Writer,
  raw: unknown,
  at: string,
): Promise<ServiceEventRow> {
  const parsed = parseServiceEventImport(raw, at);
  // Every problem of the row at once: its fields, and its order when that field reads.
  const problems = new RowProblems(parsed);
  const orderId = parsed.ok ? parsed.value.orderId : soundField(raw, "orderId", at, parsed.error);
  const order = orderId === undefined ? undefined : await lockOrder(trx, orderId); // no NUL
  if (orderId !== undefined && order === undefined) {
    problems.add(unprocessableOn(pathOf(at, "orderId"), "no order with this id"));
  }
  problems.throwIfAny();
  const input = orThrow(parsed);
  if (order === undefined) throw unprocessableOn(pathOf(at, "orderId"), "no order with this id");
  authorize(w.ctx.actor, "event.write", order.client_id, "order");
  return insertEvent(trx, w, order.id, input);
}

/** PATCH /orders/:id/events/:eventId: sets the end (`to`, null = ongoing) and/or the note. */
export async function updateServiceEvent(
  deps: AppDeps,
  ctx: ActionContext,
  orderId: string,
  eventId: string,
  raw: unknown,
): Promise<ServiceEventJson> {
  const changes = orThrow(parseServiceEventChanges(raw, "body"));
  const w = writerOf(deps, ctx);
  return deps.db.transaction().execute(async (trx) => {
    const order = await lockOrderFor(trx, ctx.actor, "event.write", orderId);
    if (impossibleId(eventId)) throw notFound("service event");
    const row = await serviceEventOfOrder(trx, eventId, order.id);
    if (row === undefined) throw notFound("service event");
    const to = changes.to === undefined ? row.to_at : toDbInstantOrNull(changes.to);
    const span = checkEventSpan(
      fromDbInstant(row.from_at),
      to === null ? null : fromDbInstant(to),
      "body",
    );
    if (span !== null) orThrow({ ok: false, error: span });
    const note = changes.note === undefined ? row.note : changes.note;
    const diff: Record<string, JsonValue> = {};
    if (to !== row.to_at) {
      diff["to"] = {
        from: row.to_at === null ? null : instantJson(row.to_at),
        to: to === null ? null : instantJson(to),
      };
    }
    if (note !== row.note) diff["note"] = { from: row.note, to: note };
    if (Object.keys(diff).length === 0) return presentServiceEvent(row);

    await updateServiceEventRow(trx, row.id, { to_at: to, note });
    await appendAudit(trx, {
      actor: w.actorRef,
      action: "event.changed",
      entityType: "service_event",
      entityId: row.id,
      summary: { eventId: row.id, orderId: order.id, changes: diff },
      ip: w.ip,
      at: w.now,
    });
    await reevaluate(deps, trx, order.id, w);
    return presentServiceEvent({ ...row, to_at: to, note });
  });
}

/** GET /orders/:id/events: the order's events in time order, if the caller may read them. */
export async function listOrderEvents(
  deps: AppDeps,
  ctx: ActionContext,
  orderId: string,
  page: PageQuery,
): Promise<Page<ServiceEventJson>> {
  const order = await loadOrderFor(deps.db, ctx.actor, "event.read", orderId);
  const rows = await orderEventsPage(deps.db, order.id, keysetOf(page), page.limit);
  return pageOfRows(rows, page.limit, (r) => ({ key: r.from_at, id: r.id }), presentServiceEvent);
}
