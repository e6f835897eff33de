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
  type StripeEventJson,
  type StripeRefundJson,
  type StripeRefundStatus,
} from "./stand-in-wire.js";

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
    type: StripeEventJson["type"],
    refund: StripeRefundJson,
    idempotencyKey: string | null,
    previous?: Partial<StripeRefundJson>,
  ): void {
    const event: StripeEventJson = {
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
}
