import type { Role } from "../../db/schema.js";
import type { AppDeps } from "../context.js";
import { requireAccountAdmin, type Caller } from "./common.js";
import { keysetPage, toPage, type Page, type PageQuery } from "./pagination.js";
import { presentUser, type UserView } from "./present.js";

export interface ListUsersInput {
  readonly page: PageQuery;
  readonly role?: Role | undefined;
  readonly clientId?: string | undefined;
}

/** Every user account, oldest first, a page at a time (admins only). */
export async function listUsers(
  deps: AppDeps,
  ctx: Caller,
  input: ListUsersInput,
): Promise<Page<UserView>> {
  requireAccountAdmin(ctx);
  let q = deps.db.selectFrom("users").selectAll();
  if (input.role !== undefined) q = q.where("role", "=", input.role);
  if (input.clientId !== undefined) q = q.where("client_id", "=", input.clientId);
  const rows = await keysetPage(q, input.page).execute();
  return toPage(rows, input.page.limit, presentUser);
}
