import { can } from "../../core/access/index.js";
import type { Role } from "../../db/schema.js";
import type { AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import type { Caller } from "./common.js";
import { userPage } from "./repository.js";
import { toPage, type Page, type PageQuery } from "./pagination.js";
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
  const rows = await userPage(deps.db, { role: input.role, clientId: input.clientId }, input.page);
  return toPage(rows, input.page.limit, presentUser);
}
