// POST /orders and `import orders`: an order of an existing client, validated like the engine's
// orders, under the company's own order id (a second order with the same id is a 409).

import type { Transaction } from "kysely";
import { appendAudit, type JsonValue } from "../../db/audit.js";
import { toDbMoney } from "../../db/money.js";
import type { Database, OrderRow } from "../../db/schema.js";
import { toDbInstant, toDbInstantOrNull } from "../../db/time.js";
import type { ActionContext, AppDeps } from "../context.js";
import type { AppError } from "../errors.js";
import { parseOrderInput } from "./input.js";
import { presentOrder, type OrderJson } from "./present.js";
import {
  conflictOn,
  findOrder,
  orThrow,
  pathOf,
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
  const input = orThrow(parseOrderInput(raw, at));
  const client = await trx
    .selectFrom("clients")
    .select("id")
    .where("id", "=", input.clientId)
    .executeTakeFirst();
  if (client === undefined) throw unprocessableOn(pathOf(at, "clientId"), "no client with this id");
  if ((await findOrder(trx, input.id)) !== undefined) throw duplicate(input.id, at);
  const now = toDbInstant(w.now);
  const price = toDbMoney(input.price);
  const row: OrderRow = {
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
  await trx.insertInto("orders").values(row).execute();
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
  await appendAudit(trx, {
    actor: w.actorRef,
    action: "order.created",
    entityType: "order",
    entityId: input.id,
    summary: facts as unknown as JsonValue,
    ip: w.ip,
    at: w.now,
  });
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
