// Service events of an order: client blockers, external incidents and internal faults, with who
// recorded them and when. Recording one, or changing its end (closing an ongoing blocker) or note,
// re-evaluates the order's open refund requests in the same transaction: the engine counts these
// periods when it judges a delay.

import type { Transaction } from "kysely";
import { appendAudit, type JsonValue } from "../../db/audit.js";
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
import {
  impossibleId,
  loadOrderFor,
  lockOrderFor,
  orThrow,
  pathOf,
  reevaluate,
  unprocessableOn,
  writerOf,
  type Writer,
} from "./shared.js";
import { authorize } from "../authorize.js";

async function insertEvent(
  trx: Transaction<Database>,
  w: Writer,
  orderId: string,
  input: ServiceEventInput,
): Promise<ServiceEventRow> {
  const row: ServiceEventRow = {
    id: newId("evt"),
    order_id: orderId,
    kind: input.kind,
    from_at: toDbInstant(input.from),
    to_at: toDbInstantOrNull(input.to),
    note: input.note,
    recorded_by: w.actorRef,
    recorded_at: toDbInstant(w.now),
  };
  await trx.insertInto("service_events").values(row).execute();
  await appendAudit(trx, {
    actor: w.actorRef,
    action: "event.recorded",
    entityType: "service_event",
    entityId: row.id,
    summary: {
      eventId: row.id,
      orderId,
      kind: row.kind,
      from: instantJson(row.from_at),
      to: row.to_at === null ? null : instantJson(row.to_at),
      note: row.note,
    },
    ip: w.ip,
    at: w.now,
  });
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
  const input = orThrow(parseServiceEventImport(raw, at));
  const order = await lockOrder(trx, input.orderId); // parsed: holds no NUL
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
    const row = await trx
      .selectFrom("service_events")
      .selectAll()
      .where("id", "=", eventId)
      .where("order_id", "=", order.id)
      .executeTakeFirst();
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

    await trx
      .updateTable("service_events")
      .set({ to_at: to, note })
      .where("id", "=", row.id)
      .execute();
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
): Promise<{ items: ServiceEventJson[] }> {
  const order = await loadOrderFor(deps.db, ctx.actor, "event.read", orderId);
  const rows = await deps.db
    .selectFrom("service_events")
    .selectAll()
    .where("order_id", "=", order.id)
    .orderBy("from_at", "asc")
    .orderBy("id", "asc")
    .execute();
  return { items: rows.map(presentServiceEvent) };
}
