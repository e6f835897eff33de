// QA's triage of inbound e-mail (issue 19): the list of what the desk could not file by itself,
// and the four ways to resolve an item, each audited (`inbound_mail.*` events):
//
// - assign-to-client: an unknown sender's message is the client's (its contact, or on its behalf
//   by the system user): it goes through the intake again with that client, so it becomes a
//   request, or waits again for its order or reason;
// - attach-to-request: the message joins a request: from a contact of that request's client as
//   their message (their answer when a question is open); otherwise as QA's internal note quoting
//   the e-mail; its attachments as documents either way;
// - classify-reason: QA says the reason and the order (the mail named none or several): the
//   request is made, as the contact, and the client gets the usual acknowledgement. (A contact's
//   e-mail that named its order but no plain reason is not here: it made a request in status
//   triage at once, classified on the request itself, POST /requests/{id}/classify-reason.
//   `reason_unclear` items are only those stored before that, migration 0020);
// - discard: kept, out of the list.
//
// An item is resolved once: the resolution is claimed by a conditional UPDATE before anything is
// done, and given back if the action fails.

import { actorRef, SYSTEM_ACTOR, userIdOf, type Actor } from "../../core/access/index.js";
import { REASONS, type Reason } from "../../core/policy/index.js";
import { appendAudit } from "../../db/audit.js";
import { keysetOf, pageOfRows } from "../paging.js";
import type { InboundMailRow, InboundMailStatus } from "../../db/schema.js";
import { toDbInstant } from "../../db/time.js";
import type { Page, PageQuery } from "../auth/pagination.js";
import { scopeFor } from "../authorize.js";
import type { AttachmentLimits } from "../attachments/storage.js";
import { clientExists } from "../clients/repository.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, invalidField, notFound } from "../errors.js";
import { intake, postOnRequest, readMail, type Processed } from "./process-inbound-mail.js";
import {
  findContactByEmail,
  findInboundMail,
  inboundMailPage,
  isContactOf,
  claimResolution,
  ordersOfClientAmong,
  requestsByHex,
  updateInboundMail,
} from "./repository.js";

/** Staff who triage (qa, admin): everyone's e-mail; anyone else is refused (401/403). */
function mayTriage(actor: Actor): void {
  if (scopeFor(actor, "mail.triage", "inbound e-mail") !== "all") {
    throw new AppError("forbidden", "Only reviewers triage e-mail.");
  }
}

/** The states QA resolves (the triage list's default). */
export const OPEN_TRIAGE: readonly InboundMailStatus[] = [
  "triage",
  "quarantined",
  "refused",
  "failed",
];

export const INBOUND_STATUSES: readonly InboundMailStatus[] = [
  "stored",
  "done",
  "ignored",
  "triage",
  "quarantined",
  "refused",
  "failed",
  "discarded",
];

/** An inbound e-mail as the API shows it (never its raw bytes). */
export interface InboundMailJson {
  readonly id: string;
  readonly receivedAt: string;
  readonly status: InboundMailStatus;
  /** Why it waits for QA: unknown_sender, order_unclear, reason_unclear, request_closed, ... */
  readonly triageKind: string | null;
  readonly outcome: string | null;
  readonly from: string | null;
  readonly subject: string | null;
  /** The start of the new text (quotes and signature stripped). */
  readonly excerpt: string | null;
  readonly clientId: string | null;
  readonly orderId: string | null;
  readonly requestId: string | null;
  readonly note: string | null;
  readonly authentication: { spf: string; dkim: string; dmarc: string } | null;
  readonly sizeBytes: number;
  readonly resolvedBy: string | null;
  readonly resolvedAt: string | null;
}

export function presentInboundMail(row: Omit<InboundMailRow, "raw">): InboundMailJson {
  let auth: InboundMailJson["authentication"] = null;
  if (row.auth_json !== null) {
    const a = JSON.parse(row.auth_json) as { spf: string; dkim: string; dmarc: string };
    auth = { spf: a.spf, dkim: a.dkim, dmarc: a.dmarc };
  }
  return {
    id: row.id,
    receivedAt: row.received_at,
    status: row.status,
    triageKind: row.triage_kind,
    outcome: row.outcome,
    from: row.from_address,
    subject: row.subject,
    excerpt: row.excerpt,
    clientId: row.client_id,
    orderId: row.order_id,
    requestId: row.request_id,
    note: row.note,
    authentication: auth,
    sizeBytes: Number(row.size_bytes),
    resolvedBy: row.resolved_by,
    resolvedAt: row.resolved_at,
  };
}

/** Reads `?status=` (comma-separated states, or `open`: everything QA resolves). */
export function parseInboundStatuses(raw: string | undefined): InboundMailStatus[] {
  if (raw === undefined || raw === "" || raw === "open") return [...OPEN_TRIAGE];
  const out: InboundMailStatus[] = [];
  for (const v of raw.split(",")) {
    if (!(INBOUND_STATUSES as readonly string[]).includes(v)) {
      throw invalidField(
        "querystring.status",
        `"${v}" is not a state; use open or one or more of ${INBOUND_STATUSES.join(", ")}`,
      );
    }
    out.push(v as InboundMailStatus);
  }
  return out;
}

/** The triage list: oldest first, one page. */
export async function listInboundMail(
  deps: AppDeps,
  ctx: ActionContext,
  input: { readonly statuses: readonly InboundMailStatus[]; readonly page: PageQuery },
): Promise<Page<InboundMailJson>> {
  mayTriage(ctx.actor);
  const rows = await inboundMailPage(
    deps.db,
    input.statuses,
    keysetOf(input.page),
    input.page.limit,
  );
  return pageOfRows(
    rows,
    input.page.limit,
    (r) => ({ key: r.received_at, id: r.id }),
    presentInboundMail,
  );
}

/** One inbound e-mail. */
export async function getInboundMail(
  deps: AppDeps,
  ctx: ActionContext,
  id: string,
): Promise<InboundMailJson> {
  mayTriage(ctx.actor);
  const row = await findInboundMail(deps.db, id);
  if (row === undefined) throw notFound("inbound e-mail");
  return presentInboundMail(row);
}

export type TriageAction =
  | { readonly action: "assign_to_client"; readonly clientId: string }
  | { readonly action: "attach_to_request"; readonly requestId: string }
  | { readonly action: "classify_reason"; readonly reason: Reason; readonly orderId?: string }
  | { readonly action: "discard"; readonly note?: string };

const AUDIT_ACTION: Record<TriageAction["action"], string> = {
  assign_to_client: "inbound_mail.assigned_to_client",
  attach_to_request: "inbound_mail.attached_to_request",
  classify_reason: "inbound_mail.reason_classified",
  discard: "inbound_mail.discarded",
};

/**
 * Resolves a triage item. 404 for an unknown id; 409 when it is not waiting for QA (or another
 * reviewer resolves it at the same moment); 422 naming the field for a client, request or order
 * that does not fit.
 */
export async function resolveInboundMail(
  deps: AppDeps,
  ctx: ActionContext,
  limits: AttachmentLimits,
  id: string,
  input: TriageAction,
): Promise<InboundMailJson> {
  mayTriage(ctx.actor);
  const who = userIdOf(ctx.actor);
  if (who === null) throw new AppError("forbidden", "triage needs a signed-in reviewer");
  if (
    input.action === "classify_reason" &&
    !(REASONS as readonly string[]).includes(input.reason)
  ) {
    throw invalidField("body.reason", `must be one of ${REASONS.join(", ")}`);
  }
  const row = await findInboundMail(deps.db, id);
  if (row === undefined) throw notFound("inbound e-mail");
  if (!OPEN_TRIAGE.includes(row.status) || row.resolved_at !== null) {
    throw new AppError("conflict", `This e-mail is ${row.status}, not waiting for triage.`, [], {
      state: row.status,
    });
  }
  const now = deps.clock();
  // Claim the resolution first: two reviewers never both act on one e-mail.
  if (!(await claimResolution(deps.db, id, OPEN_TRIAGE, who, toDbInstant(now)))) {
    throw new AppError("conflict", "Another reviewer is resolving this e-mail.");
  }
  let result: Processed;
  try {
    result = await act(deps, ctx, limits, row, input);
  } catch (e) {
    await updateInboundMail(deps.db, id, { resolved_by: null, resolved_at: null });
    throw e;
  }
  const resolved = result.status !== "triage";
  const set = {
    status: result.status,
    outcome: result.outcome,
    triage_kind: resolved ? null : (result.triageKind ?? result.outcome),
    client_id: result.clientId ?? row.client_id,
    order_id: result.orderId ?? row.order_id,
    request_id: result.requestId ?? row.request_id,
    note: result.note ?? (input.action === "discard" ? (input.note ?? null) : row.note),
    // Still waiting (e.g. assigned, but the order is unclear): the next reviewer may act again.
    resolved_by: resolved ? who : null,
    resolved_at: resolved ? toDbInstant(now) : null,
  };
  await deps.db.transaction().execute(async (trx) => {
    await updateInboundMail(trx, id, set);
    await appendAudit(trx, {
      actor: actorRef(ctx.actor),
      action: AUDIT_ACTION[input.action],
      entityType: "inbound_mail",
      entityId: id,
      summary: {
        action: input.action,
        from: row.status,
        to: result.status,
        outcome: result.outcome,
        clientId: set.client_id,
        orderId: set.order_id,
        requestId: set.request_id,
        ...(input.action === "classify_reason" ? { reason: input.reason } : {}),
      },
      ip: ctx.ip,
      at: now,
    });
  });
  // Presented from what was written (no read after the write: see claimResolution).
  return presentInboundMail({ ...row, ...set, triage_kind: set.triage_kind });
}

async function act(
  deps: AppDeps,
  ctx: ActionContext,
  limits: AttachmentLimits,
  row: InboundMailRow,
  input: TriageAction,
): Promise<Processed> {
  switch (input.action) {
    case "discard":
      return { status: "discarded", outcome: "discarded" };
    case "assign_to_client": {
      if (!(await clientExists(deps.db, input.clientId))) {
        throw new AppError("unprocessable", "There is no such client.", [
          { path: "body.clientId", message: "no client with this id" },
        ]);
      }
      const mail = await readMail(row);
      return intake(deps, limits, row, mail, {
        clientId: input.clientId,
        actor: await intakeActor(deps, mail.from, input.clientId),
        orderId: null,
        reason: null,
      });
    }
    case "classify_reason": {
      if (row.client_id === null) {
        throw new AppError(
          "conflict",
          "Whose e-mail this is is not known yet: assign it to a client first.",
        );
      }
      const orderId = input.orderId ?? row.order_id;
      if (orderId === null || orderId === undefined) {
        throw invalidField("body.orderId", "the e-mail names no single order: say which one");
      }
      if ((await ordersOfClientAmong(deps.db, row.client_id, [orderId])).length === 0) {
        throw new AppError("unprocessable", "That order is not this client's.", [
          { path: "body.orderId", message: "no order of this client with this id" },
        ]);
      }
      const mail = await readMail(row);
      return intake(deps, limits, row, mail, {
        clientId: row.client_id,
        actor: await intakeActor(deps, mail.from, row.client_id),
        orderId,
        reason: input.reason,
      });
    }
    case "attach_to_request": {
      const hex = input.requestId.replace(/^req_/, "").replace(/-/g, "").slice(0, 8);
      const target = (await requestsByHex(deps.db, hex)).find((r) => r.id === input.requestId);
      if (target === undefined) {
        throw new AppError("unprocessable", "There is no such request.", [
          { path: "body.requestId", message: "no request with this id" },
        ]);
      }
      const mail = await readMail(row);
      const contact = mail.from === null ? undefined : await findContactByEmail(deps.db, mail.from);
      if (contact !== undefined && contact.client_id === target.client_id) {
        const clientCtx: ActionContext = {
          actor: { role: "client", clientId: contact.client_id, userId: contact.id },
          ip: null,
        };
        const done = await postOnRequest(deps, limits, clientCtx, row, target, mail);
        // A request closed to the client: QA's note instead.
        if (done.status === "done") return done;
      }
      const header = `E-mail from ${mail.from ?? "an unknown sender"}${mail.subject === "" ? "" : `, "${mail.subject}"`}:\n\n`;
      return postOnRequest(deps, limits, ctx, { ...row, request_id: null }, target, mail, {
        internal: true,
        prefix: header,
      });
    }
  }
}

/** The contact who wrote (when a contact of `clientId`), else the system on the client's behalf. */
async function intakeActor(deps: AppDeps, from: string | null, clientId: string): Promise<Actor> {
  const contact = from === null ? undefined : await findContactByEmail(deps.db, from);
  if (contact !== undefined && (await isContactOf(deps.db, contact.id, clientId))) {
    return { role: "client", clientId, userId: contact.id };
  }
  return SYSTEM_ACTOR;
}
