// The evidence draft of a dispute (issue 20): the facts read from what the desk holds (the order,
// its service events, the requests with their decisions in the words of their policy version,
// the messages the client could read, the documents, the refunds on the charge, the policy the
// client bought under), the core's draft (core/disputes/evidence.ts), and finance's edits of the
// text fields over it (`disputes.evidence_json`).

import {
  evidenceDraft,
  EVIDENCE_TEXT_FIELDS,
  type EvidenceDraft,
  type EvidenceFacts,
  type EvidenceTextField,
} from "../../core/disputes/index.js";
import { shortRef } from "../../core/requests/reference.js";
import { fromDbMinor } from "../../db/money.js";
import { fromDbInstant } from "../../db/time.js";
import type { AppDeps } from "../context.js";
import {
  duplicateOriginal,
  evidenceAttachments,
  evidenceDecisions,
  evidenceMessages,
  evidenceOrder,
  evidencePayment,
  evidenceRequests,
  evidenceServiceEvents,
  succeededPayoutsOfPayment,
  type DisputeRow,
} from "./repository.js";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../db/schema.js";

type Db = Kysely<Database> | Transaction<Database>;

/** What `evidence_json` holds: finance's edits of the text fields, and the files uploaded. */
export interface StoredEvidence {
  readonly text?: Partial<Record<EvidenceTextField, string | null>>;
  readonly files?: Readonly<Record<string, string>>;
}

export function parseStoredEvidence(json: string | null): StoredEvidence {
  if (json === null) return {};
  const v = JSON.parse(json) as unknown;
  return typeof v === "object" && v !== null ? (v as StoredEvidence) : {};
}

/** The facts of the dispute's evidence, read in `db`. */
export async function evidenceFacts(
  deps: Pick<AppDeps, "policies">,
  db: Db,
  d: DisputeRow,
): Promise<EvidenceFacts> {
  const payment = await evidencePayment(db, d.payment_id);
  const order = await evidenceOrder(db, payment.order_id);
  const events = await evidenceServiceEvents(db, order.id);
  const requests = await evidenceRequests(db, order.id);
  const ids = requests.map((r) => r.id);
  const decisions = await evidenceDecisions(db, ids);
  const messages = await evidenceMessages(db, ids);
  const attachments = await evidenceAttachments(db, ids);
  const refunds = await succeededPayoutsOfPayment(db, payment.id);
  const original = await duplicateOriginal(db, payment.id);
  const bought = await deps.policies.inForceIn(db, fromDbInstant(order.placed_at));

  const outRequests = [];
  for (const r of requests) {
    const version = await deps.policies.forRequest(r, db);
    const words = version.policy.clauses as Readonly<Record<string, string>>;
    // The final decision: the last one written (a reopened request's latest).
    const d = decisions.filter((x) => x.request_id === r.id).at(-1);
    outRequests.push({
      reference: shortRef(r.id),
      reason: r.reason,
      description: r.description,
      status: r.status,
      submittedAt: r.submitted_at,
      decision:
        d === undefined
          ? null
          : {
              kind: d.kind,
              at: d.created_at,
              justification: d.justification,
              amount:
                d.amount_minor === null || d.amount_currency === null
                  ? null
                  : { minor: fromDbMinor(d.amount_minor), currency: d.amount_currency },
              clauses: (d.clauses_json === null
                ? []
                : (JSON.parse(d.clauses_json) as string[])
              ).map((id) => ({ id, text: words[id] ?? id })),
            },
      messages: messages
        .filter((m) => m.request_id === r.id)
        .map((m) => ({
          at: m.created_at,
          from: m.role === "client" ? ("client" as const) : ("staff" as const),
          body: m.body,
        })),
      attachments: attachments
        .filter((a) => a.request_id === r.id)
        .map((a) => ({
          name: a.original_name,
          contentType: a.content_type,
          sizeBytes: a.size_bytes,
          at: a.created_at,
        })),
    });
  }
  const clauses = bought.policy.clauses as Readonly<Record<string, string>>;
  return {
    dispute: {
      reason: d.reason,
      amount: { minor: fromDbMinor(d.amount_minor), currency: d.currency },
      chargeRef: d.charge_ref,
    },
    order: {
      id: order.id,
      serviceName: order.service_name,
      serviceCategory: order.service_category,
      billing: order.service_billing,
      price: { minor: fromDbMinor(order.price_minor), currency: order.price_currency },
      placedAt: order.placed_at,
      promisedStartBy: order.promised_start_by,
      promisedDeliveryBy: order.promised_delivery_by,
      startedAt: order.started_at,
      deliveredAt: order.delivered_at,
    },
    payment: {
      capturedAt: payment.captured_at,
      amount: { minor: fromDbMinor(payment.amount_minor), currency: payment.currency },
    },
    serviceEvents: events.map((e) => ({
      kind: e.kind,
      from: e.from_at,
      to: e.to_at,
      note: e.note,
    })),
    requests: outRequests,
    refunds: refunds.map((r) => ({
      at: r.succeeded_at ?? "",
      amount: { minor: fromDbMinor(r.amount_minor), currency: r.currency },
    })),
    duplicateOf:
      original === null
        ? null
        : { paymentId: original.id, chargeRef: original.provider_ref ?? original.charge_ref },
    policy: {
      version: bought.id,
      effectiveFrom: new Date(bought.effectiveAt).toISOString(),
      clauses: Object.entries(clauses).map(([id, text]) => ({ id, text })),
    },
  };
}

/** The draft as finance sees it: the core's draft with finance's edits of the text fields over it. */
export interface DraftView {
  readonly draft: EvidenceDraft;
  /** The text fields finance changed. */
  readonly edited: readonly EvidenceTextField[];
}

export async function draftOf(
  deps: Pick<AppDeps, "policies">,
  db: Db,
  d: DisputeRow,
): Promise<DraftView> {
  const base = evidenceDraft(await evidenceFacts(deps, db, d));
  const stored = parseStoredEvidence(d.evidence_json);
  const text = { ...base.text };
  const edited: EvidenceTextField[] = [];
  for (const f of EVIDENCE_TEXT_FIELDS) {
    const v = stored.text?.[f];
    if (v !== undefined) {
      text[f] = v;
      edited.push(f);
    }
  }
  return { draft: { text, documents: base.documents }, edited };
}
