// Seeded generator of varied, valid refund cases (the case format of
// shared/spec/policy-decisions.md), one compact JSON document per NDJSON line. The benchmark uses it
// to build a million cases; a test may reuse it. The same (n, seed) always gives the same lines.
//
// Every case is valid input: every required field is present, instants are ISO 8601 with an offset,
// money is a decimal string with exactly its currency's decimals, facts are in time order
// (placed <= captured, started, delivered <= submitted <= asOf), and only known policy parameters
// are overridden. What varies: every reason, both billings, four policy time zones (with their real
// UTC offsets, DST included), fiat (USD, EUR, JPY) and crypto (BTC, ETH, USDT) payments,
// duplicates, installments, client blockers, external incidents and internal faults (some still
// ongoing), delivered and undelivered services, blank requests, explicit holidays and holiday
// countries.

import { formatDay } from "../src/core/calendar/calendar.js";
import { seededRandom } from "../src/core/random/seeded-random.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// ---- time zones: the offset in force at an instant, by each zone's DST rule -------------------

type Zone = "UTC" | "Asia/Bangkok" | "America/New_York" | "Europe/Berlin";

/** Epoch ms of the n-th (1-based; 0 = last) Sunday of a month, at `hourUtc` UTC. */
function sundayUtc(year: number, month0: number, n: number, hourUtc: number): number {
  if (n === 0) {
    const last = Date.UTC(year, month0 + 1, 0);
    const dow = new Date(last).getUTCDay();
    return last - dow * DAY + hourUtc * HOUR;
  }
  const first = Date.UTC(year, month0, 1);
  const dow = new Date(first).getUTCDay();
  return first + (((7 - dow) % 7) + (n - 1) * 7) * DAY + hourUtc * HOUR;
}

const dstCache = new Map<number, readonly [number, number]>();

/** The DST interval [from, to) of a zone in a year, as epoch ms. */
function dstRange(
  zone: "America/New_York" | "Europe/Berlin",
  year: number,
): readonly [number, number] {
  const key = year * 2 + (zone === "America/New_York" ? 0 : 1);
  let r = dstCache.get(key);
  if (r === undefined) {
    r =
      zone === "America/New_York"
        ? // second Sunday of March 02:00 EST (07:00Z) to first Sunday of November 02:00 EDT (06:00Z)
          [sundayUtc(year, 2, 2, 7), sundayUtc(year, 10, 1, 6)]
        : // last Sunday of March 01:00Z to last Sunday of October 01:00Z
          [sundayUtc(year, 2, 0, 1), sundayUtc(year, 9, 0, 1)];
    dstCache.set(key, r);
  }
  return r;
}

/** The zone's UTC offset in minutes at an instant. */
function offsetMinutes(zone: Zone, ms: number): number {
  if (zone === "UTC") return 0;
  if (zone === "Asia/Bangkok") return 420;
  // An estimate of the year is enough: it is off only around New Year, outside any DST interval.
  const [from, to] = dstRange(zone, 1970 + Math.floor(ms / (365.2425 * DAY)));
  const summer = ms >= from && ms < to;
  return zone === "America/New_York" ? (summer ? -240 : -300) : summer ? 120 : 60;
}

function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/** `YYYY-MM-DDTHH:MM:SS` plus `Z` or `±HH:MM`: the instant written in the zone's local time. */
function instant(ms: number, zone: Zone, utc: boolean): string {
  const off = utc ? 0 : offsetMinutes(zone, ms);
  const local = ms + off * MINUTE;
  const days = Math.floor(local / DAY);
  const t = Math.floor((local - days * DAY) / 1000);
  const hms =
    "T" + pad2(Math.floor(t / 3600)) + ":" + pad2(Math.floor(t / 60) % 60) + ":" + pad2(t % 60);
  if (off === 0) return formatDay(days) + hms + "Z";
  const a = Math.abs(off);
  return (
    formatDay(days) + hms + (off < 0 ? "-" : "+") + pad2(Math.floor(a / 60)) + ":" + pad2(a % 60)
  );
}

/** The instant of local midnight at the start of a local calendar date in the zone. */
function localMidnight(zone: Zone, y: number, m0: number, d: number): number {
  const guess = Date.UTC(y, m0, d);
  // Midnight is never inside a DST gap in these zones, so one correction is exact.
  const off = offsetMinutes(zone, guess - offsetMinutes(zone, guess) * MINUTE);
  return guess - off * MINUTE;
}

/** The local calendar date (`YYYY-MM-DD`) of an instant in the zone. */
function localDate(zone: Zone, ms: number): string {
  return formatDay(Math.floor((ms + offsetMinutes(zone, ms) * MINUTE) / DAY));
}

// ---- money -------------------------------------------------------------------------------------

type Fiat = "USD" | "EUR" | "JPY";
type Crypto = "BTC" | "ETH" | "USDT";
const EXPONENT: Record<Fiat | Crypto, number> = {
  USD: 2,
  EUR: 2,
  JPY: 0,
  BTC: 8,
  ETH: 18,
  USDT: 6,
};

interface MoneyJson {
  amount: string;
  currency: string;
}

/** Formats non-negative integer minor units (a safe integer) with exactly the currency's decimals. */
function moneyOf(minor: number, currency: Fiat | Crypto): MoneyJson {
  const exp = EXPONENT[currency];
  if (exp === 0) return { amount: String(minor), currency };
  const s = String(minor).padStart(exp + 1, "0");
  return { amount: s.slice(0, s.length - exp) + "." + s.slice(s.length - exp), currency };
}

// ---- vocabulary --------------------------------------------------------------------------------

type Category = "audit" | "monitoring" | "training" | "consulting" | "support";
const ONE_OFF: readonly Category[] = ["audit", "audit", "consulting", "training", "support"];
const RECURRING: readonly Category[] = ["monitoring", "monitoring", "support", "training"];
const SERVICES: Readonly<Record<Category, readonly string[]>> = {
  audit: ["External pentest", "Firewall audit", "Cloud review"],
  monitoring: ["24/7 monitoring", "SIEM monitoring", "EDR monitoring"],
  training: ["Secure coding", "Phishing course", "SOC bootcamp"],
  consulting: ["Zero-trust plan", "IR planning", "ISO 27001 gap"],
  support: ["Firewall support", "Helpdesk plan", "VPN support"],
};

type Reason = "not_delivered" | "duplicate_payment" | "mismatch" | "unused_subscription" | "other";
const DESCRIPTIONS: Readonly<Record<Reason, readonly string[]>> = {
  not_delivered: ["It never started.", "Nobody contacted us.", "No report by the due date."],
  duplicate_payment: ["Charged twice.", "Two charges on our card.", "Paid twice for one order."],
  mismatch: ["Only the web tier was tested.", "Scope was the whole network.", "Not the syllabus."],
  unused_subscription: [
    "Please cancel the plan.",
    "We are moving in-house.",
    "Budget cut; cancel.",
  ],
  other: ["We changed our mind.", "Not satisfied.", "Project cancelled."],
};
const BLANKS = ["", "   ", "\n"] as const;
const PAYOUT_DAYS = [
  [5, 10],
  [3, 7],
  [10, 20],
] as const;

const ZONES = ["UTC", "Asia/Bangkok", "America/New_York", "Europe/Berlin"] as const;
const FIATS = ["USD", "USD", "EUR", "JPY"] as const;
const COINS = ["BTC", "ETH", "USDT"] as const;
const FIAT_METHODS = ["card", "card", "card", "bank_transfer", "other"] as const;
const NOTES = {
  client_blocker: ["VPN access not provided", "No firewall access", "Scope sign-off pending", null],
  external_incident: ["Cloud provider outage", "ISP incident", "Global DNS outage", null],
  internal_fault: ["Engineer unavailable", "Licence expired", null],
} as const;
type EventKind = keyof typeof NOTES;

interface PaymentJson {
  id: string;
  chargeRef: string;
  amount: MoneyJson;
  method: string;
  capturedAt: string;
}

interface EventJson {
  kind: EventKind;
  from: string;
  to: string | null;
  note: string | null;
}

// ---- the generator -----------------------------------------------------------------------------

/** Placements fall in the 700 days from 2025-01-01; subscription periods may run into 2027. */
const RANGE_START = Date.UTC(2025, 0, 1);
const RANGE_DAYS = 700;

/** Generates `n` valid refund cases as compact JSON lines (NDJSON), deterministically from `seed`. */
export function generateCases(n: number, seed: number): string[] {
  const rnd = seededRandom(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const chance = (p: number): boolean => rnd() < p;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

  const lines: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    // Time zone: 60% of the cases keep the default (UTC); the others override it (UTC included).
    const override = chance(0.4);
    const zone: Zone = override ? pick(ZONES) : "UTC";
    // Instants are written with the zone's local offset, or in UTC (`Z`) for a share of cases.
    const utcWriter = zone === "UTC" || chance(0.5);
    const at = (ms: number): string => instant(ms, zone, utcWriter);

    // The reason first: it shapes the rest of the case.
    const r = rnd();
    const reason: Reason =
      r < 0.3
        ? "not_delivered"
        : r < 0.45
          ? "duplicate_payment"
          : r < 0.65
            ? "mismatch"
            : r < 0.82
              ? "unused_subscription"
              : "other";
    // Unused-subscription requests are mostly about subscriptions (the rest are denied).
    const subscription = reason === "unused_subscription" ? chance(0.85) : chance(0.06);
    const category = pick(subscription ? RECURRING : ONE_OFF);

    const orderId = "ORD-" + (10000 + i);
    const priceCurrency = pick(FIATS);
    const priceMinor = priceCurrency === "JPY" ? int(20, 3000) * 1000 : int(150, 25000) * 100;
    const price = moneyOf(priceMinor, priceCurrency);

    let placedAt = RANGE_START + int(0, RANGE_DAYS) * DAY + int(0, 23) * HOUR + int(0, 59) * MINUTE;

    // Subscriptions: the current period is a local calendar month, 0-5 months after the order
    // (0: the first period). A subscription never initiated is in its first period.
    let sub: { periodStart: string; periodEnd: string; chargeRef: string } | null = null;
    let periodStartMs = 0;
    let periodEndMs = 0;
    let prevChargeRef: string | null = null;
    const subNeverStarted = subscription && reason === "not_delivered" && chance(0.5);
    if (subscription) {
      const d = new Date(placedAt);
      const monthsAfter = subNeverStarted || chance(0.35) ? 0 : int(1, 5);
      const y = d.getUTCFullYear();
      const m0 = d.getUTCMonth() + 1 + monthsAfter;
      periodStartMs = localMidnight(zone, y, m0, 1);
      periodEndMs = localMidnight(zone, y, m0 + 1, 1);
      if (monthsAfter === 0) placedAt = periodStartMs + int(1, 12) * HOUR;
      const ym = localDate(zone, periodStartMs).slice(0, 7);
      sub = {
        periodStart: at(periodStartMs),
        periodEnd: at(periodEndMs),
        chargeRef: `${orderId}/${ym}`,
      };
      if (monthsAfter > 0) {
        prevChargeRef = `${orderId}/${localDate(zone, periodStartMs - 10 * DAY).slice(0, 7)}`;
      }
    }

    // Promises: most orders promise a start; one-offs usually a delivery date as well.
    const noPromise = chance(0.03);
    const startDays = int(2, 10);
    const promisedStartMs = noPromise ? null : placedAt + startDays * DAY;
    const promisedDeliveryMs =
      subscription || (noPromise && chance(0.6)) || chance(0.1)
        ? null
        : placedAt + (startDays + int(7, 30)) * DAY;

    // What happened: never started, started (on time or late), or delivered (on time or late).
    let startedMs: number | null = null;
    let deliveredMs: number | null = null;
    let lastFactMs = placedAt;
    if (subscription) {
      if (!subNeverStarted) startedMs = placedAt + int(1, 48) * HOUR;
    } else {
      const q = rnd();
      const scenario =
        reason === "mismatch"
          ? q < 0.85
            ? "delivered"
            : "started"
          : q < 0.25
            ? "never"
            : q < 0.6
              ? "started"
              : "delivered";
      if (scenario !== "never") {
        const onTime = chance(0.7);
        startedMs =
          placedAt +
          (onTime ? int(6, startDays * 24) : int(startDays * 24 + 1, (startDays + 12) * 24)) * HOUR;
        if (scenario === "delivered") {
          const due = promisedDeliveryMs ?? startedMs + 14 * DAY;
          deliveredMs = due + (chance(0.75) ? -int(1, 96) : int(1, 240)) * HOUR;
          if (deliveredMs <= startedMs) deliveredMs = startedMs + int(24, 96) * HOUR;
        }
      }
    }
    if (startedMs !== null) lastFactMs = Math.max(lastFactMs, startedMs);
    if (deliveredMs !== null) lastFactMs = Math.max(lastFactMs, deliveredMs);

    // Payments: fiat in the price's currency, or crypto; installments; duplicates.
    const payments: PaymentJson[] = [];
    let payN = int(1, 90);
    const pay = (chargeRef: string, amount: MoneyJson, method: string, ms: number): void => {
      payments.push({ id: `PAY-${payN++}`, chargeRef, amount, method, capturedAt: at(ms) });
      lastFactMs = Math.max(lastFactMs, ms);
    };
    const chargeRef = sub ? sub.chargeRef : orderId;
    const firstCapture = (subscription ? periodStartMs : placedAt) + int(1, 30) * MINUTE;
    if (prevChargeRef !== null && chance(0.2)) {
      pay(prevChargeRef, price, "card", periodStartMs - int(27, 31) * DAY + int(1, 30) * MINUTE);
    }
    const crypto = chance(0.12);
    if (crypto) {
      const coin = pick(COINS);
      const amount =
        coin === "BTC"
          ? moneyOf(int(50_000, 50_000_000), coin)
          : coin === "USDT"
            ? moneyOf(int(100, 30000) * 1_000_000 + int(0, 999_999), coin)
            : // 18 decimals do not fit a double: the string is built from parts.
              {
                amount: `${int(0, 12)}.${String(int(0, 999_999_999)).padStart(9, "0")}${String(int(0, 999_999_999)).padStart(9, "0")}`,
                currency: coin,
              };
      pay(chargeRef, amount, "crypto", firstCapture + int(0, 60) * MINUTE);
    } else if (chance(0.05)) {
      // Installments that add up to the price exactly.
      const k = int(2, 3);
      const gapDays = subscription ? int(1, 7) : int(3, 10);
      let left = priceMinor;
      for (let j = 0; j < k; j++) {
        const part = j === k - 1 ? left : Math.floor(priceMinor / k);
        left -= part;
        pay(
          chargeRef,
          moneyOf(part, priceCurrency),
          pick(FIAT_METHODS),
          firstCapture + j * gapDays * DAY,
        );
      }
    } else {
      pay(chargeRef, price, pick(FIAT_METHODS), firstCapture);
    }
    // A duplicate: mostly behind duplicate-payment requests (the rest claim one the records do not
    // show), rarely elsewhere. It repeats the last charge, or is a second full charge by card.
    if (reason === "duplicate_payment" ? chance(0.75) : chance(0.02)) {
      const last = payments[payments.length - 1] as PaymentJson;
      const full = chance(0.2);
      pay(
        chargeRef,
        full ? price : last.amount,
        full ? "card" : last.method,
        firstCapture + int(2, 4320) * MINUTE,
      );
    }

    // Events: client blockers, external incidents and internal faults; a few still ongoing.
    const events: EventJson[] = [];
    const eventCount =
      reason === "not_delivered" ? pick([0, 0, 0, 1, 1, 2] as const) : chance(0.04) ? 1 : 0;
    for (let e = 0; e < eventCount; e++) {
      const k = rnd();
      const kind: EventKind =
        k < 0.5 ? "client_blocker" : k < 0.85 ? "external_incident" : "internal_fault";
      const from = placedAt + int(1, 10 * 24) * HOUR;
      const ongoing = chance(0.1);
      const to = from + int(6, 16 * 24) * HOUR;
      events.push({ kind, from: at(from), to: ongoing ? null : at(to), note: pick(NOTES[kind]) });
      lastFactMs = Math.max(lastFactMs, ongoing ? from : to);
    }

    // Submission, after every recorded fact: after a delivery, within the window or later; for an
    // unused subscription, mostly inside the period, some on its last day or after it.
    let submittedMs: number;
    if (deliveredMs !== null) {
      submittedMs = deliveredMs + (chance(0.7) ? int(1, 7 * 24 - 1) : int(7 * 24, 20 * 24)) * HOUR;
    } else if (sub !== null && reason === "unused_subscription") {
      const q = rnd();
      submittedMs =
        q < 0.85
          ? periodStartMs + int(0, Math.floor((periodEndMs - periodStartMs) / HOUR) - 1) * HOUR
          : q < 0.93
            ? periodEndMs - int(1, 20) * HOUR
            : periodEndMs + int(1, 72) * HOUR;
    } else {
      submittedMs = (promisedStartMs ?? placedAt + 5 * DAY) + int(-3 * 24, 25 * 24) * HOUR;
    }
    submittedMs = Math.max(submittedMs, lastFactMs + int(1, 120) * MINUTE) + int(0, 59) * 1000;
    const asOfMs = chance(0.12) ? submittedMs + int(0, 72) * HOUR : null;

    // Blank requests (incomplete): an empty or white-space description, rarely a blank order id.
    const blank = rnd();
    const description = blank < 0.02 ? pick(BLANKS) : pick(DESCRIPTIONS[reason]);

    // Policy overrides: the time zone, now and then another known parameter.
    const policy: Record<string, unknown> = {};
    if (override) policy.timezone = zone;
    if (chance(0.06)) policy.requestWindowDays = pick([3, 10, 14, 30] as const);
    if (chance(0.03)) policy.payoutBusinessDays = pick(PAYOUT_DAYS);
    if (chance(0.06)) {
      const days = new Set<string>();
      for (let j = int(1, 3); j > 0; j--) days.add(localDate(zone, submittedMs + int(1, 20) * DAY));
      policy.holidays = [...days].sort();
    }
    if (chance(0.02)) {
      policy.holidayCountry =
        zone === "Asia/Bangkok"
          ? "TH"
          : zone === "America/New_York"
            ? pick(["US", "US-NY"] as const)
            : zone === "Europe/Berlin"
              ? pick(["DE", "DE-BE"] as const)
              : "GB";
    }
    if (crypto && chance(0.3))
      policy.cryptoRefundValuation = pick(["same-coins", "fiat-at-payout"] as const);

    const doc: Record<string, unknown> = {};
    if (asOfMs !== null) doc.asOf = at(asOfMs);
    if (override || Object.keys(policy).length > 0) doc.policy = policy;
    doc.order = {
      id: blank > 0.996 ? " " : orderId,
      clientId: `CL-${int(1, 999)}`,
      service: {
        name: pick(SERVICES[category]),
        category,
        billing: subscription ? "subscription" : "one_off",
      },
      price,
      placedAt: at(placedAt),
      promisedStartBy: promisedStartMs === null ? null : at(promisedStartMs),
      promisedDeliveryBy: promisedDeliveryMs === null ? null : at(promisedDeliveryMs),
      startedAt: startedMs === null ? null : at(startedMs),
      deliveredAt: deliveredMs === null ? null : at(deliveredMs),
      subscription: sub,
    };
    doc.payments = payments;
    doc.events = events;
    doc.request = { reason, submittedAt: at(submittedMs), description, attachments: int(0, 3) };
    lines[i] = JSON.stringify(doc);
  }
  return lines;
}
