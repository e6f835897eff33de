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

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** mulberry32: a small, fast, seeded 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

const dstCache = new Map<string, readonly [number, number]>();

function dstRange(zone: "America/New_York" | "Europe/Berlin", year: number): [number, number] {
  const key = zone + year;
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
  return [r[0], r[1]];
}

/** The zone's UTC offset in minutes at an instant. */
function offsetMinutes(zone: Zone, ms: number): number {
  switch (zone) {
    case "UTC":
      return 0;
    case "Asia/Bangkok":
      return 420;
    case "America/New_York": {
      const [from, to] = dstRange(zone, new Date(ms).getUTCFullYear());
      return ms >= from && ms < to ? -240 : -300;
    }
    case "Europe/Berlin": {
      const [from, to] = dstRange(zone, new Date(ms).getUTCFullYear());
      return ms >= from && ms < to ? 120 : 60;
    }
  }
}

function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/** `YYYY-MM-DDTHH:MM:SS` plus `Z` or `±HH:MM`: the instant written in the zone's local time. */
function instant(ms: number, zone: Zone, utc: boolean): string {
  const off = utc ? 0 : offsetMinutes(zone, ms);
  const local = new Date(ms + off * MINUTE).toISOString().slice(0, 19);
  if (off === 0) return local + "Z";
  const a = Math.abs(off);
  return local + (off < 0 ? "-" : "+") + pad2(Math.floor(a / 60)) + ":" + pad2(a % 60);
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
  return new Date(ms + offsetMinutes(zone, ms) * MINUTE).toISOString().slice(0, 10);
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

const SERVICES = {
  audit: ["External penetration test", "Firewall configuration audit", "Cloud security review"],
  monitoring: ["24/7 network monitoring", "SIEM log monitoring", "Endpoint threat monitoring"],
  training: ["Secure coding course", "Phishing awareness program", "SOC analyst bootcamp"],
  consulting: ["Zero-trust architecture plan", "Incident response planning", "ISO 27001 gap study"],
  support: ["Managed firewall support", "Security helpdesk plan", "VPN support plan"],
} as const;
type Category = keyof typeof SERVICES;

const DESCRIPTIONS = {
  not_delivered: [
    "The engagement never started.",
    "Nobody contacted us after payment.",
    "The work was promised weeks ago and is still not done.",
    "No report received by the agreed date.",
  ],
  duplicate_payment: [
    "I was charged twice.",
    "Our card shows two charges for one order.",
    "We paid by crypto and the invoice was charged again.",
  ],
  mismatch: [
    "The report covers only the web tier.",
    "The scope agreed was the whole network, not one subnet.",
    "The course content differs from the syllabus.",
  ],
  unused_subscription: [
    "We are moving monitoring in-house; please cancel.",
    "Please cancel the remaining period.",
    "Budget cut; we stop the plan this month.",
  ],
  other: ["We changed our mind.", "Not satisfied with the service.", "Project cancelled."],
} as const;
type Reason = keyof typeof DESCRIPTIONS;

const BLOCKER_NOTES = [
  "VPN credentials not provided",
  "Client did not grant firewall access",
  "Scope sign-off pending on client side",
  null,
];
const INCIDENT_NOTES = [
  "Cloud provider outage",
  "Upstream ISP incident",
  "Global DNS outage",
  null,
];
const FAULT_NOTES = ["Engineer unavailable", "Scanner licence expired", null];

interface ZoneChoice {
  zone: Zone;
  override: boolean;
}

// ---- the generator -----------------------------------------------------------------------------

/** Start of the generated time range: placements fall in 2025-01-01 .. 2026-12-31. */
const RANGE_START = Date.UTC(2025, 0, 1);
const RANGE_DAYS = 700;

/** Generates `n` valid refund cases as compact JSON lines (NDJSON), deterministically from `seed`. */
export function generateCases(n: number, seed: number): string[] {
  const rnd = mulberry32(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const chance = (p: number): boolean => rnd() < p;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

  const lines: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    // Time zone: half the cases keep the default (UTC); the others override it.
    const zc: ZoneChoice = chance(0.5)
      ? { zone: "UTC", override: false }
      : {
          zone: pick(["UTC", "Asia/Bangkok", "America/New_York", "Europe/Berlin"] as const),
          override: true,
        };
    const zone = zc.zone;
    // Instants are written in the zone's local offset, or in UTC for a share of them.
    const utcWriter = zone === "UTC" || chance(0.3);
    const at = (ms: number): string => instant(ms, zone, utcWriter);

    // Reason first: it shapes the rest of the case.
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

    const category: Category = pick(Object.keys(SERVICES) as Category[]);
    const subscriptionLikely = category === "monitoring" || category === "support";
    const subscription =
      reason === "unused_subscription"
        ? chance(0.85)
        : subscriptionLikely
          ? chance(0.8)
          : category === "training" && chance(0.2);

    const orderId = "ORD-" + (100000 + i);
    const priceCurrency: Fiat = pick(["USD", "USD", "EUR", "JPY"] as const);
    const priceMinor = priceCurrency === "JPY" ? int(20, 3000) * 1000 : int(150, 25000) * 100;
    const price = moneyOf(priceMinor, priceCurrency);

    // Placement, local working hours.
    let placedAt = RANGE_START + int(0, RANGE_DAYS) * DAY + int(0, 23) * HOUR + int(0, 59) * MINUTE;

    // Subscriptions: the current period is a local calendar month; the order was placed 0-5
    // months before it (0: it is the first period).
    let sub: { periodStart: string; periodEnd: string; chargeRef: string } | null = null;
    let periodStartMs = 0;
    let periodEndMs = 0;
    let prevChargeRef: string | null = null;
    // A subscription never initiated is in its first period.
    const subNeverStarted = subscription && reason === "not_delivered" && chance(0.5);
    if (subscription) {
      const d = new Date(placedAt);
      const monthsBefore = subNeverStarted || chance(0.35) ? 0 : int(1, 5);
      const y = d.getUTCFullYear();
      const m0 = d.getUTCMonth() + 1 + monthsBefore;
      periodStartMs = localMidnight(zone, y, m0, 1);
      periodEndMs = localMidnight(zone, y, m0 + 1, 1);
      if (monthsBefore === 0) placedAt = periodStartMs + int(1, 12) * HOUR;
      const ym = localDate(zone, periodStartMs).slice(0, 7);
      sub = {
        periodStart: at(periodStartMs),
        periodEnd: at(periodEndMs),
        chargeRef: `${orderId}/${ym}`,
      };
      if (monthsBefore > 0) {
        prevChargeRef = `${orderId}/${localDate(zone, periodStartMs - 10 * DAY).slice(0, 7)}`;
      }
    }

    // Promises: most orders promise a start; one-offs usually a delivery date as well.
    const noPromise = chance(0.03);
    const startPromiseDays = int(2, 10);
    const promisedStartMs = noPromise ? null : placedAt + startPromiseDays * DAY;
    const promisedDeliveryMs =
      subscription || (noPromise && chance(0.6)) || chance(0.1)
        ? null
        : placedAt + (startPromiseDays + int(7, 30)) * DAY;

    // What happened: started (on time or late), delivered or not.
    let startedMs: number | null;
    let deliveredMs: number | null = null;
    let lastFactMs = placedAt + 30 * MINUTE;
    const deliveryScenario =
      reason === "mismatch"
        ? chance(0.85)
          ? "delivered"
          : "started"
        : pick(["never", "started", "started", "delivered"] as const);
    if (subscription) {
      startedMs = subNeverStarted ? null : placedAt + int(1, 48) * HOUR;
    } else if (deliveryScenario === "never") {
      startedMs = null;
    } else {
      // On time mostly; late by up to 12 days otherwise.
      startedMs =
        placedAt +
        (chance(0.7)
          ? int(6, startPromiseDays * 24)
          : int(startPromiseDays * 24 + 1, (startPromiseDays + 12) * 24)) *
          HOUR;
      if (deliveryScenario === "delivered") {
        const due = promisedDeliveryMs ?? startedMs + 14 * DAY;
        deliveredMs = due + (chance(0.75) ? -int(1, 96) : int(1, 240)) * HOUR;
        if (deliveredMs <= startedMs) deliveredMs = startedMs + int(24, 96) * HOUR;
      }
    }
    if (startedMs !== null) lastFactMs = Math.max(lastFactMs, startedMs);
    if (deliveredMs !== null) lastFactMs = Math.max(lastFactMs, deliveredMs);

    // Payments.
    const payments: {
      id: string;
      chargeRef: string;
      amount: MoneyJson;
      method: string;
      capturedAt: string;
    }[] = [];
    let payN = int(1, 90);
    const firstCapture = (subscription ? periodStartMs : placedAt) + int(1, 30) * MINUTE;
    const addPayment = (chargeRef: string, amount: MoneyJson, method: string, ms: number): void => {
      payments.push({ id: `PAY-${payN++}`, chargeRef, amount, method, capturedAt: at(ms) });
      lastFactMs = Math.max(lastFactMs, ms);
    };
    const crypto = chance(0.15);
    const cryptoAmount = (): MoneyJson => {
      const coin: Crypto = pick(["BTC", "ETH", "USDT"] as const);
      if (coin === "BTC") return moneyOf(int(50_000, 50_000_000), coin);
      if (coin === "USDT") return moneyOf(int(100, 30000) * 1_000_000 + int(0, 999_999), coin);
      // 18 decimals do not fit a double: build the string from parts.
      return {
        amount: `${int(0, 12)}.${String(int(0, 999_999_999)).padStart(9, "0")}${String(int(0, 999_999_999)).padStart(9, "0")}`,
        currency: coin,
      };
    };
    const fiatMethod = (): string =>
      pick(["card", "card", "card", "bank_transfer", "other"] as const);
    const chargeRef = sub ? sub.chargeRef : orderId;
    if (prevChargeRef !== null && chance(0.6)) {
      addPayment(
        prevChargeRef,
        price,
        "card",
        periodStartMs - int(27, 31) * DAY + int(1, 30) * MINUTE,
      );
    }
    const installments = !crypto && chance(0.12);
    if (crypto) {
      addPayment(chargeRef, cryptoAmount(), "crypto", firstCapture + int(0, 60) * MINUTE);
    } else if (installments) {
      const k = int(2, 3);
      const gapDays = subscription ? int(1, 7) : int(5, 14);
      let left = priceMinor;
      for (let j = 0; j < k; j++) {
        const part = j === k - 1 ? left : Math.floor(priceMinor / k);
        left -= part;
        const ms = firstCapture + j * gapDays * DAY;
        addPayment(chargeRef, moneyOf(part, priceCurrency), fiatMethod(), ms);
      }
    } else {
      addPayment(chargeRef, price, fiatMethod(), firstCapture);
    }
    // Duplicates: mostly for duplicate-payment requests, sometimes elsewhere; sometimes the client
    // claims a duplicate that the records do not show.
    if (reason === "duplicate_payment" ? chance(0.75) : chance(0.04)) {
      const last = payments[payments.length - 1];
      const again = chance(0.2)
        ? { amount: price, method: "card" }
        : { amount: last?.amount ?? price, method: last?.method ?? "card" };
      addPayment(
        chargeRef,
        again.amount,
        again.method,
        firstCapture + int(2, 60 * 24 * 3) * MINUTE,
      );
    }

    // Events: client blockers, external incidents, internal faults; a few still ongoing.
    const events: { kind: string; from: string; to: string | null; note: string | null }[] = [];
    const eventCount =
      reason === "not_delivered" ? pick([0, 0, 1, 1, 2, 3] as const) : chance(0.15) ? 1 : 0;
    for (let e = 0; e < eventCount; e++) {
      const k = rnd();
      const kind = k < 0.5 ? "client_blocker" : k < 0.85 ? "external_incident" : "internal_fault";
      const from = placedAt + int(1, 10 * 24) * HOUR;
      const ongoing = chance(0.1);
      const to = from + int(6, 16 * 24) * HOUR;
      const notes =
        kind === "client_blocker"
          ? BLOCKER_NOTES
          : kind === "external_incident"
            ? INCIDENT_NOTES
            : FAULT_NOTES;
      events.push({ kind, from: at(from), to: ongoing ? null : at(to), note: pick(notes) });
      lastFactMs = Math.max(lastFactMs, ongoing ? from : to);
    }

    // Submission: after every recorded fact. After a delivery, within the window or later.
    let submittedMs: number;
    if (deliveredMs !== null) {
      submittedMs = deliveredMs + (chance(0.7) ? int(1, 7 * 24 - 1) : int(7 * 24, 20 * 24)) * HOUR;
    } else if (sub && reason === "unused_subscription") {
      // Mostly inside the period; some on its last day or after it (nothing left to refund).
      const q = rnd();
      submittedMs =
        q < 0.85
          ? periodStartMs + int(0, Math.floor((periodEndMs - periodStartMs) / HOUR) - 1) * HOUR
          : q < 0.93
            ? periodEndMs - int(1, 20) * HOUR
            : periodEndMs + int(1, 72) * HOUR;
    } else {
      const base = promisedStartMs ?? placedAt + 5 * DAY;
      submittedMs = base + int(-3 * 24, 25 * 24) * HOUR;
    }
    submittedMs = Math.max(submittedMs, lastFactMs + int(1, 120) * MINUTE) + int(0, 59) * 1000;
    const asOfMs = chance(0.25) ? submittedMs + int(0, 72) * HOUR : null;

    // Blank requests (incomplete): an empty or white-space description, rarely a blank order id.
    const blank = rnd();
    const description =
      blank < 0.02 ? pick(["", "   ", "\n"] as const) : pick(DESCRIPTIONS[reason]);
    const id = blank > 0.996 ? " " : orderId;

    // Policy overrides: the time zone, and now and then another known parameter.
    const policy: Record<string, unknown> = {};
    if (zc.override) policy.timezone = zone;
    if (chance(0.08)) policy.requestWindowDays = pick([3, 10, 14, 30] as const);
    if (chance(0.05))
      policy.payoutBusinessDays = pick([
        [5, 10],
        [3, 7],
        [10, 20],
      ] as const);
    if (chance(0.1)) {
      const h: string[] = [];
      const hc = int(1, 3);
      for (let j = 0; j < hc; j++) h.push(localDate(zone, submittedMs + int(1, 20) * DAY));
      policy.holidays = [...new Set(h)].sort();
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
    if (Object.keys(policy).length > 0) doc.policy = policy;
    doc.order = {
      id,
      clientId: `CL-${int(1, 9999)}`,
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
