import type { AppDeps } from "../context.js";
import { requireAccountAdmin, type Caller } from "./common.js";
import { apiTokenPage } from "./repository.js";
import { toPage, type Page, type PageQuery } from "./pagination.js";
import { presentApiToken, type ApiTokenView } from "./present.js";

/** API tokens, oldest first, without their secrets (admins only). */
export async function listApiTokens(
  deps: AppDeps,
  ctx: Caller,
  page: PageQuery,
): Promise<Page<ApiTokenView>> {
  requireAccountAdmin(ctx);
  const rows = await apiTokenPage(deps.db, page);
  return toPage(rows, page.limit, presentApiToken);
}
