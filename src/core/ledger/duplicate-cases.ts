// Rule 2 without a request: which extra payments of an order still need a duplicate-payment case,
// whether an open request already covers them, and whether the case the shell opened may be
// approved without a person. Pure: the shell loads the order's payments, the extras already tied
// to a case and the open requests, asks here, and stores what it is told.

import { formatMoney, type Money } from "../money/money.js";
import type { Outcome, Reason, RefundLine } from "../policy/types.js";
import { isOpen } from "../requests/transition.js";
import type { RequestStatus } from "../requests/types.js";
import { findExtras, type LedgerPayment } from "./ledger.js";

/** A payment as the duplicate check reads it: the ledger's fields and the method, for the text. */
export interface DuplicateCandidate extends LedgerPayment {
  readonly method: string;
}

/** A request already on the order, as far as covering extras goes. */
export interface RequestOnOrder {
  readonly id: string;
  readonly reason: Reason;
  readonly status: RequestStatus;
}

/** What to do about an order's extras. Every list keeps the order of capture. */
export type DuplicatePlan =
  /** No extra payment is left without a case (`extras` may be empty). */
  | {
      readonly kind: "none";
      readonly extras: readonly string[];
      readonly alreadyCovered: readonly string[];
    }
  /** An open duplicate-payment request on the order (the client's, or one opened earlier) covers
   * the new extras: tie them to it, open nothing. */
  | {
      readonly kind: "cover";
      readonly extras: readonly string[];
      readonly alreadyCovered: readonly string[];
      readonly requestId: string;
      readonly paymentIds: readonly string[];
    }
  /** Open one duplicate-payment request for these extras, with this description. */
  | {
      readonly kind: "open";
      readonly extras: readonly string[];
      readonly alreadyCovered: readonly string[];
      readonly paymentIds: readonly string[];
      readonly description: string;
    };

/** The order's facts the plan needs. */
export interface DuplicatePlanInput {
  /** The charge's amount due (rule 2): the order price, or one period's price. */
  readonly due: Money;
  /** Every payment of the order. */
  readonly payments: readonly DuplicateCandidate[];
  /** Extra payments already tied to a request (opened for them or covered by it). */
  readonly covered: ReadonlySet<string>;
  /** The order's requests (any reason, any status; only open duplicate-payment ones count). */
  readonly requests: readonly RequestOnOrder[];
}

/** The ids of the order's extra payments (rule 2), in order of capture. */
export function extraPaymentIds(payments: readonly LedgerPayment[], due: Money): string[] {
  const flags = findExtras(payments, due);
  const ids: { id: string; at: number; i: number }[] = [];
  for (let i = 0; i < payments.length; i++) {
    if (flags[i]) {
      const p = payments[i] as LedgerPayment;
      ids.push({ id: p.id, at: p.capturedAt, i });
    }
  }
  ids.sort((a, b) => a.at - b.at || a.i - b.i);
  return ids.map((x) => x.id);
}

function describePayment(p: DuplicateCandidate): string {
  const at = new Date(p.capturedAt).toISOString().replace(/:\d\d\.\d{3}Z$/, " UTC");
  return `${p.id} (${formatMoney(p.amount)} by ${p.method.replace(/_/g, " ")}, captured ${at.replace("T", " ")})`;
}

/** The description of a case opened by the system for `extras` (a client reads it). */
export function duplicateCaseDescription(extras: readonly DuplicateCandidate[]): string {
  const refs = [...new Set(extras.map((p) => p.chargeRef))];
  const charge = refs.length === 1 ? `charge ${refs[0] ?? ""}` : `charges ${refs.join(", ")}`;
  const which = extras.map(describePayment).join("; ");
  const one = extras.length === 1;
  return (
    `Opened automatically: ${one ? "payment" : "payments"} ${which} ` +
    `${one ? "was" : "were"} taken after ${charge} had already been paid in full ` +
    `(duplicate payment, refunded in full under the refund policy).`
  );
}

/**
 * Decides what the order's extras need: nothing (none extra, or all tied to a request already), to
 * be tied to an open duplicate-payment request on the order (the earliest listed), or one new
 * case naming them. The same extra payment is never planned into two requests.
 */
export function planDuplicateCases(input: DuplicatePlanInput): DuplicatePlan {
  const extras = extraPaymentIds(input.payments, input.due);
  const alreadyCovered = extras.filter((id) => input.covered.has(id));
  const fresh = extras.filter((id) => !input.covered.has(id));
  if (fresh.length === 0) return { kind: "none", extras, alreadyCovered };
  const open = input.requests.find((r) => r.reason === "duplicate_payment" && isOpen(r.status));
  if (open !== undefined) {
    return { kind: "cover", extras, alreadyCovered, requestId: open.id, paymentIds: fresh };
  }
  const byId = new Map(input.payments.map((p) => [p.id, p]));
  const description = duplicateCaseDescription(
    fresh.map((id) => byId.get(id) as DuplicateCandidate),
  );
  return { kind: "open", extras, alreadyCovered, paymentIds: fresh, description };
}

/** The engine's recommendation on the case, as far as automatic approval reads it. */
export interface CaseRecommendation {
  readonly outcome: Outcome;
  readonly amount: Money | null;
  readonly refunds: readonly RefundLine[];
}

/** Whether a case opened for duplicate payments is approved without a person, and how. */
export type AutoApproval =
  | {
      readonly approve: true;
      readonly amount: Money;
      readonly lines: readonly RefundLine[];
      readonly justification: string;
    }
  | { readonly approve: false; readonly why: string };

/** The justification an automatic approval records. */
export const AUTO_APPROVAL_JUSTIFICATION =
  "approved automatically: policy autoApprove (duplicate_payment)";

/**
 * Automatic approval of a case the system opened: only when the policy's `autoApprove` lists
 * duplicate_payment, the engine recommends `refund`, and every refund line is one of the case's
 * own extras and fits in what that payment may still give back (`refundable`, minor units of the
 * payment's currency). Anything else (a line for an extra another case already refunds, a partly
 * refunded payment) waits for a person.
 */
export function autoApproval(input: {
  readonly autoApprove: readonly Reason[];
  readonly recommendation: CaseRecommendation | null;
  readonly casePaymentIds: readonly string[];
  readonly refundable: ReadonlyMap<string, bigint>;
}): AutoApproval {
  if (!input.autoApprove.includes("duplicate_payment")) {
    return { approve: false, why: "the policy's autoApprove does not list duplicate_payment" };
  }
  const rec = input.recommendation;
  if (rec === null) return { approve: false, why: "the engine could not evaluate the case" };
  if (rec.outcome !== "refund" || rec.amount === null || rec.refunds.length === 0) {
    return { approve: false, why: `the engine recommends ${rec.outcome}` };
  }
  const own = new Set(input.casePaymentIds);
  for (const line of rec.refunds) {
    if (!own.has(line.paymentId)) {
      return {
        approve: false,
        why: `payment ${line.paymentId} is refunded under another request; a person decides`,
      };
    }
    const left = input.refundable.get(line.paymentId) ?? 0n;
    if (line.amount.minor > left) {
      return {
        approve: false,
        why: `payment ${line.paymentId} can no longer give back ${formatMoney(line.amount)}`,
      };
    }
  }
  return {
    approve: true,
    amount: rec.amount,
    lines: rec.refunds,
    justification: AUTO_APPROVAL_JUSTIFICATION,
  };
}
