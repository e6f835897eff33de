// The recommendation against the ledger (issue 11, bug 4): the engine reads the policy and the
// order's facts, not what already went back. Each refund line is capped by what its payment may
// still give back (captured - succeeded refunds - payouts in flight: `refundable`), a line on a
// payment with nothing left is dropped, and the explanation says why in plain words. On an order
// refunded in full, a refund recommendation becomes a denial that tells the client so.

import { formatMinor, money, type Money } from "../money/money.js";
import type { Decision, RefundLine } from "../policy/types.js";
import { capOf, type PaymentLeft } from "./refundable.js";

const text = (m: Money): string => `${formatMinor(m.minor, m.currency)} ${m.currency}`;

export function capRecommendation(
  decision: Decision,
  left: ReadonlyMap<string, PaymentLeft>,
  priceCurrency: string,
): Decision {
  if (decision.refunds.length === 0 || decision.amount === null) return decision;
  const lines: RefundLine[] = [];
  let changed = false;
  for (const line of decision.refunds) {
    const p = left.get(line.paymentId);
    const cap = p === undefined ? 0n : capOf(p, line.amount.currency, priceCurrency);
    const take = line.amount.minor < cap ? line.amount.minor : cap;
    if (take !== line.amount.minor) changed = true;
    if (take > 0n) lines.push({ ...line, amount: money(take, line.amount.currency) });
  }
  if (!changed) return decision;
  const currency = decision.amount.currency;
  const total = lines
    .filter((l) => l.amount.currency === currency)
    .reduce((sum, l) => sum + l.amount.minor, 0n);
  const taken = money(decision.amount.minor - total, currency);
  if (lines.length === 0) {
    return {
      ...decision,
      outcome: decision.outcome === "refund" ? "deny" : decision.outcome,
      amount: money(0n, currency),
      refunds: [],
      autoApprove: false,
      explanation:
        `${decision.explanation} However, this order's payments were already refunded in full ` +
        `(or the refund is on its way), so there is nothing left to refund.`,
    };
  }
  return {
    ...decision,
    amount: money(total, currency),
    refunds: lines,
    autoApprove: false,
    explanation:
      `${decision.explanation} ${text(taken)} of it was already refunded or is on its way back, ` +
      `so ${text(money(total, currency))} remains to refund.`,
  };
}
