// The Stripe stand-in's state: captured charges (with their payment intents), the refunds made
// against them, the events emitted, and the idempotency keys remembered. It applies Stripe's
// refund rules (never more than what remains of a charge; failed and canceled refunds give the
// money back) and answers in Stripe's shapes (`stand-in-wire.ts`), but knows nothing of HTTP.

import {
  API_VERSION,
  apiError,
  errorAnswer,
  listObject,
  noSuch,
  stripeId,
  type Answer,
  type CreateRefundParams,
  type ListRefundsQuery,
  DISPUTE_EVIDENCE_FIELDS,
  DISPUTE_FILE_FIELDS,
  type StripeDisputeJson,
  type StripeDisputeStatus,
  type StripeEventJson,
  type StripeFileJson,
  type StripeRefundJson,
  type StripeRefundStatus,
} from "./stand-in-wire.js";

type RefundEventJson = Extract<StripeEventJson, { data: { object: StripeRefundJson } }>;
type DisputeEventJson = Extract<StripeEventJson, { data: { object: StripeDisputeJson } }>;

/** How a test (or an admin call) opens a dispute on a charge. */
export interface CreateDisputeInput {
  /** The charge (`ch_...`) or its payment intent (`pi_...`). */
  readonly charge: string;
  /** Minor units; default: what remains unrefunded of the charge. */
  readonly amount?: number;
  /** Stripe's reason (default `product_not_received`). */
  readonly reason?: string;
  /** `needs_response` (a chargeback, default) or `warning_needs_response` (an inquiry). */
  readonly status?: "needs_response" | "warning_needs_response";
  /** Seconds since the epoch (default: 14 days after now). */
  readonly dueBy?: number;
}

/** What `POST /v1/disputes/:id` asks: evidence fields and whether to submit. */
export interface UpdateDisputeParams {
  readonly evidence: Readonly<Record<string, string>>;
  readonly submit: boolean;
  readonly metadata: Readonly<Record<string, string>>;
}

const OPEN_DISPUTE: ReadonlySet<StripeDisputeStatus> = new Set([
  "warning_needs_response",
  "warning_under_review",
  "needs_response",
  "under_review",
]);

export interface SeededCharge {
  readonly charge: string;
  readonly paymentIntent: string;
  readonly amount: number;
  readonly currency: string;
}

/** A captured charge as a payment records it: its provider reference, minor units, currency. */
export interface ChargeInput {
  /** `ch_...`/`py_...` (a charge) or `pi_...` (a payment intent; the charge id is generated). */
  readonly id: string;
  /** Minor units, a positive integer. */
  readonly amount: number;
  readonly currency: string;
}

interface ChargeState {
  readonly id: string;
  readonly paymentIntent: string;
  readonly amount: number;
  readonly currency: string;
}

interface RefundState {
  readonly seq: number;
  json: StripeRefundJson;
}

export type IdempotencyEntry =
  | { readonly state: "in_flight"; readonly fingerprint: string; readonly at: number }
  | {
      readonly state: "done";
      readonly fingerprint: string;
      readonly at: number;
      readonly status: number;
      readonly body: string;
      readonly requestId: string;
    };

/** How a refund is created: its status (from the fault plan) and the key it was asked with. */
export interface CreateRefundHow {
  readonly status: StripeRefundStatus;
  readonly failureReason?: string | undefined;
  readonly idempotencyKey: string | null;
}

/** Charges, refunds, events and idempotency keys of one stand-in. */
export class StandInState {
  readonly #charges = new Map<string, ChargeState>();
  readonly #byPaymentIntent = new Map<string, ChargeState>();
  readonly #refunds = new Map<string, RefundState>();
  #refundSeq = 0;
  readonly #events: StripeEventJson[] = [];
  readonly #disputes = new Map<string, StripeDisputeJson>();
  readonly #files = new Map<string, StripeFileJson>();
  /** Remembered keys, scoped by API key (`<apiKey>\0<key>`). */
  readonly idempotency = new Map<string, IdempotencyEntry>();

  /**
   * @param now seconds since the epoch (refund and event timestamps)
   * @param onEvent called with each event emitted (webhook delivery)
   * @param pendingWebhooks what events say in `pending_webhooks`
   */
  constructor(
    private readonly now: () => number,
    private readonly onEvent: (event: StripeEventJson) => void = () => {},
    private readonly pendingWebhooks = 0,
  ) {}

  /** Seeds a captured charge and its payment intent; ids are generated unless given. */
  seedCharge(input: {
    amount: number;
    currency: string;
    id?: string;
    paymentIntent?: string;
  }): SeededCharge {
    if (!Number.isSafeInteger(input.amount) || input.amount < 1) {
      throw new RangeError("a seeded charge needs a positive integer amount in minor units");
    }
    const id = input.id ?? stripeId("ch");
    const paymentIntent = input.paymentIntent ?? stripeId("pi");
    if (this.#charges.has(id) || this.#byPaymentIntent.has(paymentIntent)) {
      throw new Error(`charge ${id} or payment intent ${paymentIntent} is already seeded`);
    }
    const c: ChargeState = {
      id,
      paymentIntent,
      amount: input.amount,
      currency: input.currency.toLowerCase(),
    };
    this.#charges.set(id, c);
    this.#byPaymentIntent.set(paymentIntent, c);
    return { charge: id, paymentIntent, amount: c.amount, currency: c.currency };
  }

  /**
   * Adds the charge a recorded card payment refers to (`id` is its provider reference: a `pi_`
   * id names the payment intent, anything else the charge). Adding a charge already known with
   * the same amount and currency does nothing (a payment recorded again, or a restart's seeding);
   * a different amount or currency for a known id throws.
   */
  addCharge(input: ChargeInput): SeededCharge {
    const known = this.#charges.get(input.id) ?? this.#byPaymentIntent.get(input.id);
    if (known !== undefined) {
      if (known.amount !== input.amount || known.currency !== input.currency.toLowerCase()) {
        throw new Error(
          `charge ${input.id} is already known with ${known.amount} ${known.currency}`,
        );
      }
      return {
        charge: known.id,
        paymentIntent: known.paymentIntent,
        amount: known.amount,
        currency: known.currency,
      };
    }
    return this.seedCharge({
      amount: input.amount,
      currency: input.currency,
      ...(input.id.startsWith("pi_") ? { paymentIntent: input.id } : { id: input.id }),
    });
  }

  /** Captured and refunded (succeeded or pending refunds) amounts of a charge (or its intent). */
  charge(id: string): { amount: number; amountRefunded: number; currency: string } | null {
    const c = this.#charges.get(id) ?? this.#byPaymentIntent.get(id);
    if (c === undefined) return null;
    return { amount: c.amount, amountRefunded: this.#refundedOn(c), currency: c.currency };
  }

  /** Every refund made, oldest first (copies). */
  refunds(): StripeRefundJson[] {
    return [...this.#refunds.values()]
      .sort((a, b) => a.seq - b.seq)
      .map((r) => structuredClone(r.json));
  }

  /** Every event emitted, oldest first (copies). */
  events(): StripeEventJson[] {
    return this.#events.map((e) => structuredClone(e));
  }

  /** The emitted event with this id (not a copy), if any. */
  event(id: string): StripeEventJson | undefined {
    return this.#events.find((e) => e.id === id);
  }

  #refundedOn(charge: ChargeState): number {
    let sum = 0;
    for (const r of this.#refunds.values()) {
      if (r.json.charge !== charge.id) continue;
      // Failed and canceled refunds give the money back to the balance: not refunded.
      if (r.json.status === "failed" || r.json.status === "canceled") continue;
      sum += r.json.amount;
    }
    return sum;
  }

  #emit(
    type: RefundEventJson["type"],
    refund: StripeRefundJson,
    idempotencyKey: string | null,
    previous?: Partial<StripeRefundJson>,
  ): void {
    const event: RefundEventJson = {
      id: stripeId("evt"),
      object: "event",
      api_version: API_VERSION,
      created: this.now(),
      data: {
        object: structuredClone(refund),
        ...(previous === undefined ? {} : { previous_attributes: previous }),
      },
      livemode: false,
      pending_webhooks: this.pendingWebhooks,
      request: {
        id: idempotencyKey === null ? null : stripeId("req"),
        idempotency_key: idempotencyKey,
      },
      type,
    };
    this.#events.push(event);
    this.onEvent(event);
  }

  /** `POST /v1/refunds` on checked parameters: the refund, or Stripe's error. */
  createRefund(params: CreateRefundParams, how: CreateRefundHow): Answer {
    const charge =
      "charge" in params.target
        ? this.#charges.get(params.target.charge)
        : this.#byPaymentIntent.get(params.target.paymentIntent);
    if (charge === undefined) {
      return errorAnswer(
        "charge" in params.target
          ? noSuch("charge", params.target.charge, "charge")
          : noSuch("payment_intent", params.target.paymentIntent, "payment_intent"),
      );
    }
    if (this.#openDisputeOn(charge.id) !== undefined) {
      // Stripe refuses to refund a charge that has been charged back (error code charge_disputed).
      return errorAnswer(
        apiError(
          400,
          "invalid_request_error",
          `Charge ${charge.id} has been charged back; cannot issue a refund.`,
          { code: "charge_disputed" },
        ),
        true,
      );
    }
    const remaining = charge.amount - this.#refundedOn(charge);
    if (remaining <= 0) {
      return errorAnswer(
        apiError(400, "invalid_request_error", `Charge ${charge.id} has already been refunded.`, {
          code: "charge_already_refunded",
        }),
        true,
      );
    }
    const refundAmount = params.amount ?? remaining;
    if (refundAmount > remaining) {
      return errorAnswer(
        apiError(
          400,
          "invalid_request_error",
          `Refund amount (${refundAmount} ${charge.currency}) is greater than unrefunded amount on charge (${remaining} ${charge.currency})`,
          { code: "amount_too_large", param: "amount" },
        ),
        true,
      );
    }
    const status = how.status;
    const json: StripeRefundJson = {
      id: stripeId("re"),
      object: "refund",
      amount: refundAmount,
      balance_transaction: stripeId("txn"),
      charge: charge.id,
      created: this.now(),
      currency: charge.currency,
      destination_details: null,
      metadata: params.metadata,
      payment_intent: charge.paymentIntent,
      reason: params.reason,
      receipt_number: null,
      source_transfer_reversal: null,
      status,
      transfer_reversal: null,
    };
    if (status === "failed" || status === "canceled") {
      json.failure_reason = how.failureReason ?? "unknown";
      json.failure_balance_transaction = stripeId("txn");
    }
    this.#refundSeq += 1;
    this.#refunds.set(json.id, { seq: this.#refundSeq, json });
    this.#emit("refund.created", json, how.idempotencyKey);
    if (status === "failed") this.#emit("refund.failed", json, how.idempotencyKey);
    return { status: 200, body: structuredClone(json), store: true };
  }

  /** `GET /v1/refunds`: newest first, filtered, one page. */
  listRefunds(query: ListRefundsQuery): Answer {
    const { charge: chargeId, paymentIntent: piId, limit } = query;
    if (chargeId !== null && !this.#charges.has(chargeId)) {
      return errorAnswer(noSuch("charge", chargeId, "charge"));
    }
    if (piId !== null && !this.#byPaymentIntent.has(piId)) {
      return errorAnswer(noSuch("payment_intent", piId, "payment_intent"));
    }
    // Newest first, as Stripe lists.
    let all = [...this.#refunds.values()]
      .filter((r) => chargeId === null || r.json.charge === chargeId)
      .filter((r) => piId === null || r.json.payment_intent === piId)
      .sort((a, b) => b.json.created - a.json.created || b.seq - a.seq);
    const after = query.startingAfter;
    const before = query.endingBefore;
    for (const [cursor, param] of [
      [after, "starting_after"],
      [before, "ending_before"],
    ] as const) {
      if (cursor !== null && !this.#refunds.has(cursor)) {
        return errorAnswer(noSuch("refund", cursor, param, 400));
      }
    }
    let hasMore: boolean;
    if (after !== null) {
      const i = all.findIndex((r) => r.json.id === after);
      all = i === -1 ? [] : all.slice(i + 1);
      hasMore = all.length > limit;
      all = all.slice(0, limit);
    } else if (before !== null) {
      const i = all.findIndex((r) => r.json.id === before);
      all = i === -1 ? [] : all.slice(0, i);
      hasMore = all.length > limit;
      all = all.slice(Math.max(0, all.length - limit));
    } else {
      hasMore = all.length > limit;
      all = all.slice(0, limit);
    }
    return {
      status: 200,
      body: listObject(
        all.map((r) => structuredClone(r.json)),
        hasMore,
      ),
      store: false,
    };
  }

  /** `GET /v1/refunds/:id`. */
  retrieveRefund(id: string): Answer {
    const r = this.#refunds.get(id);
    if (r === undefined) return errorAnswer(noSuch("refund", id, "id"));
    return { status: 200, body: structuredClone(r.json), store: false };
  }

  /** Moves a refund to another status (e.g. pending -> succeeded/failed) and emits its events. */
  settleRefund(id: string, status: StripeRefundStatus, failureReason?: string): StripeRefundJson {
    const r = this.#refunds.get(id);
    if (r === undefined) throw new Error(`no refund ${id}`);
    const previous: Partial<StripeRefundJson> = { status: r.json.status };
    const next: StripeRefundJson = { ...r.json, status };
    if (status === "failed" || status === "canceled") {
      next.failure_reason = failureReason ?? "unknown";
      next.failure_balance_transaction = stripeId("txn");
    }
    r.json = next;
    this.#emit("refund.updated", next, null, previous);
    if (status === "failed") this.#emit("refund.failed", next, null, previous);
    return structuredClone(next);
  }

  #openDisputeOn(chargeId: string): StripeDisputeJson | undefined {
    for (const d of this.#disputes.values()) {
      if (d.charge === chargeId && OPEN_DISPUTE.has(d.status)) return d;
    }
    return undefined;
  }

  #emitDispute(
    type: DisputeEventJson["type"],
    dispute: StripeDisputeJson,
    previous?: Partial<StripeDisputeJson>,
  ): void {
    const event: DisputeEventJson = {
      id: stripeId("evt"),
      object: "event",
      api_version: API_VERSION,
      created: this.now(),
      data: {
        object: structuredClone(dispute),
        ...(previous === undefined ? {} : { previous_attributes: previous }),
      },
      livemode: false,
      pending_webhooks: this.pendingWebhooks,
      request: { id: null, idempotency_key: null },
      type,
    };
    this.#events.push(event);
    this.onEvent(event);
  }

  /**
   * Opens a dispute on a charge, as a cardholder's bank would (a test helper; the stand-in's admin
   * call): `charge.dispute.created`, then, for a chargeback, `charge.dispute.funds_withdrawn`. A
   * refund still pending on the charge fails (`charge_for_pending_refund_disputed`), as at Stripe.
   */
  createDispute(input: CreateDisputeInput): StripeDisputeJson {
    const charge = this.#charges.get(input.charge) ?? this.#byPaymentIntent.get(input.charge);
    if (charge === undefined) throw new Error(`no charge ${input.charge}`);
    if (this.#openDisputeOn(charge.id) !== undefined) {
      throw new Error(`charge ${charge.id} already has an open dispute`);
    }
    for (const r of this.#refunds.values()) {
      if (r.json.charge === charge.id && r.json.status === "pending") {
        this.settleRefund(r.json.id, "failed", "charge_for_pending_refund_disputed");
      }
    }
    const amount = input.amount ?? charge.amount - this.#refundedOn(charge);
    if (!Number.isSafeInteger(amount) || amount < 1) {
      throw new RangeError(`nothing of charge ${charge.id} is left to dispute`);
    }
    const created = this.now();
    const evidence = Object.fromEntries(DISPUTE_EVIDENCE_FIELDS.map((f) => [f, null])) as Record<
      string,
      string | null
    >;
    const status = input.status ?? "needs_response";
    const dispute: StripeDisputeJson = {
      id: stripeId("dp"),
      object: "dispute",
      amount,
      balance_transactions: [],
      charge: charge.id,
      created,
      currency: charge.currency,
      enhanced_eligibility_types: [],
      evidence: { ...evidence, enhanced_evidence: {} },
      evidence_details: {
        due_by: input.dueBy ?? created + 14 * 86_400,
        enhanced_eligibility: {},
        has_evidence: false,
        past_due: false,
        submission_count: 0,
        submission_method: "not_submitted",
      },
      is_charge_refundable: false,
      livemode: false,
      metadata: {},
      network_reason_code: "13.1",
      payment_intent: charge.paymentIntent,
      payment_method_details: {
        card: {
          brand: "visa",
          case_type: status.startsWith("warning_") ? "inquiry" : "chargeback",
          network_reason_code: "13.1",
        },
        type: "card",
      },
      reason: input.reason ?? "product_not_received",
      status,
    };
    this.#disputes.set(dispute.id, dispute);
    this.#emitDispute("charge.dispute.created", dispute);
    if (status === "needs_response") this.#emitDispute("charge.dispute.funds_withdrawn", dispute);
    return structuredClone(dispute);
  }

  /** Every dispute, oldest first (copies). */
  disputes(): StripeDisputeJson[] {
    return [...this.#disputes.values()].map((d) => structuredClone(d));
  }

  /** `GET /v1/disputes/:id`. */
  retrieveDispute(id: string): Answer {
    const d = this.#disputes.get(id);
    if (d === undefined) return errorAnswer(noSuch("dispute", id, "dispute"));
    return { status: 200, body: structuredClone(d), store: false };
  }

  /**
   * `POST /v1/disputes/:id`: evidence fields (file fields must name an uploaded file of purpose
   * `dispute_evidence`) and, with `submit`, the submission (needs_response -> under_review). A
   * dispute no longer awaiting a response refuses any change, as at Stripe.
   */
  updateDispute(id: string, params: UpdateDisputeParams): Answer {
    const d = this.#disputes.get(id);
    if (d === undefined) return errorAnswer(noSuch("dispute", id, "dispute"));
    if (d.status !== "needs_response" && d.status !== "warning_needs_response") {
      return errorAnswer(
        apiError(
          400,
          "invalid_request_error",
          `This dispute is already closed or under review (status ${d.status}); its evidence cannot change.`,
        ),
      );
    }
    for (const [field, value] of Object.entries(params.evidence)) {
      if (!(DISPUTE_EVIDENCE_FIELDS as readonly string[]).includes(field)) {
        return errorAnswer(
          apiError(400, "invalid_request_error", `Received unknown parameter: evidence[${field}]`, {
            param: `evidence[${field}]`,
          }),
        );
      }
      if (DISPUTE_FILE_FIELDS.has(field)) {
        const file = this.#files.get(value);
        if (file === undefined || file.purpose !== "dispute_evidence") {
          return errorAnswer(noSuch("file", value, `evidence[${field}]`, 400));
        }
      } else if (value.length > 20_000) {
        return errorAnswer(
          apiError(400, "invalid_request_error", `evidence[${field}] is too long`, {
            param: `evidence[${field}]`,
          }),
        );
      }
    }
    const previous: Partial<StripeDisputeJson> = {
      evidence: structuredClone(d.evidence),
      status: d.status,
    };
    for (const [field, value] of Object.entries(params.evidence)) d.evidence[field] = value;
    d.metadata = { ...d.metadata, ...params.metadata };
    d.evidence_details.has_evidence = true;
    if (params.submit) {
      d.status = d.status === "warning_needs_response" ? "warning_under_review" : "under_review";
      d.evidence_details.submission_count += 1;
      d.evidence_details.submission_method = "manual";
    }
    this.#emitDispute("charge.dispute.updated", d, previous);
    return { status: 200, body: structuredClone(d), store: true };
  }

  /** Closes a dispute as the bank decided (`won`/`lost`), emitting `charge.dispute.closed`. */
  closeDispute(id: string, outcome: "won" | "lost"): StripeDisputeJson {
    const d = this.#disputes.get(id);
    if (d === undefined) throw new Error(`no dispute ${id}`);
    if (!OPEN_DISPUTE.has(d.status)) throw new Error(`dispute ${id} is already ${d.status}`);
    const previous: Partial<StripeDisputeJson> = { status: d.status };
    d.status = d.status.startsWith("warning_")
      ? outcome === "won"
        ? "warning_closed"
        : "lost"
      : outcome;
    d.is_charge_refundable = d.status !== "lost";
    this.#emitDispute("charge.dispute.closed", d, previous);
    if (d.status === "won") this.#emitDispute("charge.dispute.funds_reinstated", d);
    return structuredClone(d);
  }

  /** `POST /v1/files` (multipart): a file's record; the bytes are only measured. */
  createFile(input: { purpose: string; filename: string; type: string; size: number }): Answer {
    const id = stripeId("file");
    const json: StripeFileJson = {
      id,
      object: "file",
      created: this.now(),
      expires_at: null,
      filename: input.filename,
      links: { object: "list", data: [], has_more: false, url: `/v1/file_links?file=${id}` },
      purpose: input.purpose,
      size: input.size,
      title: null,
      type: input.type,
      url: `https://files.stripe.com/v1/files/${id}/contents`,
    };
    this.#files.set(id, json);
    return { status: 200, body: structuredClone(json), store: true };
  }

  /** Every file uploaded (copies). */
  files(): StripeFileJson[] {
    return [...this.#files.values()].map((f) => structuredClone(f));
  }
}
