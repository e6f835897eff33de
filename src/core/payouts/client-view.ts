// What a client is told about its payout, in plain words (issue 11, bug 6): where the money is,
// when to expect it, and what (if anything) the client must do. Never the provider's text, staff
// names or approvals: those stay in the staff view.

import type { PaymentMethod } from "../policy/types.js";
import type { Awaiting, DeadlineState } from "./standing.js";
import type { PayoutStatus } from "./payouts.js";

/** The stages a client sees. */
export const CLIENT_STAGES = [
  /** Approved; our team is preparing it. */
  "preparing",
  /** We need something from the client (wallet address, bank details). */
  "needs_your_details",
  /** On its way (sent to the card provider, or being transferred). */
  "on_its_way",
  /** Sent. */
  "sent",
  /** Something went wrong on our side or the provider's; finance is on it. */
  "delayed",
  /** Replaced by a payout by another method (see `replacedBy`). */
  "replaced",
] as const;
export type ClientStage = (typeof CLIENT_STAGES)[number];

export interface ClientWords {
  readonly stage: ClientStage;
  /** One sentence: where the refund is. */
  readonly statusText: string;
  /** What happens next, and when. */
  readonly whatNext: string;
  /** What the client must do, or null when nothing. */
  readonly yourAction: string | null;
}

const METHOD_WORDS: Readonly<Record<PaymentMethod, string>> = {
  card: "to the card you paid with",
  bank_transfer: "by bank transfer",
  crypto: "in crypto",
  other: "the way you paid",
};

/** The client's words for a payout; `window` is its due window (`YYYY-MM-DD`). */
export function clientWords(p: {
  readonly status: PayoutStatus;
  readonly method: PaymentMethod;
  readonly awaiting: Awaiting | null;
  readonly deadline: DeadlineState;
  readonly dueEarliest: string;
  readonly dueLatest: string;
  readonly succeededOn: string | null;
}): ClientWords {
  const how = METHOD_WORDS[p.method];
  const window = `between ${p.dueEarliest} and ${p.dueLatest}`;
  if (p.status === "succeeded") {
    return {
      stage: "sent",
      statusText: `Your refund was sent ${how}${p.succeededOn === null ? "" : ` on ${p.succeededOn}`}.`,
      whatNext:
        p.method === "card"
          ? "Your bank usually shows it within 5 to 10 business days."
          : "It should reach you shortly, depending on your bank or network.",
      yourAction: null,
    };
  }
  if (p.status === "reissued") {
    return {
      stage: "replaced",
      statusText: `This refund could not be sent ${how}; it is being sent another way instead.`,
      whatNext: "Follow the new payout that replaces this one.",
      yourAction: null,
    };
  }
  if (p.awaiting === "destination") {
    return p.method === "crypto"
      ? {
          stage: "needs_your_details",
          statusText: "Your crypto refund is approved and waits for your wallet address.",
          whatNext: `Once you give it, we send the refund ${window}.`,
          yourAction: "Give the wallet address (and network) the refund should go to.",
        }
      : {
          stage: "needs_your_details",
          statusText: "Your refund is approved and waits for your bank details.",
          whatNext: `Once you give them, we send the refund by bank transfer ${window}.`,
          yourAction: "Give the bank account (holder and IBAN) the refund should go to.",
        };
  }
  if (p.awaiting === "action") {
    return {
      stage: "delayed",
      statusText: `We could not send your refund ${how} yet.`,
      whatNext:
        "Our finance team has been alerted and will try again or send it another way; " +
        "we will write to you if we need anything. You do not need to do anything now.",
      yourAction: null,
    };
  }
  const late = p.deadline === "overdue";
  if (p.status === "scheduled" && p.awaiting !== "provider") {
    return {
      stage: "preparing",
      statusText: `Your refund is approved and our team is preparing it (${how.replace(/^to /, "back to ")}).`,
      whatNext: late
        ? `It is late: it was due by ${p.dueLatest}. Our finance team has been alerted.`
        : `Expect it ${window}.`,
      yourAction: null,
    };
  }
  return {
    stage: "on_its_way",
    statusText: `Your refund is on its way ${how}.`,
    whatNext: late
      ? `It is late: it was due by ${p.dueLatest}. Our finance team has been alerted.`
      : `Expect it ${window}.`,
    yourAction: null,
  };
}
