// The comparison point of the engine benchmark: the core refund rules of policy-decisions.md
// encoded as json-rules-engine rules (v7), the way a team would if it reached for a generic rules
// engine. Rules carry the order ("the first that applies decides") as priorities and stop the run at
// the first success; facts are derived from the raw, JSON.parse'd case inside the measured call
// (dates with Date.parse and luxon, amounts as bigint minor units), so this side pays for parsing
// too. It decides the outcome, the determining clause and the amount; it does not validate the
// input, count payout business days, or write an explanation, so it does less work than the engine.

import {
  Engine,
  type Almanac,
  type RuleProperties,
  type TopLevelCondition,
} from "json-rules-engine";
import { DateTime } from "luxon";
import type { PolicyParams } from "../src/core/policy/index.js";

/** The part of a JSON.parse'd case this baseline reads. */
interface RawMoney {
  amount: string;
  currency: string;
}
interface RawPayment {
  id: string;
  chargeRef: string;
  amount: RawMoney;
  method: string;
  capturedAt: string;
}
interface RawEvent {
  kind: string;
  from: string;
  to: string | null;
}
interface RawCase {
  asOf?: string;
  policy?: { timezone?: string; requestWindowDays?: number };
  order: {
    id: string;
    service: { billing: string };
    price: RawMoney;
    placedAt: string;
    promisedStartBy: string | null;
    promisedDeliveryBy: string | null;
    startedAt: string | null;
    deliveredAt: string | null;
    subscription: { periodStart: string; periodEnd: string; chargeRef: string } | null;
  };
  payments: RawPayment[];
  events: RawEvent[];
  request: { reason: string; submittedAt: string; description: string };
}

/** What the baseline decides: comparable with the engine's outcome, first clause and amount. */
export interface BaselineDecision {
  outcome: string;
  clause: string;
  /** Minor units in the order's currency, or null when no amount is given. */
  amountMinor: bigint | null;
}

type AmountKind = "extras" | "paid" | "prorated";

const DAY = 86_400_000;

const EXPONENTS: Readonly<Record<string, number>> = {
  USD: 2,
  EUR: 2,
  JPY: 0,
  THB: 2,
  GBP: 2,
  BTC: 8,
  ETH: 18,
  USDT: 6,
  USDC: 6,
};

function minorUnits(m: RawMoney): bigint {
  const exp = EXPONENTS[m.currency] ?? 2;
  const dot = m.amount.indexOf(".");
  if (dot === -1) return BigInt(m.amount + "0".repeat(exp));
  return BigInt(m.amount.slice(0, dot) + m.amount.slice(dot + 1).padEnd(exp, "0"));
}

/** Half-up rounding of a * b / c for non-negative integers. */
function roundDiv(a: bigint, b: bigint, c: bigint): bigint {
  return (2n * a * b + c) / (2n * c);
}

/** The local calendar day of an instant in a zone, as a day number (days since 1970-01-01). */
function localDay(ms: number, zone: string): number {
  const dt = DateTime.fromMillis(ms, { zone });
  return Date.UTC(dt.year, dt.month - 1, dt.day) / DAY;
}

/** Merges intervals (sorted by start) into disjoint ones. */
function merge(xs: [number, number][]): [number, number][] {
  xs.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [a, b] of xs) {
    const last = out[out.length - 1];
    if (last !== undefined && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function measure(xs: [number, number][], lo: number, hi: number): number {
  let total = 0;
  for (const [a, b] of xs) total += Math.max(0, Math.min(b, hi) - Math.max(a, lo));
  return total;
}

/** Payments, per charge in capture order, that come after the charge was already covered. */
function ledgerOf(c: RawCase): { extras: Set<RawPayment>; extrasMinor: bigint } {
  const price = c.order.price;
  const due = minorUnits(price);
  const groups = new Map<string, RawPayment[]>();
  for (const p of c.payments) {
    const g = groups.get(p.chargeRef);
    if (g === undefined) groups.set(p.chargeRef, [p]);
    else g.push(p);
  }
  const extras = new Set<RawPayment>();
  let extrasMinor = 0n;
  for (const g of groups.values()) {
    g.sort((a, b) => Date.parse(a.capturedAt) - Date.parse(b.capturedAt));
    let covered = 0n;
    for (const p of g) {
      const own = p.amount.currency === price.currency;
      if (covered >= due) {
        extras.add(p);
        extrasMinor += own ? minorUnits(p.amount) : due;
      } else {
        covered += own ? minorUnits(p.amount) : due;
      }
    }
  }
  return { extras, extrasMinor };
}

/** Rule 5: the deadlines as promised and as extended by blocked time. */
function deliveryOf(c: RawCase, asOf: number) {
  const o = c.order;
  const placed = Date.parse(o.placedAt);
  const started = o.startedAt === null ? null : Date.parse(o.startedAt);
  const delivered = o.deliveredAt === null ? null : Date.parse(o.deliveredAt);
  const deadlines: [number, number | null][] = [];
  if (o.promisedStartBy !== null) deadlines.push([Date.parse(o.promisedStartBy), started]);
  if (o.promisedDeliveryBy !== null) deadlines.push([Date.parse(o.promisedDeliveryBy), delivered]);
  const client: [number, number][] = [];
  const external: [number, number][] = [];
  for (const e of c.events) {
    if (e.kind !== "client_blocker" && e.kind !== "external_incident") continue;
    const from = Math.max(Date.parse(e.from), placed);
    const to = e.to === null ? asOf : Date.parse(e.to);
    if (to > from) (e.kind === "client_blocker" ? client : external).push([from, to]);
  }
  const blocked = merge([...client, ...external].map(([a, b]): [number, number] => [a, b]));
  const breached = (deadline: number, at: number | null): boolean =>
    at !== null ? at > deadline : asOf > deadline;
  let breachedAsPromised = false;
  let breachedExtended = false;
  let latestExtended = placed;
  for (const [deadline, at] of deadlines) {
    // The extended deadline: where the unblocked time since placement reaches the allowance.
    let t = placed;
    let left = deadline - placed;
    for (const [a, b] of blocked) {
      if (a - t >= left) break;
      left -= Math.max(0, a - t);
      t = Math.max(t, b);
    }
    const extended = t + left;
    latestExtended = Math.max(latestExtended, extended);
    if (breached(deadline, at)) breachedAsPromised = true;
    if (breached(extended, at)) breachedExtended = true;
  }
  const clientTime = measure(merge(client), placed, latestExtended);
  const externalTime = measure(merge(external), placed, latestExtended);
  return {
    hasDeadline: deadlines.length > 0,
    breachedAsPromised,
    breachedExtended,
    clientExplains: clientTime >= externalTime,
  };
}

function condition(fact: string, operator: string, value: unknown, path?: string) {
  return path === undefined
    ? { fact, operator, value, priority: 1 }
    : { fact, operator, value, path, priority: 1 };
}

/** The reason test runs first, so the costly derived facts are computed only when needed. */
function whenReason(reason: string | string[], ...rest: ReturnType<typeof condition>[]) {
  const c: TopLevelCondition = {
    all: [
      Array.isArray(reason)
        ? { fact: "reason", operator: "in", value: reason, priority: 10 }
        : { fact: "reason", operator: "equal", value: reason, priority: 10 },
      ...rest,
    ],
  };
  return c;
}

function rule(
  priority: number,
  conditions: TopLevelCondition,
  outcome: string,
  clause: string,
  amount?: AmountKind,
): RuleProperties {
  return { priority, conditions, event: { type: outcome, params: { clause, amount } } };
}

/** The rules of policy-decisions.md, first applicable first. */
const RULES: RuleProperties[] = [
  rule(
    100,
    {
      any: [condition("orderIdBlank", "equal", true), condition("descriptionBlank", "equal", true)],
    },
    "incomplete",
    "procedure.request",
  ),
  rule(
    90,
    whenReason("duplicate_payment", condition("extraCount", "greaterThan", 0)),
    "refund",
    "eligible.duplicate-payment",
    "extras",
  ),
  rule(89, whenReason("duplicate_payment"), "review", "eligible.duplicate-payment"),
  rule(
    80,
    whenReason(
      ["not_delivered", "mismatch", "other"],
      condition("delivered", "equal", true),
      condition("submittedAt", "greaterThanInclusive", { fact: "windowEndsAt" }),
    ),
    "deny",
    "procedure.window",
  ),
  rule(
    70,
    whenReason("unused_subscription", condition("billing", "equal", "one_off")),
    "deny",
    "excluded.not-covered",
  ),
  rule(
    69,
    whenReason("unused_subscription", condition("unusedDays", "lessThanInclusive", 0)),
    "deny",
    "notes.prorated",
  ),
  rule(68, whenReason("unused_subscription"), "refund", "notes.prorated", "prorated"),
  rule(
    60,
    whenReason("not_delivered", condition("delivered", "equal", true)),
    "deny",
    "excluded.completed",
  ),
  rule(
    59,
    whenReason("not_delivered", condition("delivery", "equal", false, "hasDeadline")),
    "review",
    "eligible.not-delivered",
  ),
  rule(
    58,
    whenReason("not_delivered", condition("delivery", "equal", false, "breachedAsPromised")),
    "deny",
    "eligible.not-delivered",
  ),
  rule(
    57,
    whenReason(
      "not_delivered",
      condition("delivery", "equal", false, "breachedExtended"),
      condition("delivery", "equal", true, "clientExplains"),
    ),
    "deny",
    "excluded.client-side",
  ),
  rule(
    56,
    whenReason("not_delivered", condition("delivery", "equal", false, "breachedExtended")),
    "deny",
    "excluded.external",
  ),
  rule(
    55,
    whenReason("not_delivered", condition("started", "equal", false)),
    "refund",
    "eligible.not-delivered",
    "paid",
  ),
  rule(54, whenReason("not_delivered"), "review", "eligible.not-delivered"),
  rule(50, whenReason("mismatch"), "review", "eligible.mismatch"),
  rule(40, whenReason("other", condition("started", "equal", false)), "review", "notes.started"),
  rule(39, whenReason("other"), "deny", "excluded.not-covered"),
];

/** Per-run context: the raw case and the parameters in force, shared by the derived facts. */
interface Ctx {
  c: RawCase;
  zone: string;
  windowDays: number;
  asOf: number;
  ledger?: ReturnType<typeof ledgerOf>;
}

function ledger(ctx: Ctx): ReturnType<typeof ledgerOf> {
  return (ctx.ledger ??= ledgerOf(ctx.c));
}

/** The refund amount, in the order's currency, for the paying rules. */
function amountOf(kind: AmountKind, ctx: Ctx, unusedDays: number): bigint {
  const { c } = ctx;
  if (kind === "extras") return ledger(ctx).extrasMinor;
  const price = c.order.price;
  const priceMinor = minorUnits(price);
  const sub = c.order.subscription;
  const ref = sub === null ? c.order.id : sub.chargeRef;
  const { extras } = ledger(ctx);
  let periodDays = 1;
  if (kind === "prorated" && sub !== null) {
    periodDays =
      localDay(Date.parse(sub.periodEnd), ctx.zone) -
      localDay(Date.parse(sub.periodStart), ctx.zone);
  }
  let total = 0n;
  for (const p of c.payments) {
    if (p.chargeRef !== ref || extras.has(p)) continue;
    const own = p.amount.currency === price.currency;
    const paid = own ? minorUnits(p.amount) : priceMinor;
    total +=
      kind === "paid" ? paid : roundDiv(paid, BigInt(unusedDays), BigInt(Math.max(periodDays, 1)));
  }
  return total;
}

/** A json-rules-engine holding the refund rules, deciding one raw case per `decide` call. */
export class JsonRulesBaseline {
  private readonly engine: Engine;

  constructor(private readonly defaults: PolicyParams) {
    // A plain property lookup instead of the default JSONPath resolver: the fastest honest setup.
    this.engine = new Engine([], {
      allowUndefinedFacts: false,
      pathResolver: (value: object, path: string): unknown =>
        (value as Record<string, unknown>)[path],
    });
    for (const r of RULES) this.engine.addRule(r);
    // The first rule that applies decides: stop evaluating lower priorities.
    this.engine.on("success", () => {
      this.engine.stop();
    });
    const ctxOf = (almanac: Almanac): Promise<Ctx> => almanac.factValue<Ctx>("ctx");
    this.engine.addFact("extraCount", (_p, a) => ctxOf(a).then((ctx) => ledger(ctx).extras.size));
    this.engine.addFact("windowEndsAt", (_p, a) =>
      ctxOf(a).then((ctx) => {
        const delivered = ctx.c.order.deliveredAt;
        if (delivered === null) return Number.POSITIVE_INFINITY;
        return DateTime.fromMillis(Date.parse(delivered), { zone: ctx.zone })
          .startOf("day")
          .plus({ days: ctx.windowDays + 1 })
          .toMillis();
      }),
    );
    this.engine.addFact("unusedDays", (_p, a) => ctxOf(a).then((ctx) => unusedDaysOf(ctx)));
    this.engine.addFact("delivery", (_p, a) => ctxOf(a).then((ctx) => deliveryOf(ctx.c, ctx.asOf)));
  }

  /** Derives the facts of one raw case and runs the rules; the first event decides. */
  async decide(raw: unknown): Promise<BaselineDecision> {
    const c = raw as RawCase;
    const submittedAt = Date.parse(c.request.submittedAt);
    const ctx: Ctx = {
      c,
      zone: c.policy?.timezone ?? this.defaults.timezone,
      windowDays: c.policy?.requestWindowDays ?? this.defaults.requestWindowDays,
      asOf: c.asOf === undefined ? submittedAt : Date.parse(c.asOf),
    };
    const { events } = await this.engine.run({
      ctx,
      reason: c.request.reason,
      orderIdBlank: c.order.id.trim() === "",
      descriptionBlank: c.request.description.trim() === "",
      billing: c.order.service.billing,
      delivered: c.order.deliveredAt !== null,
      started: c.order.startedAt !== null,
      submittedAt,
    });
    const ev = events[0];
    if (ev === undefined) throw new Error("no rule applied");
    const params = ev.params as { clause: string; amount?: AmountKind };
    const amountMinor =
      params.amount === undefined
        ? null
        : amountOf(params.amount, ctx, params.amount === "prorated" ? unusedDaysOf(ctx) : 0);
    return { outcome: ev.type, clause: params.clause, amountMinor };
  }
}

/** Rule 4: whole local days from the day after submission up to the period's end (not below 0). */
function unusedDaysOf(ctx: Ctx): number {
  const sub = ctx.c.order.subscription;
  if (sub === null) return 0;
  const end = localDay(Date.parse(sub.periodEnd), ctx.zone);
  const firstUnused = localDay(Date.parse(ctx.c.request.submittedAt), ctx.zone) + 1;
  return Math.max(0, end - firstUnused);
}
