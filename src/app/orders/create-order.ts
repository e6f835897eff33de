// POST /orders and `import orders`: an order of an existing client, validated like the engine's
// orders, under the company's own order id (a second order with the same id is a 409).

import type { Transaction } from "kysely";
import { appendAudit, type AuditInput, type JsonValue } from "../../db/audit.js";
import { toDbMoney } from "../../db/money.js";
import type { Database, OrderRow } from "../../db/schema.js";
import { toDbInstant, toDbInstantOrNull } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import type { AppError } from "../errors.js";
import { parseOrderInput, type OrderFacts } from "./input.js";
import { presentOrder, type OrderJson } from "./present.js";
import { clientExists } from "../clients/repository.js";
import { insertOrder } from "./repository.js";
import {
  conflictOn,
  findOrder,
  orThrow,
  pathOf,
  RowProblems,
  soundField,
  unprocessableOn,
  writeTransaction,
  writerOf,
  type Writer,
} from "./shared.js";

function duplicate(id: string, at: string): AppError {
  return conflictOn(pathOf(at, "id"), `an order with id "${id}" already exists`, {
    orderId: id,
  });
}

/** The row of a new, validated order (API and import alike). */
export function newOrderRow(input: OrderFacts, w: Writer): OrderRow {
  const now = toDbInstant(w.now);
  const price = toDbMoney(input.price);
  return {
    id: input.id,
    client_id: input.clientId,
    service_name: input.service.name,
    service_category: input.service.category,
    service_billing: input.service.billing,
    price_minor: price.minor,
    price_currency: price.currency,
    placed_at: toDbInstant(input.placedAt),
    promised_start_by: toDbInstantOrNull(input.promisedStartBy),
    promised_delivery_by: toDbInstantOrNull(input.promisedDeliveryBy),
    started_at: toDbInstantOrNull(input.startedAt),
    delivered_at: toDbInstantOrNull(input.deliveredAt),
    subscription_period_start: toDbInstantOrNull(input.subscription?.periodStart ?? null),
    subscription_period_end: toDbInstantOrNull(input.subscription?.periodEnd ?? null),
    subscription_charge_ref: input.subscription?.chargeRef ?? null,
    created_at: now,
    updated_at: now,
    version: 0,
  };
}

/** The `order.created` audit entry of a new order: its facts as the API shows them. */
export function orderCreatedEntry(row: OrderRow, w: Writer): AuditInput {
  const shown = presentOrder(row);
  const facts = {
    id: shown.id,
    clientId: shown.clientId,
    service: shown.service,
    price: shown.price,
    placedAt: shown.placedAt,
    promisedStartBy: shown.promisedStartBy,
    promisedDeliveryBy: shown.promisedDeliveryBy,
    startedAt: shown.startedAt,
    deliveredAt: shown.deliveredAt,
    subscription: shown.subscription,
  };
  return {
    actor: w.actorRef,
    action: "order.created",
    entityType: "order",
    entityId: row.id,
    summary: facts as unknown as JsonValue,
    ip: w.ip,
    at: w.now,
  };
}

/** The conflict of an order id already taken. */
export function orderIdTaken(id: string, at: string): AppError {
  return duplicate(id, at);
}

/**
 * Inside the caller's transaction: validates `raw` (error paths below `at`), checks the client
 * exists and the id is new, inserts the order and appends `order.created`.
 */
export async function createOrderIn(
  trx: Transaction<Database>,
  w: Writer,
  raw: unknown,
  at: string,
): Promise<OrderRow> {
  const parsed = parseOrderInput(raw, at);
  // Every problem of the input at once: its fields, then its references (as far as they read).
  const problems = new RowProblems(parsed);
  const errors = parsed.ok ? [] : parsed.error;
  const clientId = parsed.ok ? parsed.value.clientId : soundField(raw, "clientId", at, errors);
  const id = parsed.ok ? parsed.value.id : soundField(raw, "id", at, errors);
  if (clientId !== undefined) {
    if (!(await clientExists(trx, clientId))) {
      problems.add(unprocessableOn(pathOf(at, "clientId"), "no client with this id"));
    }
  }
  if (id !== undefined && (await findOrder(trx, id)) !== undefined) problems.add(duplicate(id, at));
  problems.throwIfAny();
  const row = newOrderRow(orThrow(parsed), w);
  await insertOrder(trx, row);
  await appendAudit(trx, orderCreatedEntry(row, w));
  return row;
}

/** Creates an order (orders:write tokens and admins; the route checks the role). */
export async function createOrder(
  deps: AppDeps,
  ctx: ActionContext,
  raw: unknown,
): Promise<OrderJson> {
  const w = writerOf(deps, ctx);
  const id = (raw as { id?: unknown } | null)?.id;
  const row = await writeTransaction(
    deps,
    () => duplicate(String(id), "body"),
    (trx) => createOrderIn(trx, w, raw, "body"),
  );
  return presentOrder(row);
}
