// The evidence of a request as one timeline, built from what the API answers (the order's promised
// and actual dates, its service events, its payments with extras marked, the requests on the same
// order, and this request's payouts). Pure: the page renders it; nothing here decides anything.

import type { components } from "../../shared/api/schema";

type Order = components["schemas"]["Order"];
type Payment = components["schemas"]["Payment"];
type ServiceEvent = components["schemas"]["ServiceEvent"];
type RequestSummary = components["schemas"]["RequestSummary"];
type Payout = components["schemas"]["Payout"];

const DAY_MS = 86_400_000;

/** How an actual date compares with its promise. */
export type Verdict =
  /** Happened by the promised time. */
  | "on_time"
  /** Happened after it, `days` late. */
  | "late"
  /** Has not happened and the promise passed `days` ago. */
  | "overdue"
  /** Has not happened; the promise is still ahead. */
  | "pending"
  /** Nothing was promised. */
  | "no_promise";

export interface PromiseRow {
  readonly what: "start" | "delivery";
  readonly promised: string | null;
  readonly actual: string | null;
  readonly verdict: Verdict;
  /** Whole days late (late, overdue); 0 otherwise. */
  readonly days: number;
}

function wholeDays(fromMs: number, toMs: number): number {
  return Math.max(0, Math.floor((toMs - fromMs) / DAY_MS));
}

function verdictOf(
  promised: string | null,
  actual: string | null,
  now: number,
): Omit<PromiseRow, "what"> {
  const row = { promised, actual };
  if (promised === null) return { ...row, verdict: "no_promise", days: 0 };
  const p = Date.parse(promised);
  if (actual !== null) {
    const a = Date.parse(actual);
    return a <= p
      ? { ...row, verdict: "on_time", days: 0 }
      : { ...row, verdict: "late", days: Math.max(1, wholeDays(p, a)) };
  }
  return now > p
    ? { ...row, verdict: "overdue", days: Math.max(1, wholeDays(p, now)) }
    : { ...row, verdict: "pending", days: 0 };
}

/** Promised vs actual start and delivery of the order, as of `now` (epoch ms). */
export function promisedVsActual(
  order: Pick<Order, "promisedStartBy" | "startedAt" | "promisedDeliveryBy" | "deliveredAt">,
  now: number,
): PromiseRow[] {
  return [
    { what: "start", ...verdictOf(order.promisedStartBy, order.startedAt, now) },
    { what: "delivery", ...verdictOf(order.promisedDeliveryBy, order.deliveredAt, now) },
  ];
}

export type EvidenceEntry =
  | { readonly type: "order_placed"; readonly at: string }
  | { readonly type: "promised"; readonly what: "start" | "delivery"; readonly at: string }
  | { readonly type: "actual"; readonly what: "start" | "delivery"; readonly at: string }
  | { readonly type: "service_event"; readonly at: string; readonly event: ServiceEvent }
  | { readonly type: "payment"; readonly at: string; readonly payment: Payment }
  | {
      readonly type: "request";
      readonly at: string;
      readonly request: RequestSummary;
      /** The request this page is about (the others on the order are earlier or later ones). */
      readonly current: boolean;
    }
  | { readonly type: "payout"; readonly at: string; readonly payout: Payout };

export interface EvidenceInput {
  readonly order: Order;
  readonly payments: readonly Payment[];
  readonly events: readonly ServiceEvent[];
  /** Every request on the order (this one included). */
  readonly requests: readonly RequestSummary[];
  readonly requestId: string;
  /** This request's payouts. */
  readonly payouts: readonly Payout[];
}

/** Everything that bears on the request, oldest first (ties keep the order listed here). */
export function evidenceTimeline(input: EvidenceInput): EvidenceEntry[] {
  const { order } = input;
  const entries: EvidenceEntry[] = [{ type: "order_placed", at: order.placedAt }];
  if (order.promisedStartBy !== null) {
    entries.push({ type: "promised", what: "start", at: order.promisedStartBy });
  }
  if (order.startedAt !== null)
    entries.push({ type: "actual", what: "start", at: order.startedAt });
  if (order.promisedDeliveryBy !== null) {
    entries.push({ type: "promised", what: "delivery", at: order.promisedDeliveryBy });
  }
  if (order.deliveredAt !== null) {
    entries.push({ type: "actual", what: "delivery", at: order.deliveredAt });
  }
  for (const event of input.events) entries.push({ type: "service_event", at: event.from, event });
  for (const payment of input.payments) {
    entries.push({ type: "payment", at: payment.capturedAt, payment });
  }
  for (const request of input.requests) {
    entries.push({
      type: "request",
      at: request.submittedAt,
      request,
      current: request.id === input.requestId,
    });
  }
  for (const payout of input.payouts) {
    entries.push({ type: "payout", at: payout.succeededAt ?? payout.createdAt ?? "", payout });
  }
  return entries
    .map((e, i) => ({ e, i, t: Date.parse(e.at) }))
    .sort((a, b) => (a.t === b.t || Number.isNaN(a.t - b.t) ? a.i - b.i : a.t - b.t))
    .map(({ e }) => e);
}

/** How long a service event lasted (whole hours below two days, else whole days); null if open. */
export function eventDuration(
  event: Pick<ServiceEvent, "from" | "to">,
): { unit: "hours" | "days"; count: number } | null {
  if (event.to === null) return null;
  const ms = Math.max(0, Date.parse(event.to) - Date.parse(event.from));
  return ms < 2 * DAY_MS
    ? { unit: "hours", count: Math.round(ms / 3_600_000) }
    : { unit: "days", count: Math.round(ms / DAY_MS) };
}

/** Whether an amount (decimal string) is above zero, without a float. */
export function isPositive(amount: string): boolean {
  return /[1-9]/.test(amount) && !amount.trim().startsWith("-");
}
