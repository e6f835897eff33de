import type { ExactInstant } from "../calendar/instant.js";
import type { Money } from "../money/money.js";
import type {
  EVENT_FORMAT,
  ORDER_FORMAT,
  PAYMENT_FORMAT,
  Read,
  REQUEST_FORMAT,
  SUBSCRIPTION_FORMAT,
} from "./case-format.js";

/** Stable clause ids of the refund policy; a decision cites them, the determining one first. */
export const CLAUSE_IDS = [
  "eligible.not-delivered",
  "eligible.duplicate-payment",
  "eligible.mismatch",
  "excluded.completed",
  "excluded.client-side",
  "excluded.external",
  "excluded.not-covered",
  "procedure.request",
  "procedure.window",
  "procedure.review",
  "procedure.payout",
  "procedure.alternatives",
  "notes.started",
  "notes.prorated",
  "notes.resolve-first",
] as const;
export type ClauseId = (typeof CLAUSE_IDS)[number];

export const REASONS = [
  "not_delivered",
  "duplicate_payment",
  "mismatch",
  "unused_subscription",
  "other",
] as const;
export type Reason = (typeof REASONS)[number];

export const PAYMENT_METHODS = ["card", "crypto", "bank_transfer", "other"] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export const EVENT_KINDS = ["client_blocker", "external_incident", "internal_fault"] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const CATEGORIES = ["audit", "monitoring", "training", "consulting", "support"] as const;
export type Category = (typeof CATEGORIES)[number];

export const BILLINGS = ["one_off", "subscription"] as const;
export type Billing = (typeof BILLINGS)[number];

export const ALTERNATIVES = ["re-delivery", "support-extension", "additional-consulting"] as const;
export type Alternative = (typeof ALTERNATIVES)[number];

export const CRYPTO_VALUATIONS = ["fiat-at-payout", "same-coins"] as const;
export type CryptoValuation = (typeof CRYPTO_VALUATIONS)[number];

export type Outcome = "refund" | "review" | "deny" | "incomplete";

/** Parameters an operator sets in the policy file; a case may override any of them. */
export interface PolicyParams {
  readonly timezone: string;
  readonly requestWindowDays: number;
  readonly payoutBusinessDays: readonly [number, number];
  readonly holidays: readonly string[];
  readonly holidayCountry: string | null;
  readonly cryptoRefundValuation: CryptoValuation;
  /** Reasons whose `refund` recommendation is approved without a person (default: duplicates). */
  readonly autoApprove: readonly Reason[];
}

/** The policy in force: a version id, its parameters and the wording of every clause. */
export interface Policy {
  readonly version: string;
  readonly params: PolicyParams;
  readonly clauses: Readonly<Record<ClauseId, string>>;
  /** How payouts are released; not a decision parameter, so a case cannot override it. */
  readonly payouts?: PayoutSettings;
  /** Deadlines of the people in the review workflow; not a decision parameter either. */
  readonly workflow?: WorkflowSettings;
  /** How long personal data of closed requests is kept (issue 17); not a decision parameter. */
  readonly retention?: RetentionSettings;
}

/** The retention period of closed requests' messages and attachments. */
export interface RetentionSettings {
  /**
   * Years after a request closed when the worker deletes its messages and attachments (the
   * request, its decisions and payouts stay: financial records).
   */
  readonly closedRequestDataYears: number;
}

/** Deadlines for people: the client's answers, QA's queue, appeals and follow-ups. */
export interface WorkflowSettings {
  /** Business days a client has to answer a question (a reminder goes out the day before). */
  readonly replyByBusinessDays: number;
  /** Business days a request may wait on QA before it is flagged as at risk. */
  readonly qaAtRiskBusinessDays: number;
  /** Calendar days after a denial during which the client may appeal it (once). */
  readonly appealWindowDays: number;
  /** Business days to deliver an accepted alternative before the client may reopen the request. */
  readonly followUpBusinessDays: number;
}

/** Finance controls over money going out. */
export interface PayoutSettings {
  /**
   * Per currency, the amount (decimal string, e.g. "1000.00") above which a payout needs a second
   * finance approval. A currency not listed always needs two.
   */
  readonly secondApprovalAbove: Readonly<Record<string, string>>;
}

/** Instants are epoch milliseconds (UTC); calendar dates are `YYYY-MM-DD` strings. */
export type Instant = number;

// The facts of a case, typed as the case format (case-format.ts) reads them: instants exact to the
// nanosecond, money exact in minor units.
export type Subscription = Read<typeof SUBSCRIPTION_FORMAT.fields>;
export type Order = Read<typeof ORDER_FORMAT.fields>;
export type Payment = Read<typeof PAYMENT_FORMAT.fields>;
export type ServiceEvent = Read<typeof EVENT_FORMAT.fields>;
export type RefundRequestFacts = Read<typeof REQUEST_FORMAT.fields>;

/**
 * The facts the engine decides on, already typed (what the service builds from stored rows).
 * `asOf` null: the request's `submittedAt`.
 */
export interface CaseFacts {
  readonly asOf: ExactInstant | null;
  readonly order: Order;
  readonly payments: readonly Payment[];
  readonly events: readonly ServiceEvent[];
  readonly request: RefundRequestFacts;
}

/** A checked case: its facts, the moment it is decided as of, and the parameters in force. */
export interface RefundCase {
  readonly asOf: ExactInstant;
  readonly params: PolicyParams;
  readonly order: Order;
  readonly payments: readonly Payment[];
  readonly events: readonly ServiceEvent[];
  readonly request: RefundRequestFacts;
}

export interface RefundLine {
  readonly paymentId: string;
  readonly method: PaymentMethod;
  readonly amount: Money;
}

export interface Deadlines {
  readonly requestWindowEndsAt: Instant | null;
  readonly payoutEarliest: string | null;
  readonly payoutLatest: string | null;
}

/** What the engine recommends, citing the clauses it rests on. */
export interface Decision {
  readonly outcome: Outcome;
  readonly amount: Money | null;
  readonly refunds: readonly RefundLine[];
  readonly clauses: readonly ClauseId[];
  readonly alternatives: readonly Alternative[];
  readonly deadlines: Deadlines;
  readonly policyVersion: string;
  readonly explanation: string;
  /** True when the operator's policy approves this recommendation without a person. */
  readonly autoApprove: boolean;
}

/** Bad input: the JSON path of the offending field and what was wrong with it. */
export interface InputError {
  readonly path: string;
  readonly message: string;
}

export type Result<T, E> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };
