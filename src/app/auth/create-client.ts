import type { AppDeps } from "../context.js";
import { insertClient } from "../clients/repository.js";
import { appendAudit } from "../../db/audit.js";
import { newId } from "../../db/ids.js";
import type { ClientRow } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";
import {
  callerIp,
  callerRef,
  checkName,
  normalizeEmail,
  requireAccountAdmin,
  type Caller,
} from "./common.js";
import { presentClient, type ClientView } from "./present.js";

export interface CreateClientInput {
  readonly name: string;
  /** The client's contact address (not a sign-in). */
  readonly email?: string | null;
}

/** Creates a client company (the owner of orders, requests and client users). */
export async function createClient(
  deps: AppDeps,
  ctx: Caller,
  input: CreateClientInput,
): Promise<ClientView> {
  requireAccountAdmin(ctx);
  const name = checkName(input.name, "body.name");
  const email =
    input.email === undefined || input.email === null
      ? null
      : normalizeEmail(input.email, "body.email");
  const now = deps.clock();
  const row: ClientRow = {
    id: newId("cl"),
    name,
    email,
    created_at: toDbInstant(now),
    updated_at: toDbInstant(now),
    archived_at: null,
  };
  await deps.db.transaction().execute(async (trx) => {
    await insertClient(trx, row);
    await appendAudit(trx, {
      actor: callerRef(ctx),
      action: "client.created",
      entityType: "client",
      entityId: row.id,
      summary: { name },
      ip: callerIp(ctx),
      at: now,
    });
  });
  return presentClient(row);
}
