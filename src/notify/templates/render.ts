// E-mail templates: one per notification topic, each a subject, a plain-text body and an HTML body.
// Pure: the notifier loads what a template needs from the database and hands it over as data;
// rendering reads no clock, environment or database, so the same input gives the same e-mail.
// Everything interpolated into HTML goes through `escapeHtml`; no input is ever taken as HTML.
// Subjects carry only our own words, the short reference and amounts, never text a person typed,
// so a subject cannot be used to smuggle lines into the mail header.

import { formatMoney, type Money } from "../../core/money/money.js";
import { NOTIFICATION_TEMPLATES } from "../../core/notifications/index.js";

/** Every template the notifier knows (core/notifications); `notify.<template>` is the outbox topic. */
export const TEMPLATES = NOTIFICATION_TEMPLATES;
export type TemplateName = (typeof TEMPLATES)[number];

/** True when `value` names a template. */
export function isTemplate(value: string): value is TemplateName {
  return (TEMPLATES as readonly string[]).includes(value);
}

/** The request a notification is about, as every template shows it. */
export interface RequestFacts {
  readonly id: string;
  readonly orderId: string;
  /** The order's service name, e.g. "External penetration test". */
  readonly serviceName: string;
}

/** What one template needs beyond the request; a union tagged by template name. */
export type TemplateData =
  | { readonly template: "request_received" }
  | { readonly template: "question_asked"; readonly question: string }
  | {
      /** Client: the reviewer's question still waits for an answer. */
      readonly template: "reply_reminder";
      readonly question: string;
      /** `YYYY-MM-DD` in the policy's zone: the last day to answer. */
      readonly lastDay: string;
      /** True when the reminder goes out after that day (the worker was late). */
      readonly overdue: boolean;
    }
  | {
      readonly template: "decision";
      readonly outcome: "approved" | "denied";
      /** The approved amount; null for a denial. */
      readonly amount: Money | null;
      /** A denial's written reason (the reviewer's words, quoted). */
      readonly reason?: string | null;
      /** The policy clauses a denial rests on, with their text when the policy knows them. */
      readonly clauses?: readonly { readonly id: string; readonly text: string | null }[];
      /** Days within which a denial may be appealed (once), when known. */
      readonly appealWindowDays?: number | null;
    }
  | { readonly template: "alternative_offered"; readonly kind: string; readonly note: string }
  | { readonly template: "client_answered"; readonly answer: string | null }
  | { readonly template: "alternative_accepted"; readonly kind: string | null }
  | { readonly template: "alternative_declined"; readonly kind: string | null }
  | { readonly template: "request_withdrawn" }
  | {
      readonly template: "message_posted";
      readonly body: string;
      /** Who wrote it, as the recipient should read it. */
      readonly from: "staff" | "client";
    }
  | {
      readonly template: "refund_sent";
      readonly amount: Money;
      readonly method: string;
      /** `YYYY-MM-DD`: the window in which the money should arrive. */
      readonly dueEarliest: string;
      readonly dueLatest: string;
    }
  | {
      readonly template: "refund_failed";
      readonly amount: Money;
      readonly method: string;
      /** The provider's failure code, when known; only known codes are explained to the client. */
      readonly reason: string | null;
    }
  | {
      /** Finance: a payout failed or was parked; what they can do about it. */
      readonly template: "payout_needs_action";
      readonly payoutId: string;
      readonly amount: Money;
      readonly method: string;
      readonly status: string;
      readonly reason: string | null;
      readonly dueLatest: string;
    }
  | {
      /** Client: a payout waits for a destination (crypto wallet address, or bank details). */
      readonly template: "destination_needed" | "destination_reminder";
      readonly payoutId: string;
      readonly amount: Money;
      readonly kind: "crypto" | "bank";
      /** The asset the wallet must take (crypto). */
      readonly asset: string | null;
      readonly dueLatest: string;
    }
  | {
      readonly template: "payout_overdue";
      readonly payoutId: string;
      readonly amount: Money;
      readonly method: string;
      readonly status: string;
      readonly dueLatest: string;
    };

/** Everything a rendering needs. */
export interface RenderInput {
  /** Base of the links, e.g. `https://refunds.example.com` (no trailing slash needed). */
  readonly publicUrl: string;
  readonly recipientName: string;
  readonly request: RequestFacts;
  readonly data: TemplateData;
}

/** A rendered e-mail. */
export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Escapes the five HTML-significant characters, so any text is shown as text. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** The short reference people quote: `REQ-` and the first 8 hex digits of the id's UUID. */
export { shortRef } from "../../core/requests/reference.js";
import { shortRef } from "../../core/requests/reference.js";

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

/** `2026-02-25` -> `25 February 2026`; anything else is returned as is. */
export function formatDay(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const month = m === null ? undefined : MONTHS[Number(m[2]) - 1];
  if (m === null || month === undefined) return day;
  return `${Number(m[3])} ${month} ${m[1]}`;
}

const METHODS: Readonly<Record<string, string>> = {
  card: "the card you paid with",
  crypto: "the wallet you paid from",
  bank_transfer: "the bank account you paid from",
  other: "the way you paid",
};

/** The refund method as a phrase: "the card you paid with". */
export function methodPhrase(method: string): string {
  return METHODS[method] ?? "the way you paid";
}

const ALTERNATIVE_NAMES: Readonly<Record<string, string>> = {
  "re-delivery": "re-delivery of the service",
  "support-extension": "an extension of your support",
  "additional-consulting": "additional consulting",
};

function alternativeName(kind: string): string {
  return ALTERNATIVE_NAMES[kind] ?? kind;
}

// Failure codes worth explaining to the client; any other reason is not shown (it may be a
// provider's internal message).
const FAILURE_REASONS: Readonly<Record<string, string>> = {
  expired_or_canceled_card: "the card has expired or was cancelled",
  lost_or_stolen_card: "the card was reported lost or stolen",
  insufficient_funds: "the receiving account could not accept it",
  invalid_account: "the receiving account details are no longer valid",
};

/** A text block: paragraphs, and optional quoted text typed by a person. */
type Block =
  { readonly kind: "p"; readonly text: string } | { readonly kind: "quote"; readonly text: string };

const p = (text: string): Block => ({ kind: "p", text });
const quote = (text: string): Block => ({ kind: "quote", text });

/** The link to the request in the portal or the staff console. */
/** The client's page of one payout, where it gives a wallet address or bank details. */
export function payoutLink(publicUrl: string, payoutId: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/payouts/${encodeURIComponent(payoutId)}`;
}

export function requestLink(publicUrl: string, requestId: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/requests/${encodeURIComponent(requestId)}`;
}

/** Renders the e-mail for one recipient. */
export function renderEmail(input: RenderInput): RenderedEmail {
  const { request, data } = input;
  const ref = shortRef(request.id);
  const about = `your refund request ${ref} for order ${request.orderId} (${request.serviceName})`;
  const staffAbout = `refund request ${ref} (order ${request.orderId}, ${request.serviceName})`;
  let subject: string;
  let blocks: Block[];
  switch (data.template) {
    case "request_received":
      subject = `We received your refund request ${ref}`;
      blocks = [
        p(`We received ${about}.`),
        p("A reviewer will look at it and we will write to you when there is news."),
      ];
      break;
    case "question_asked":
      subject = `A question about your refund request ${ref}`;
      blocks = [
        p(`Our reviewer has a question about ${about}:`),
        quote(data.question),
        p("Please answer it in the portal so the review can go on."),
      ];
      break;
    case "reply_reminder":
      subject = data.overdue
        ? `Reminder: we are still waiting for your answer (${ref})`
        : `Reminder: please answer our question by ${formatDay(data.lastDay)} (${ref})`;
      blocks = [
        p(`Our reviewer asked a question about ${about}:`),
        quote(data.question),
        p(
          data.overdue
            ? `The answer was due by the end of ${formatDay(data.lastDay)}. The review waits for it: please answer in the portal as soon as you can.`
            : `Please answer it in the portal by the end of ${formatDay(data.lastDay)}, so the review can go on.`,
        ),
      ];
      break;
    case "decision":
      if (data.outcome === "approved") {
        subject =
          data.amount === null
            ? `Your refund request ${ref} was approved`
            : `Your refund request ${ref} was approved: ${formatMoney(data.amount)}`;
        blocks = [
          p(
            data.amount === null
              ? `We approved ${about}.`
              : `We approved ${about}. We will refund ${formatMoney(data.amount)}.`,
          ),
          p("The money goes back the way you paid; we will write again when it is on its way."),
        ];
      } else {
        subject = `Your refund request ${ref} was declined`;
        blocks = [p(`We reviewed ${about} and declined it.`)];
        if (data.reason != null && data.reason !== "") {
          blocks.push(p("Our reviewer's reason:"), quote(data.reason));
        }
        const clauses = data.clauses ?? [];
        if (clauses.length > 0) {
          blocks.push(
            p(
              clauses.length === 1
                ? "The part of our refund policy it rests on:"
                : "The parts of our refund policy it rests on:",
            ),
            ...clauses.map((c) => quote(c.text === null ? c.id : c.text)),
          );
        }
        blocks.push(
          p(
            data.appealWindowDays != null
              ? `If you disagree, you can appeal the decision once in the portal within ${data.appealWindowDays} days, with a message and documents; another reviewer will look at it.`
              : "If you disagree, you can appeal the decision in the portal, with a message and documents; another reviewer will look at it.",
          ),
        );
      }
      break;
    case "alternative_offered":
      subject = `An offer about your refund request ${ref}`;
      blocks = [
        p(`Instead of a refund for ${about}, we offer ${alternativeName(data.kind)}:`),
        quote(data.note),
        p("You can accept or decline the offer in the portal."),
      ];
      break;
    case "client_answered":
      subject = `The client answered on ${ref}`;
      blocks =
        data.answer === null
          ? [p(`The client answered your question on ${staffAbout}.`)]
          : [p(`The client answered your question on ${staffAbout}:`), quote(data.answer)];
      blocks.push(p("The request is back in review."));
      break;
    case "alternative_accepted":
      subject = `The client accepted the offer on ${ref}`;
      blocks = [
        p(
          `The client accepted the alternative${data.kind === null ? "" : ` (${alternativeName(data.kind)})`} offered on ${staffAbout}.`,
        ),
      ];
      break;
    case "alternative_declined":
      subject = `The client declined the offer on ${ref}`;
      blocks = [
        p(
          `The client declined the alternative${data.kind === null ? "" : ` (${alternativeName(data.kind)})`} offered on ${staffAbout}.`,
        ),
        p("The request is back in review."),
      ];
      break;
    case "request_withdrawn":
      subject = `Refund request ${ref} was withdrawn`;
      blocks = [p(`The client withdrew ${staffAbout}. Nothing more is needed.`)];
      break;
    case "message_posted":
      if (data.from === "staff") {
        subject = `A new message about your refund request ${ref}`;
        blocks = [p(`We wrote about ${about}:`), quote(data.body)];
      } else {
        subject = `The client wrote on ${ref}`;
        blocks = [p(`The client wrote on ${staffAbout}:`), quote(data.body)];
      }
      break;
    case "refund_sent":
      subject = `Your refund of ${formatMoney(data.amount)} is on its way (${ref})`;
      blocks = [
        p(`We sent ${formatMoney(data.amount)} back to ${methodPhrase(data.method)} for ${about}.`),
        p(
          data.dueEarliest === data.dueLatest
            ? `It should reach you by ${formatDay(data.dueLatest)}.`
            : `It should reach you between ${formatDay(data.dueEarliest)} and ${formatDay(data.dueLatest)}.`,
        ),
      ];
      break;
    case "refund_failed": {
      subject = `We could not send your refund (${ref})`;
      const why = data.reason === null ? undefined : FAILURE_REASONS[data.reason];
      blocks = [
        p(
          `We tried to send ${formatMoney(data.amount)} back to ${methodPhrase(data.method)} for ${about}, but it did not go through${why === undefined ? "." : `: ${why}.`}`,
        ),
        p(
          "Nothing is lost: our finance team has been alerted and will try again or send it " +
            "another way. You do not need to do anything now; we will write if we need your details.",
        ),
      ];
      break;
    }
    case "payout_needs_action":
      subject = `Payout needs action: ${formatMoney(data.amount)} on ${ref}`;
      blocks = [
        p(
          `The payout ${data.payoutId} of ${formatMoney(data.amount)} (${data.method}) for ${staffAbout} is ${data.status}${data.reason === null ? "" : ` (${data.reason})`}. It is due by ${formatDay(data.dueLatest)}.`,
        ),
        p(
          "Retry it (card), reissue it by another method, or record it as paid outside the " +
            "system; a parked payout goes back to the worker, which checks with the provider first.",
        ),
      ];
      break;
    case "destination_needed":
    case "destination_reminder": {
      const what =
        data.kind === "crypto"
          ? `the ${data.asset ?? "crypto"} wallet address (and its network)`
          : "your bank details (account holder and IBAN)";
      subject =
        data.template === "destination_reminder"
          ? `Reminder: we still need ${data.kind === "crypto" ? "your wallet address" : "your bank details"} (${ref})`
          : `Your refund of ${formatMoney(data.amount)} is approved: where should we send it? (${ref})`;
      blocks = [
        p(
          data.template === "destination_reminder"
            ? `Your refund of ${formatMoney(data.amount)} for ${about} is still waiting for ${what}.`
            : `We approved ${formatMoney(data.amount)} for ${about}. To send it, we need ${what}.`,
        ),
        p(`Give it here: ${payoutLink(input.publicUrl, data.payoutId)}`),
        p(`Once you do, we send the refund; it is due by ${formatDay(data.dueLatest)}.`),
      ];
      break;
    }
    case "payout_overdue":
      subject = `Payout overdue: ${formatMoney(data.amount)} on ${ref}`;
      blocks = [
        p(
          `The payout ${data.payoutId} of ${formatMoney(data.amount)} (${data.method}) for ${staffAbout} was due by ${formatDay(data.dueLatest)} and is still ${data.status}.`,
        ),
        p("Please check it with the provider, or pay it out another way."),
      ];
      break;
  }
  const link = requestLink(input.publicUrl, request.id);
  const greeting = `Hello ${input.recipientName},`;
  const signOff = "Refund Desk";
  const text = [
    greeting,
    "",
    ...blocks.flatMap((b) => [b.kind === "p" ? b.text : indent(b.text), ""]),
    `Open ${ref}: ${link}`,
    "",
    signOff,
    "",
  ].join("\n");
  const html = [
    "<!doctype html>",
    '<html><head><meta charset="utf-8"><title>',
    escapeHtml(subject),
    "</title></head><body>",
    `<p>${escapeHtml(greeting)}</p>`,
    ...blocks.map((b) =>
      b.kind === "p"
        ? `<p>${escapeHtml(b.text)}</p>`
        : `<blockquote style="white-space:pre-wrap">${escapeHtml(b.text)}</blockquote>`,
    ),
    `<p><a href="${escapeHtml(link)}">Open ${escapeHtml(ref)}</a></p>`,
    `<p>${escapeHtml(signOff)}</p>`,
    "</body></html>",
    "",
  ].join("\n");
  return { subject, text, html };
}

/** Quoted text in the plain body: every line indented with "> ". */
function indent(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => `> ${line}`)
    .join("\n");
}
