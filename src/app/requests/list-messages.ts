// The conversation on a request: questions, answers and notes, oldest first.

import type { ActionContext, AppDeps } from "../context.js";
import { readableRequest } from "./get-request.js";
import { presentMessage } from "./present.js";
import { messageRows } from "./repository.js";

/** The messages of a request the caller may read (clients: their own requests only). */
export async function listMessages(deps: AppDeps, ctx: ActionContext, requestId: string) {
  const row = await readableRequest(deps.db, ctx, requestId, "message.read");
  const messages = await messageRows(deps.db, row.id);
  return { items: messages.map(presentMessage) };
}
