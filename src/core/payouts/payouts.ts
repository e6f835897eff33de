// Payouts, decided purely: when an approved refund is due, how an amount is spread over payments,
// who may release a payout (four-eyes), what a provider's answer or finance's record does to it,
// and which payouts are due, at risk or overdue. The shell stores, locks and talks to providers.

import {
  addBusinessDays,
  holidayCalendar,
  isBusinessDay,
  type HolidayCalendar,
} from "../calendar/business-days.js";
import { dayInZone, formatDay } from "../calendar/calendar.js";
import { parseMoney, type Money } from "../money/money.js";
import type { PaymentMethod, PayoutSettings, PolicyParams } from "../policy/types.js";

export const PAYOUT_STATUSES = [
  "scheduled",
  "submitting",
  "pending",
  "succeeded",
  "failed",
  "unknown",
  // Closed without money moving: replaced by a payout by another method (issue 11).
  "reissued",
] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

/** Statuses whose money is on its way back or may be: they count against what a payment can give. */
export const IN_FLIGHT: readonly PayoutStatus[] = ["scheduled", "submitting", "pending", "unknown"];

export interface Approval {
  readonly userId: string;
  readonly at: number;
}

/** What the rules need of a payout. */
export interface PayoutState {
  readonly id: string;
  readonly method: PaymentMethod;
  readonly amount: Money;
  readonly status: PayoutStatus;
  readonly approvals: readonly Approval[];
  /** Who made the decision the payout carries out (the system user for automatic approvals). */
  readonly decidedBy: string;
  /** Crypto: the destination the client gave; null until then. */
  readonly destination: CryptoDestination | null;
}

// ---------------------------------------------------------------------------------------------
// Due window

/** The approval date plus the policy's 7 and 14 business days, in its time zone and calendar. */
export function dueWindow(
  approvedAt: number,
  params: Pick<PolicyParams, "timezone" | "holidays" | "holidayCountry" | "payoutBusinessDays">,
): { readonly earliest: string; readonly latest: string } {
  const cal = holidayCalendar(params.holidays, params.holidayCountry);
  const day = dayInZone(approvedAt, params.timezone);
  return {
    earliest: formatDay(addBusinessDays(day, params.payoutBusinessDays[0], cal)),
    latest: formatDay(addBusinessDays(day, params.payoutBusinessDays[1], cal)),
  };
}

/** Business days after `from` up to and including `to`. */
export function businessDaysBetween(from: number, to: number, calendar: HolidayCalendar): number {
  let n = 0;
  for (let d = from + 1; d <= to; d++) if (isBusinessDay(d, calendar)) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Allocation

export interface AllocatablePayment {
  readonly id: string;
  readonly method: PaymentMethod;
  readonly currency: string;
  readonly capturedAt: number;
  /** What it may still give back (captured - refunded - in flight), in minor units. */
  readonly refundable: bigint;
}

export interface PayoutLine {
  readonly paymentId: string;
  readonly method: PaymentMethod;
  readonly amount: Money;
}

/**
 * Spreads `amount` over the payments in its currency, latest capture first, each up to what it
 * may still give back. Null when they cannot cover it.
 */
export function allocate(
  amount: Money,
  payments: readonly AllocatablePayment[],
): readonly PayoutLine[] | null {
  const usable = payments
    .filter((p) => p.currency === amount.currency && p.refundable > 0n)
    .sort((a, b) => b.capturedAt - a.capturedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let left = amount.minor;
  const lines: PayoutLine[] = [];
  for (const p of usable) {
    if (left === 0n) break;
    const take = p.refundable < left ? p.refundable : left;
    lines.push({
      paymentId: p.id,
      method: p.method,
      amount: { minor: take, currency: amount.currency },
    });
    left -= take;
  }
  return left === 0n && amount.minor > 0n ? lines : null;
}

// ---------------------------------------------------------------------------------------------
// Four-eyes

/**
 * Amounts (minor units per currency) above which a payout needs a second finance approval. A
 * currency without an entry always needs two: forgetting a currency must not switch four-eyes off.
 */
export type SecondApprovalThresholds = ReadonlyMap<string, bigint>;

export function approvalsNeeded(amount: Money, thresholds: SecondApprovalThresholds): 1 | 2 {
  const limit = thresholds.get(amount.currency);
  return limit !== undefined && amount.minor <= limit ? 1 : 2;
}

/** True when the payout has every approval it needs and may be sent or recorded. */
export function isReleased(p: PayoutState, thresholds: SecondApprovalThresholds): boolean {
  return p.approvals.length >= approvalsNeeded(p.amount, thresholds);
}

export type PayoutError =
  | { readonly code: "invalid_state"; readonly status: PayoutStatus }
  | { readonly code: "own_decision" }
  | { readonly code: "already_approved_by_you" }
  | { readonly code: "already_released" }
  | { readonly code: "wrong_method"; readonly method: PaymentMethod }
  | { readonly code: "not_released" }
  | { readonly code: "destination_missing" }
  | { readonly code: "reference_required"; readonly field: string; readonly message: string };

export type PayoutResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: PayoutError };

const ok = <T>(value: T): PayoutResult<T> => ({ ok: true, value });
const fail = <T>(error: PayoutError): PayoutResult<T> => ({ ok: false, error });

/**
 * A finance approval: the first one releases the payout (or half-releases it above the threshold),
 * the second completes four-eyes. Nobody approves a payout for a decision they made, and nobody
 * approves twice.
 */
export function approve(
  p: PayoutState,
  userId: string,
  now: number,
  thresholds: SecondApprovalThresholds,
): PayoutResult<{ readonly approvals: readonly Approval[]; readonly released: boolean }> {
  if (p.status !== "scheduled") return fail({ code: "invalid_state", status: p.status });
  if (p.decidedBy === userId) return fail({ code: "own_decision" });
  if (p.approvals.some((a) => a.userId === userId))
    return fail({ code: "already_approved_by_you" });
  if (isReleased(p, thresholds)) return fail({ code: "already_released" });
  const approvals = [...p.approvals, { userId, at: now }];
  return ok({ approvals, released: approvals.length >= approvalsNeeded(p.amount, thresholds) });
}

// ---------------------------------------------------------------------------------------------
// Provider outcomes (card) and manual records (bank transfer, other, crypto)

/** A card provider's answer, as the worker hands it over (same shape as the shell's contract). */
export type Outcome =
  | { readonly kind: "succeeded"; readonly providerRef: string }
  | { readonly kind: "pending"; readonly providerRef: string }
  | { readonly kind: "failed"; readonly providerRef: string | null; readonly reason: string }
  | { readonly kind: "unknown"; readonly reason: string };

/** The statuses from which a provider answer may still move a payout. */
const OPEN_FOR_OUTCOME: readonly PayoutStatus[] = ["submitting", "pending", "unknown"];

export interface OutcomeChange {
  readonly status: PayoutStatus;
  readonly providerRef: string | null;
  readonly failureReason: string | null;
  /** What to add to the payment's refunded total (only when the payout newly succeeded). */
  readonly refunded: bigint;
  readonly notify: "refund_sent" | "refund_failed" | null;
}

/**
 * What a provider's answer does to a payout. Settled payouts do not move again (a late or repeated
 * webhook changes nothing): null means "nothing to do".
 */
export function applyOutcome(
  p: Pick<PayoutState, "status" | "amount">,
  currentRef: string | null,
  outcome: Outcome,
): OutcomeChange | null {
  if (!OPEN_FOR_OUTCOME.includes(p.status)) return null;
  switch (outcome.kind) {
    case "succeeded":
      return {
        status: "succeeded",
        providerRef: outcome.providerRef,
        failureReason: null,
        refunded: p.amount.minor,
        notify: "refund_sent",
      };
    case "pending":
      if (p.status === "pending" && currentRef === outcome.providerRef) return null;
      return {
        status: "pending",
        providerRef: outcome.providerRef,
        failureReason: null,
        refunded: 0n,
        notify: null,
      };
    case "failed":
      return {
        status: "failed",
        providerRef: outcome.providerRef ?? currentRef,
        failureReason: outcome.reason,
        refunded: 0n,
        notify: "refund_failed",
      };
    case "unknown":
      return {
        status: "unknown",
        providerRef: currentRef,
        failureReason: outcome.reason,
        refunded: 0n,
        notify: null,
      };
  }
}

/** What finance records when it has sent a manual payout. */
export interface ManualRecord {
  /** Bank reference (bank_transfer, other) or transaction hash (crypto). */
  readonly reference: string;
  /** Crypto under fiat-at-payout: fiat per coin (decimal string) and the coins sent. */
  readonly crypto?: { readonly rate: string; readonly coins: Money } | undefined;
}

const TX_HASH: Readonly<Record<string, RegExp>> = {
  bitcoin: /^[0-9a-fA-F]{64}$/,
  ethereum: /^0x[0-9a-fA-F]{64}$/,
  tron: /^[0-9a-fA-F]{64}$/,
  solana: /^[1-9A-HJ-NP-Za-km-z]{64,90}$/,
};

/**
 * Finance records a manual payout as sent: bank transfer and other need the bank reference;
 * crypto needs the client's destination, the transaction hash (a payout without one is not
 * succeeded) and, under fiat-at-payout, the rate used and the coins sent.
 */
export function recordManual(
  p: PayoutState,
  record: ManualRecord,
  valuation: "fiat-at-payout" | "same-coins",
  thresholds: SecondApprovalThresholds,
): PayoutResult<{ readonly status: "succeeded" }> {
  if (p.method === "card") return fail({ code: "wrong_method", method: p.method });
  if (p.status !== "scheduled") return fail({ code: "invalid_state", status: p.status });
  if (!isReleased(p, thresholds)) return fail({ code: "not_released" });
  const reference = record.reference.trim();
  if (p.method !== "crypto") {
    if (reference.length < 3 || reference.length > 100) {
      return fail({
        code: "reference_required",
        field: "reference",
        message: "the bank reference must be 3 to 100 characters",
      });
    }
    return ok({ status: "succeeded" });
  }
  if (p.destination === null) return fail({ code: "destination_missing" });
  const hashRule = TX_HASH[p.destination.network];
  if (hashRule === undefined || !hashRule.test(reference)) {
    return fail({
      code: "reference_required",
      field: "reference",
      message: `not a ${p.destination.network} transaction hash`,
    });
  }
  const fiatPriced = p.amount.currency !== p.destination.asset;
  if (valuation === "fiat-at-payout" && fiatPriced) {
    if (record.crypto === undefined) {
      return fail({
        code: "reference_required",
        field: "crypto",
        message: "under fiat-at-payout, record the rate used and the coins sent",
      });
    }
    if (record.crypto.coins.currency !== p.destination.asset || record.crypto.coins.minor <= 0n) {
      return fail({
        code: "reference_required",
        field: "crypto.coins",
        message: `the coins sent must be a positive amount of ${p.destination.asset}`,
      });
    }
  }
  return ok({ status: "succeeded" });
}

// ---------------------------------------------------------------------------------------------
// Crypto destinations

export interface CryptoDestination {
  readonly asset: string;
  readonly network: string;
  readonly address: string;
}

const BASE58 = "[1-9A-HJ-NP-Za-km-z]";
const ADDRESS_RULES: Readonly<Record<string, Readonly<Record<string, RegExp>>>> = {
  BTC: {
    bitcoin: new RegExp(`^(?:[13]${BASE58}{25,34}|bc1[02-9ac-hj-np-z]{11,71})$`),
  },
  ETH: { ethereum: /^0x[0-9a-fA-F]{40}$/ },
  USDT: { ethereum: /^0x[0-9a-fA-F]{40}$/, tron: new RegExp(`^T${BASE58}{33}$`) },
  USDC: { ethereum: /^0x[0-9a-fA-F]{40}$/, solana: new RegExp(`^${BASE58}{32,44}$`) },
};

/** The networks each asset may be paid out on. */
export function networksOf(asset: string): readonly string[] {
  return Object.keys(ADDRESS_RULES[asset] ?? {});
}

/** Checks the format of a refund address for an asset on a network; null when it is fine. */
export function checkDestination(
  d: CryptoDestination,
): { readonly field: "asset" | "network" | "address"; readonly message: string } | null {
  const byNetwork = ADDRESS_RULES[d.asset];
  if (byNetwork === undefined) {
    return { field: "asset", message: `unknown crypto asset "${d.asset}"` };
  }
  const rule = byNetwork[d.network];
  if (rule === undefined) {
    return {
      field: "network",
      message: `${d.asset} is paid out on ${Object.keys(byNetwork).join(", ")}, not "${d.network}"`,
    };
  }
  if (!rule.test(d.address)) {
    return { field: "address", message: `not a ${d.asset} address on ${d.network}` };
  }
  return null;
}

/** The four-eyes thresholds of a policy's payout settings, in minor units. */
export function thresholdsOf(settings: PayoutSettings | undefined): SecondApprovalThresholds {
  const out = new Map<string, bigint>();
  for (const [currency, amount] of Object.entries(settings?.secondApprovalAbove ?? {})) {
    const parsed = parseMoney(amount, currency);
    if (parsed.ok) out.set(currency, parsed.value.minor);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Bank destinations (a payout reissued by bank transfer goes to the account the client gives)

export interface BankDestination {
  readonly accountHolder: string;
  /** Upper case, no spaces. */
  readonly iban: string;
  readonly bic: string | null;
}

/** The IBAN with spaces removed and in upper case, if its check digits are right; null otherwise. */
export function normalizeIban(text: string): string | null {
  const iban = text.replace(/\s+/g, "").toUpperCase();
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban)) return null;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (const ch of moved) {
    const code = ch.charCodeAt(0);
    const digits = code >= 65 ? String(code - 55) : ch;
    for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest === 1 ? iban : null;
}

/** Checks bank details for a payout; the normalised details, or the field that is wrong. */
export function checkBankDestination(input: {
  readonly accountHolder: string;
  readonly iban: string;
  readonly bic?: string | undefined;
}):
  | { readonly ok: true; readonly value: BankDestination }
  | { readonly ok: false; readonly field: string; readonly message: string } {
  const holder = input.accountHolder.trim();
  if (holder.length < 2 || holder.length > 140) {
    return { ok: false, field: "accountHolder", message: "must be 2 to 140 characters" };
  }
  const iban = normalizeIban(input.iban);
  if (iban === null) {
    return { ok: false, field: "iban", message: "not a valid IBAN (check the digits)" };
  }
  const bic = input.bic?.replace(/\s+/g, "").toUpperCase();
  if (bic !== undefined && bic !== "" && !/^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(bic)) {
    return { ok: false, field: "bic", message: "not a BIC (8 or 11 letters and digits)" };
  }
  return {
    ok: true,
    value: { accountHolder: holder, iban, bic: bic === "" || bic === undefined ? null : bic },
  };
}
