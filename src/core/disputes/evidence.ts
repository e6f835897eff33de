// The evidence draft of a dispute (issue 20), assembled from what the desk holds, in Stripe's own
// evidence fields. Pure: the shell reads the order, its service events, the requests with their
// decisions, messages and documents, the payment's refunds and the policy version the client
// bought under, and this writes the texts and the documents (as sections of lines; the shell
// renders them as PDFs). Finance reviews and edits the text fields before submitting.

import { formatMinor } from "../money/money.js";

export interface EvidenceMoney {
  readonly minor: bigint;
  readonly currency: string;
}

export interface EvidenceServiceEvent {
  /** client_blocker, external_incident, internal_fault, ... */
  readonly kind: string;
  /** ISO instants. */
  readonly from: string;
  readonly to: string | null;
  readonly note: string | null;
}

export interface EvidenceDecision {
  /** approve, deny, offer_alternative. */
  readonly kind: string;
  readonly at: string;
  readonly justification: string | null;
  readonly amount: EvidenceMoney | null;
  /** The clauses the decision rests on, each with its words in the request's policy version. */
  readonly clauses: readonly { readonly id: string; readonly text: string }[];
}

export interface EvidenceRequest {
  readonly reference: string;
  /** null: a request made from an e-mail whose reason was never classified (triage). */
  readonly reason: string | null;
  readonly description: string;
  readonly status: string;
  readonly submittedAt: string;
  readonly decision: EvidenceDecision | null;
  readonly messages: readonly {
    readonly at: string;
    readonly from: "client" | "staff";
    readonly body: string;
  }[];
  readonly attachments: readonly {
    readonly name: string;
    readonly contentType: string;
    readonly sizeBytes: number;
    readonly at: string;
  }[];
}

export interface EvidenceFacts {
  readonly dispute: {
    readonly reason: string;
    readonly amount: EvidenceMoney;
    readonly chargeRef: string;
  };
  readonly order: {
    readonly id: string;
    readonly serviceName: string;
    readonly serviceCategory: string;
    readonly billing: string;
    readonly price: EvidenceMoney;
    readonly placedAt: string;
    readonly promisedStartBy: string | null;
    readonly promisedDeliveryBy: string | null;
    readonly startedAt: string | null;
    readonly deliveredAt: string | null;
  };
  readonly payment: { readonly capturedAt: string; readonly amount: EvidenceMoney };
  readonly serviceEvents: readonly EvidenceServiceEvent[];
  readonly requests: readonly EvidenceRequest[];
  /** Refunds that went back on the disputed charge. */
  readonly refunds: readonly { readonly at: string; readonly amount: EvidenceMoney }[];
  /** When the disputed payment is an extra (a duplicate) of the order: the payment it repeats. */
  readonly duplicateOf: { readonly paymentId: string; readonly chargeRef: string } | null;
  /** The policy version in force when the order was placed (what the client bought under). */
  readonly policy: {
    readonly version: string;
    readonly effectiveFrom: string;
    readonly clauses: readonly { readonly id: string; readonly text: string }[];
  };
}

/** A document of the draft: rendered as a PDF and uploaded when the evidence is submitted. */
export interface EvidenceDocument {
  readonly title: string;
  readonly sections: readonly { readonly heading: string; readonly lines: readonly string[] }[];
}

/** The text fields of Stripe's evidence the desk fills (finance may edit them). */
export const EVIDENCE_TEXT_FIELDS = [
  "service_date",
  "product_description",
  "refund_policy_disclosure",
  "refund_refusal_explanation",
  "duplicate_charge_explanation",
  "uncategorized_text",
] as const;
export type EvidenceTextField = (typeof EVIDENCE_TEXT_FIELDS)[number];

/** The file fields, each a PDF the desk renders from its records. */
export const EVIDENCE_FILE_FIELDS = [
  "service_documentation",
  "customer_communication",
  "refund_policy",
] as const;
export type EvidenceFileField = (typeof EVIDENCE_FILE_FIELDS)[number];

export interface EvidenceDraft {
  readonly text: Readonly<Record<EvidenceTextField, string | null>>;
  readonly documents: Readonly<Record<EvidenceFileField, EvidenceDocument>>;
}

/** Stripe's limit on the evidence text fields together is 150,000 characters; one field's share. */
export const MAX_TEXT_FIELD = 20_000;

const money = (m: EvidenceMoney): string => `${formatMinor(m.minor, m.currency)} ${m.currency}`;
const day = (iso: string | null): string | null => (iso === null ? null : iso.slice(0, 10));

const EVENT_WORDS: Readonly<Record<string, string>> = {
  client_blocker: "Blocked by the client",
  external_incident: "External incident",
  internal_fault: "Our own fault",
};

function eventLine(e: EvidenceServiceEvent): string {
  const what = EVENT_WORDS[e.kind] ?? e.kind;
  const until = e.to === null ? "ongoing" : e.to;
  return `${what}: ${e.from} to ${until}${e.note === null || e.note === "" ? "" : ` - ${e.note}`}`;
}

function clip(text: string): string {
  return text.length <= MAX_TEXT_FIELD ? text : `${text.slice(0, MAX_TEXT_FIELD - 1)}…`;
}

/** The decision finance answers the dispute with: the last denial, else the last decision. */
function decisiveRequest(requests: readonly EvidenceRequest[]): EvidenceRequest | null {
  const decided = requests.filter((r) => r.decision !== null);
  const denied = decided.filter((r) => r.decision?.kind === "deny");
  const pick = (list: readonly EvidenceRequest[]) =>
    [...list].sort((a, b) => ((a.decision?.at ?? "") < (b.decision?.at ?? "") ? -1 : 1)).at(-1) ??
    null;
  return pick(denied) ?? pick(decided);
}

/** The draft (see the header). The same facts always give the same draft. */
export function evidenceDraft(f: EvidenceFacts): EvidenceDraft {
  const o = f.order;
  const blockers = f.serviceEvents.filter((e) => e.kind === "client_blocker");
  const serviceDate = day(o.deliveredAt) ?? day(o.startedAt);

  const product = clip(
    `${o.serviceName} (${o.serviceCategory}, ${o.billing}), order ${o.id} placed ${o.placedAt} ` +
      `for ${money(o.price)}. Promised start by ${o.promisedStartBy ?? "not set"}, delivery by ` +
      `${o.promisedDeliveryBy ?? "not set"}; started ${o.startedAt ?? "not yet"}, delivered ` +
      `${o.deliveredAt ?? "not yet"}.`,
  );

  const disclosure = clip(
    `The client bought under refund policy version ${f.policy.version} (in force from ` +
      `${f.policy.effectiveFrom}), published on our site and linked from every refund request and ` +
      `decision. Refund requests are opened through our Refund Desk and decided under that policy.`,
  );

  const decisive = decisiveRequest(f.requests);
  let refusal: string | null = null;
  if (decisive?.decision != null) {
    const d = decisive.decision;
    const parts = [
      `The client asked for a refund (${decisive.reference}, reason: ${decisive.reason ?? "not classified"}) on ` +
        `${decisive.submittedAt}. Decision on ${d.at}: ${d.kind}` +
        `${d.amount === null ? "" : ` (${money(d.amount)})`}.`,
    ];
    if (d.justification !== null && d.justification !== "") {
      parts.push(`Justification: ${d.justification}`);
    }
    if (d.clauses.length > 0) {
      parts.push(
        `The decision rests on the policy's clauses: ${d.clauses.map((c) => `${c.id} ("${c.text}")`).join("; ")}.`,
      );
    }
    if (blockers.length > 0) {
      parts.push(`Recorded client-side blockers: ${blockers.map(eventLine).join("; ")}.`);
    }
    if (o.deliveredAt === null) {
      parts.push("The service was not delivered; the delay is explained by the events above.");
    }
    refusal = clip(parts.join("\n"));
  }

  let duplicate: string | null = null;
  if (f.duplicateOf !== null || f.dispute.reason === "duplicate") {
    const refunded = f.refunds.reduce((s, r) => s + r.amount.minor, 0n);
    const lines = [
      f.duplicateOf === null
        ? `The client says charge ${f.dispute.chargeRef} is a duplicate.`
        : `Charge ${f.dispute.chargeRef} repeated payment ${f.duplicateOf.paymentId} (charge ${f.duplicateOf.chargeRef}) for order ${o.id}.`,
    ];
    if (refunded > 0n) {
      lines.push(
        `It was already refunded: ${f.refunds.map((r) => `${money(r.amount)} on ${r.at}`).join(", ")}.`,
      );
    }
    duplicate = clip(lines.join(" "));
  }

  const refundsText =
    f.refunds.length === 0
      ? null
      : `Refunds already sent on this charge: ${f.refunds.map((r) => `${money(r.amount)} on ${r.at}`).join(", ")}.`;

  const serviceDoc: EvidenceDocument = {
    title: `Service record: order ${o.id}`,
    sections: [
      {
        heading: "Order",
        lines: [
          `Service: ${o.serviceName} (${o.serviceCategory}, ${o.billing})`,
          `Placed: ${o.placedAt}; price ${money(o.price)}`,
          `Paid: ${money(f.payment.amount)} on ${f.payment.capturedAt} (charge ${f.dispute.chargeRef})`,
          `Promised start by: ${o.promisedStartBy ?? "not set"}`,
          `Promised delivery by: ${o.promisedDeliveryBy ?? "not set"}`,
          `Started: ${o.startedAt ?? "not yet"}`,
          `Delivered: ${o.deliveredAt ?? "not yet"}`,
        ],
      },
      {
        heading: "Service events",
        lines: f.serviceEvents.length === 0 ? ["None recorded."] : f.serviceEvents.map(eventLine),
      },
      {
        heading: "Documents attached to refund requests",
        lines: f.requests.flatMap((r) =>
          r.attachments.map(
            (a) => `${r.reference}: ${a.name} (${a.contentType}, ${a.sizeBytes} bytes, ${a.at})`,
          ),
        ),
      },
      ...(refundsText === null ? [] : [{ heading: "Refunds", lines: [refundsText] }]),
    ],
  };

  const communication: EvidenceDocument = {
    title: `Communication with the client: order ${o.id}`,
    sections:
      f.requests.length === 0
        ? [{ heading: "Refund requests", lines: ["The client opened no refund request."] }]
        : f.requests.map((r) => ({
            heading: `${r.reference} (${r.reason ?? "reason not classified"}, ${r.status}), opened ${r.submittedAt}`,
            lines: [
              `Client: ${r.description}`,
              ...r.messages.map(
                (m) => `${m.at} ${m.from === "client" ? "Client" : "Us"}: ${m.body}`,
              ),
              ...(r.decision === null
                ? []
                : [
                    `${r.decision.at} Decision: ${r.decision.kind}${r.decision.justification === null ? "" : ` - ${r.decision.justification}`}`,
                  ]),
            ],
          })),
  };

  const policyDoc: EvidenceDocument = {
    title: `Refund policy, version ${f.policy.version}`,
    sections: [
      { heading: "In force", lines: [`From ${f.policy.effectiveFrom}`] },
      { heading: "Clauses", lines: f.policy.clauses.map((c) => `${c.id}: ${c.text}`) },
    ],
  };

  const uncategorized = [
    blockers.length === 0 ? null : `Client-side blockers: ${blockers.map(eventLine).join("; ")}.`,
    refundsText,
  ].filter((x): x is string => x !== null);

  return {
    text: {
      service_date: serviceDate,
      product_description: product,
      refund_policy_disclosure: disclosure,
      refund_refusal_explanation: refusal,
      duplicate_charge_explanation: duplicate,
      uncategorized_text: uncategorized.length === 0 ? null : clip(uncategorized.join("\n")),
    },
    documents: {
      service_documentation: serviceDoc,
      customer_communication: communication,
      refund_policy: policyDoc,
    },
  };
}
