// POST /orders and `import orders`: an order of an existing client, validated like the engine's
// orders, under the company's own order id (a second order with the same id is a 409).

import type { Transaction } from "kysely";
import {
  appendAudit,
  type AuditInput,
  type CanonicalJsonText,
  type JsonValue,
} from "../../db/audit.js";
import type { Database, OrderRow } from "../../db/schema.js";
import type { ActionContext, AppDeps } from "../context.js";
import type { AppError } from "../errors.js";
import { parseOrderInput } from "./input.js";
import { newOrderRow, orderCreatedSummary } from "./new-order.js";
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

export { newOrderRow, orderCreatedSummary };

function duplicate(id: string, at: string): AppError {
  return conflictOn(pathOf(at, "id"), `an order with id "${id}" already exists`, {
    orderId: id,
  });
}

/**
 * The `order.created` audit entry of a new order; `summary` is `orderCreatedSummary` of it (or
 * that summary's canonical text, made beforehand: bulk imports make it in their parse worker).
 */
export function orderCreatedEntry(
  orderId: string,
  summary: JsonValue | CanonicalJsonText,
  w: Writer,
): AuditInput {
  return {
    actor: w.actorRef,
    action: "order.created",
    entityType: "order",
    entityId: orderId,
    summary,
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
  const input = orThrow(parsed);
  const row = newOrderRow(input, w);
  await insertOrder(trx, row);
  await appendAudit(trx, orderCreatedEntry(row.id, orderCreatedSummary(input), w));
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
