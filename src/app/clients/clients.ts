// Client companies (the owners of orders, requests and client users): staff list and read them,
// admins create, rename, archive and restore them; a client user reads only its own company.
// Contacts are the users of role client of a company. Archived companies stay (their requests,
// orders and audit trail are history) but are left out of lists unless asked for, and take no new
// requests.

import { actorRef, can } from "../../core/access/index.js";
import { appendAudit } from "../../db/audit.js";
import type { ClientRow } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";
import { authorize, scopeFor } from "../authorize.js";
import { checkName, normalizeEmail } from "../auth/common.js";
import { toPage, type Page, type PageQuery } from "../auth/pagination.js";
import { presentUser, type UserView } from "../auth/present.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, notFound } from "../errors.js";
import { clientPage, contactPage, findClient, updateClientRow } from "./repository.js";

/** A client company as the API shows it. */
export interface ClientCompanyView {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly archived: boolean;
  readonly archivedAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function presentClientCompany(row: ClientRow): ClientCompanyView {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    archived: row.archived_at !== null,
    archivedAt: row.archived_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

async function readable(deps: AppDeps, ctx: ActionContext, id: string): Promise<ClientRow> {
  // A client asking about another company gets the 404 of a missing one.
  authorize(ctx.actor, "client.read", id, "client");
  const row = await findClient(deps.db, id);
  if (row === undefined) throw notFound("client");
  return row;
}

/** Client companies, oldest first (a client: its own only); archived ones only with `archived`. */
export async function listClients(
  deps: AppDeps,
  ctx: ActionContext,
  input: { readonly page: PageQuery; readonly archived?: "include" | "only" | "exclude" },
): Promise<Page<ClientCompanyView>> {
  const scope = scopeFor(ctx.actor, "client.read", "client");
  const rows = await clientPage(
    deps.db,
    {
      clientId: scope === "all" ? null : scope.clientId,
      archived: input.archived ?? "exclude",
    },
    input.page,
  );
  return toPage(rows, input.page.limit, presentClientCompany);
}

/** One client company. */
export async function getClient(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
): Promise<ClientCompanyView> {
  return presentClientCompany(await readable(deps, ctx, id));
}

export interface UpdateClientInput {
  readonly name?: string;
  readonly email?: string | null;
  /** true archives the company (no new requests); false restores it. */
  readonly archived?: boolean;
}

/** Renames, re-addresses, archives or restores a client company (admins). */
export async function updateClient(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
  input: UpdateClientInput,
): Promise<ClientCompanyView> {
  if (!can(ctx.actor, "client.write")) {
    throw new AppError("forbidden", "Only administrators change client companies.");
  }
  const name = input.name === undefined ? undefined : checkName(input.name, "body.name");
  const email =
    input.email === undefined || input.email === null
      ? input.email
      : normalizeEmail(input.email, "body.email");
  const now = deps.clock();
  return deps.db.transaction().execute(async (trx) => {
    const row = await findClient(trx, id);
    if (row === undefined) throw notFound("client");
    const archivedAt =
      input.archived === undefined
        ? row.archived_at
        : input.archived
          ? (row.archived_at ?? toDbInstant(now))
          : null;
    const next: ClientRow = {
      ...row,
      name: name ?? row.name,
      email: email === undefined ? row.email : email,
      archived_at: archivedAt,
      updated_at: toDbInstant(now),
    };
    await updateClientRow(trx, next);
    const changed: Record<string, string | boolean | null> = {};
    if (next.name !== row.name) changed["name"] = next.name;
    if (next.email !== row.email) changed["email"] = next.email;
    if (next.archived_at !== row.archived_at) changed["archived"] = next.archived_at !== null;
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "client.updated",
      entityType: "client",
      entityId: id,
      summary: changed,
      ip: ctx.ip,
      at: now,
    });
    return presentClientCompany(next);
  });
}

/** The contacts of a company: its users of role client, oldest first. */
export async function listContacts(
  deps: AppDeps,
  ctx: ActionContext,
  clientId: string,
  page: PageQuery,
): Promise<Page<UserView>> {
  await readable(deps, ctx, clientId);
  const rows = await contactPage(deps.db, clientId, page);
  return toPage(rows, page.limit, presentUser);
}
