import type { AppDeps } from "../context.js";
import { requireAccountAdmin, type Caller } from "./common.js";
import { toPage, type Page, type PageQuery } from "./pagination.js";
import { presentApiToken, type ApiTokenView } from "./present.js";

/** API tokens, oldest first, without their secrets (admins only). */
export async function listApiTokens(
  deps: AppDeps,
  ctx: Caller,
  page: PageQuery,
): Promise<Page<ApiTokenView>> {
  requireAccountAdmin(ctx);
  let q = deps.db.selectFrom("api_tokens").selectAll();
  const { after } = page;
  if (after !== null) {
    q = q.where((eb) =>
      eb.or([
        eb("created_at", ">", after.createdAt),
        eb.and([eb("created_at", "=", after.createdAt), eb("id", ">", after.id)]),
      ]),
    );
  }
  const rows = await q
    .orderBy("created_at", "asc")
    .orderBy("id", "asc")
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, presentApiToken);
}
