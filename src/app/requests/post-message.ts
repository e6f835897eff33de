// A free message on a request: staff write notes at any time; a client writes on its own request
// while it is open. Staff may mark a note `internal`: it is kept for staff only (never listed to
// the client, never mailed to it, not on the client's timeline). Answers to a question go through the `answer` event instead (it resumes the
// review); this neither changes the status nor the version.

import { actorRef, can, isStaff, userIdOf } from "../../core/access/index.js";
import { isOpen, type RequestStatus } from "../../core/requests/index.js";
import type { Transaction } from "kysely";
import { appendAudit } from "../../db/audit.js";
import type { Database } from "../../db/schema.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, invalidField } from "../errors.js";
import { readableRequest } from "./get-request.js";
import { presentMessage } from "./present.js";
import { enqueueOutbox } from "../../db/outbox.js";
import { insertMessage, REQUEST_ENTITY, setLastClientReply } from "./repository.js";

export const MAX_MESSAGE_LENGTH = 10_000;

/** Stores a note on the request, with its audit event and a notification for the other side. */
export async function postMessage(
  deps: AppDeps,
  ctx: ActionContext,
  input: {
    readonly requestId: string;
    readonly body: string;
    readonly internal?: boolean;
    /** Runs in the message's transaction (inbound e-mail marks the e-mail that carried it). */
    readonly alsoInTransaction?: (trx: Transaction<Database>) => Promise<void>;
  },
) {
  const body = input.body.trim();
  if (body === "") throw invalidField("body.body", "must not be blank");
  const author = userIdOf(ctx.actor);
  if (author === null) throw new AppError("forbidden", "a message needs a signed-in user");
  const internal = input.internal === true;
  return deps.db.transaction().execute(async (trx) => {
    const row = await readableRequest(trx, ctx, input.requestId, "message.create");
    if (internal && !can(ctx.actor, "request.note", { clientId: row.client_id })) {
      throw new AppError("forbidden", "Only reviewers can write internal notes.", [
        { path: "body.internal", message: "only reviewers may write internal notes" },
      ]);
    }
    const staff = isStaff(ctx.actor);
    if (!staff && !isOpen(row.status as RequestStatus)) {
      throw new AppError(
        "invalid_transition",
        "This request is closed, so no more messages can be written on it.",
        [],
        {
          state: row.status,
          currentVersion: row.version,
        },
      );
    }
    const now = deps.clock();
    const message = await insertMessage(trx, {
      requestId: row.id,
      authorUserId: author,
      kind: "note",
      body,
      at: now,
      internal,
    });
    if (!staff) {
      await setLastClientReply(trx, row.id, message.created_at);
    }
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: "message.create",
      entityType: REQUEST_ENTITY,
      entityId: row.id,
      summary: { messageId: message.id, kind: message.kind, internal, length: body.length },
      ip: ctx.ip,
      at: now,
    });
    await input.alsoInTransaction?.(trx);
    // An internal note tells nobody: the client must not learn of it, staff read it in place.
    if (!internal)
      await enqueueOutbox(
        trx,
        "notify.message_posted",
        {
          requestId: row.id,
          orderId: row.order_id,
          clientId: row.client_id,
          messageId: message.id,
          audience: staff ? "client" : "staff",
          template: "message_posted",
        },
        now,
      );
    return presentMessage({ ...message, author_role: staff ? ctx.actor.role : "client" });
  });
}
