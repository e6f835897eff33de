import { refusal, visibleOrNotFound } from "../../core/access/index.js";
import type { UserRow } from "../../db/schema.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, notFound } from "../errors.js";
import { presentUser, type UserView } from "./present.js";
import { findUser } from "./repository.js";

/** One user: a client sees only itself (another id answers 404, like a missing one); staff all. */
export async function getUser(deps: AppDeps, ctx: ActionContext, id: string): Promise<UserView> {
  const row = await findUser(deps.db, id);
  return presentUser(requireVisibleUser(ctx, row));
}

/** The row when the caller may read it; otherwise the error the access rules give. */
export function requireVisibleUser(ctx: ActionContext, row: UserRow | undefined): UserRow {
  if (row === undefined) throw notFound("user");
  switch (visibleOrNotFound(ctx.actor, "user.read", { userId: row.id })) {
    case "ok":
      return row;
    case "not_found":
      throw notFound("user");
    case "unauthenticated":
      throw new AppError("unauthenticated", "sign in or send an API token");
    case "forbidden":
      throw new AppError("forbidden", refusal(ctx.actor, "user.read"));
  }
}
