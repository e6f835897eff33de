// What the caller may do with a payout now (its `actions`), decided on the server from the access
// module and the payout's state, so the finance console and the client's page never infer access
// themselves. An action the payout's state offers and the caller's role may take is listed; when
// four-eyes or the card refuses it to this person, it is listed as not allowed with the reason in
// words (and a stable code the UI translates).

import {
  can,
  payoutDutyBreach,
  payoutDutyRefusal,
  roleAllows,
  type Action,
  type Actor,
  type Resource,
} from "../access/access.js";
import type { PaymentMethod } from "../policy/types.js";
import type { PayoutStatus } from "./payouts.js";
import type { Awaiting } from "./standing.js";
import { CARD_UNUSABLE } from "./way-forward.js";

/** The actions a payout may offer, each with its route (`set_destination`: PUT .../destination). */
export const PAYOUT_ACTIONS = [
  "approve",
  "record",
  "retry",
  "reissue",
  "record_outside",
  "set_destination",
] as const;
export type PayoutActionName = (typeof PAYOUT_ACTIONS)[number];

/** Why an offered action is refused to this person. */
export const PAYOUT_ACTION_REFUSALS = [
  /** The person made the decision the payout carries out. */
  "own_decision",
  /** The person gave the first approval; the second must come from someone else. */
  "gave_first_approval",
  /** The card cannot take refunds any more: reissue by another method instead. */
  "card_unusable",
  /** A card dispute holds the payout (issue 20): nothing goes until the dispute closes. */
  "charge_disputed",
] as const;
export type PayoutActionRefusal = (typeof PAYOUT_ACTION_REFUSALS)[number];

export interface PayoutActionView {
  readonly name: PayoutActionName;
  /** The access action the route checks (`payout.execute`, `payout.approve_second`, ...). */
  readonly permission: Action;
  readonly allowed: boolean;
  readonly reasonCode: PayoutActionRefusal | null;
  /** Why it is not allowed, in words; null when allowed. */
  readonly reason: string | null;
}

/** What the rules need to know of a payout. */
export interface PayoutActionFacts {
  readonly status: PayoutStatus;
  readonly method: PaymentMethod;
  readonly parked: boolean;
  readonly failureReason: string | null;
  readonly awaiting: Awaiting | null;
  /** The payout goes to a destination the client gives (crypto; a bank reissue). */
  readonly destinationNeeded: boolean;
  readonly clientId: string;
  /** Who made the decision the payout carries out. */
  readonly decidedBy: string;
  /** Who gave the approvals so far, in order. */
  readonly approvedBy: readonly string[];
  /** How many approvals the payout needs (two above the four-eyes threshold). */
  readonly approvalsNeeded: number;
  /** A card dispute holds the payout, or a lost one closed it (issue 20). */
  readonly heldByDispute?: boolean;
}

/** The card-unusable failure code a failed card payout carries, if any. */
function unusableCard(p: PayoutActionFacts): string | null {
  if (p.status !== "failed" || p.method !== "card") return null;
  const reason = p.failureReason ?? "";
  return CARD_UNUSABLE.find((code) => reason.includes(code)) ?? null;
}

/** The payout's state offers these actions, each with the access action its route checks. */
function offered(p: PayoutActionFacts): [PayoutActionName, Action][] {
  const out: [PayoutActionName, Action][] = [];
  // Approvals may be given while a crypto payout still waits on the client's address.
  if (p.status === "scheduled" && p.approvedBy.length < p.approvalsNeeded) {
    out.push(["approve", p.approvedBy.length === 0 ? "payout.execute" : "payout.approve_second"]);
  }
  if (p.status === "scheduled" && p.awaiting === "record") out.push(["record", "payout.execute"]);
  if (p.parked || (p.status === "failed" && p.method === "card")) {
    out.push(["retry", "payout.execute"]);
  }
  if (p.status === "failed") {
    out.push(["reissue", "payout.reissue"], ["record_outside", "payout.record_outside"]);
  }
  if (p.status === "scheduled" && p.destinationNeeded) {
    out.push(["set_destination", "payout.set_destination"]);
  }
  return out;
}

/**
 * The actions `actor` may take on the payout now. An action whose role the caller never has is
 * left out; one that four-eyes (or an unusable card) refuses to this person is listed with
 * `allowed: false` and the reason.
 */
export function payoutActions(actor: Actor, p: PayoutActionFacts): PayoutActionView[] {
  const resource: Resource = {
    clientId: p.clientId,
    decidedBy: p.decidedBy,
    firstApprovedBy: p.approvedBy[0] ?? null,
  };
  const out: PayoutActionView[] = [];
  for (const [name, permission] of offered(p)) {
    if (!roleAllows(actor, permission)) continue;
    if (!can(actor, permission, resource)) {
      const reasonCode = payoutDutyBreach(actor, permission, resource);
      // Not refused by four-eyes: not the caller's payout at all (a client's view of another's).
      if (reasonCode === null) continue;
      const reason = payoutDutyRefusal(actor, permission, resource);
      out.push({ name, permission, allowed: false, reasonCode, reason });
      continue;
    }
    if (p.heldByDispute === true && name !== "approve" && name !== "set_destination") {
      out.push({
        name,
        permission,
        allowed: false,
        reasonCode: "charge_disputed",
        reason:
          "the card charge is disputed: nothing may be sent until the dispute closes (a lost dispute means the bank returned the money)",
      });
      continue;
    }
    const unusable = name === "retry" && !p.parked ? unusableCard(p) : null;
    if (unusable !== null) {
      out.push({
        name,
        permission,
        allowed: false,
        reasonCode: "card_unusable",
        reason: `the card cannot take refunds any more (${unusable}); reissue the payout by another method`,
      });
      continue;
    }
    out.push({ name, permission, allowed: true, reasonCode: null, reason: null });
  }
  return out;
}
