import { can } from "../../core/access/index.js";
import type { Role } from "../../db/schema.js";
import type { AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import type { Caller } from "./common.js";
import { keysetPage, toPage, type Page, type PageQuery } from "./pagination.js";
import { presentUser, type UserView } from "./present.js";

export interface ListUsersInput {
  readonly page: PageQuery;
  readonly role?: Role | undefined;
  readonly clientId?: string | undefined;
}

/**
 * Every user account, oldest first, a page at a time: admins, and the staff who need the names of
 * the people on the requests they handle (qa, finance: `user.list`).
 */
export async function listUsers(
  deps: AppDeps,
  ctx: Caller,
  input: ListUsersInput,
): Promise<Page<UserView>> {
  if (ctx !== "system" && !can(ctx.actor, "user.list")) {
    throw new AppError("forbidden", "Your role may not list user accounts.");
  }
  let q = deps.db.selectFrom("users").selectAll();
  if (input.role !== undefined) q = q.where("role", "=", input.role);
  if (input.clientId !== undefined) q = q.where("client_id", "=", input.clientId);
  const rows = await keysetPage(q, input.page).execute();
  return toPage(rows, input.page.limit, presentUser);
}
