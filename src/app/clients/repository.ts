// Client companies in the database, and their contacts (users of role client).

import type { Kysely, Transaction } from "kysely";
import { keysetPage } from "../../db/keyset.js";
import { precompile } from "../../db/precompiled.js";
import type { ClientRow, Database, UserRow } from "../../db/schema.js";
import type { PageQuery } from "../auth/pagination.js";

type Db = Kysely<Database> | Transaction<Database>;

/** True when there is at least one client company (false: a fresh install). */
export async function hasAnyClient(db: Db): Promise<boolean> {
  const row = await db.selectFrom("clients").select("id").limit(1).executeTakeFirst();
  return row !== undefined;
}

/** True when the client company exists and is archived (it takes no new requests). */
export async function isClientArchived(db: Db, id: string): Promise<boolean> {
  const company = await CLIENT_ARCHIVED_AT.executeTakeFirst(db, { id });
  return company !== undefined && company.archived_at !== null;
}

// Asked in every intake's transaction: compiled once (ADR 0011's precompiled queries).
const CLIENT_ARCHIVED_AT = precompile<{ id: string }>()((db, p) =>
  db.selectFrom("clients").select("archived_at").where("id", "=", p("id")),
);

/** True when a client company has this id. */
export async function clientExists(db: Db, clientId: string): Promise<boolean> {
  const client = await db
    .selectFrom("clients")
    .select("id")
    .where("id", "=", clientId)
    .executeTakeFirst();
  return client !== undefined;
}

/** Writes a new client company. */
export async function insertClient(trx: Db, row: ClientRow): Promise<void> {
  await trx.insertInto("clients").values(row).execute();
}

export async function findClient(db: Db, id: string): Promise<ClientRow | undefined> {
  return db.selectFrom("clients").selectAll().where("id", "=", id).executeTakeFirst();
}

/**
 * One page of client companies, oldest first (one row more than the limit when there is a next
 * page): one company or all of them, archived ones left out, included or alone.
 */
export async function clientPage(
  db: Db,
  filter: {
    readonly clientId: string | null;
    readonly archived: "include" | "only" | "exclude";
  },
  page: PageQuery,
): Promise<ClientRow[]> {
  let q = db.selectFrom("clients").selectAll();
  if (filter.clientId !== null) q = q.where("id", "=", filter.clientId);
  if (filter.archived === "exclude") q = q.where("archived_at", "is", null);
  if (filter.archived === "only") q = q.where("archived_at", "is not", null);
  return keysetPage(q, page).execute();
}

/** Writes a company's name, e-mail, archive time and update time. */
export async function updateClientRow(trx: Db, next: ClientRow): Promise<void> {
  await trx
    .updateTable("clients")
    .set({
      name: next.name,
      email: next.email,
      archived_at: next.archived_at,
      updated_at: next.updated_at,
    })
    .where("id", "=", next.id)
    .execute();
}

/** One page of a company's contacts (its users of role client), oldest first. */
export async function contactPage(db: Db, clientId: string, page: PageQuery): Promise<UserRow[]> {
  return keysetPage(
    db
      .selectFrom("users")
      .selectAll()
      .where("client_id", "=", clientId)
      .where("role", "=", "client"),
    page,
  ).execute();
}
