// The Stripe stand-in's fault injection: what happens to the next call of an operation (queued
// behaviours first, then seeded random "chaos" for refund creation), gates a test opens when it
// chooses, and the requests held without an answer (timeouts) until they are released or closed.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { seededRandom } from "../../core/random/seeded-random.js";
import type { StripeRefundStatus } from "./stand-in-wire.js";

/** A point a request waits at until the test opens it (see `standInGate`). */
export interface StandInGate {
  /** Resolves when a request has reached the gate (for `refunds.create`: its key is in flight). */
  readonly reached: Promise<void>;
  /** Lets the waiting request (and any later one) through. */
  open(): void;
  /** @internal Called by the stand-in when a request arrives; resolves once the gate is open. */
  pass(): Promise<void>;
}

/** A gate for a `{ kind: "gate" }` behaviour: no timers, the test decides when the answer goes. */
export function standInGate(): StandInGate {
  let reach!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((r) => (reach = r));
  const opened = new Promise<void>((r) => (open = r));
  return {
    reached,
    open: () => open(),
    pass: () => {
      reach();
      return opened;
    },
  };
}

/** What the stand-in does with one API call. */
export type StandInBehaviour =
  /** Answer normally: a refund is created with status `succeeded`. */
  | { readonly kind: "ok" }
  /** Create the refund with this status (e.g. `failed` with a `failureReason`, or `pending`). */
  | {
      readonly kind: "status";
      readonly status: StripeRefundStatus;
      readonly failureReason?: string;
    }
  /**
   * Answer with a Stripe error without doing anything (e.g. 500 `api_error`, 402 `card_error`,
   * 429 `rate_limit`). `store: true` records it under the idempotency key so a retry with the same
   * key gets it replayed, as Stripe does for errors raised after a request started executing.
   */
  | {
      readonly kind: "error";
      readonly status: number;
      readonly type: string;
      readonly code?: string;
      readonly message?: string;
      readonly store?: boolean;
    }
  /** Never answer and do nothing: the client times out; the refund does not exist. */
  | { readonly kind: "timeout" }
  /** Do the work (create the refund, record the idempotency key) but never answer. */
  | { readonly kind: "apply-then-timeout" }
  /** Answer normally after `ms`; meanwhile the idempotency key is in flight (409 for a twin). */
  | { readonly kind: "delay"; readonly ms: number }
  /** Answer normally once `gate` is opened; meanwhile the idempotency key is in flight. */
  | { readonly kind: "gate"; readonly gate: StandInGate };

export type StandInOperation =
  | "refunds.create"
  | "refunds.list"
  | "refunds.retrieve"
  | "files.create"
  | "disputes.update"
  | "disputes.retrieve";

/** Probabilities (0..1) of trouble for `POST /v1/refunds` when no queued behaviour applies. */
export interface StandInChaos {
  readonly applyThenTimeout?: number;
  readonly timeout?: number;
  readonly serverError?: number;
  /** The refund is created with status `failed` (failure reason `declined`). */
  readonly refundFails?: number;
  /** Seed for the stand-in's own random numbers, so a run can be repeated. */
  readonly seed?: number;
}

/** Which behaviour each call gets: queued ones in order, else seeded chaos, else `ok`. */
export class FaultPlan {
  readonly #queues = new Map<StandInOperation, StandInBehaviour[]>();
  #chaos: StandInChaos | null = null;
  #random: () => number = seededRandom(1);

  constructor(chaos: StandInChaos | null = null) {
    this.setChaos(chaos);
  }

  /** Queues behaviours for the next calls of `operation` (one each, in order). */
  queue(operation: StandInOperation, ...behaviours: StandInBehaviour[]): void {
    const q = this.#queues.get(operation) ?? [];
    q.push(...behaviours);
    this.#queues.set(operation, q);
  }

  /** Sets (or clears, with `null`) the random trouble for refund creation; restarts its sequence. */
  setChaos(chaos: StandInChaos | null): void {
    this.#chaos = chaos;
    this.#random = seededRandom(chaos?.seed ?? 1);
  }

  /** The behaviour of the call now arriving for `op`. */
  next(op: StandInOperation): StandInBehaviour {
    const queued = this.#queues.get(op)?.shift();
    if (queued !== undefined) return queued;
    const chaos = this.#chaos;
    if (op !== "refunds.create" || chaos === null) return { kind: "ok" };
    const r = this.#random();
    let edge = chaos.applyThenTimeout ?? 0;
    if (r < edge) return { kind: "apply-then-timeout" };
    edge += chaos.timeout ?? 0;
    if (r < edge) return { kind: "timeout" };
    edge += chaos.serverError ?? 0;
    if (r < edge) {
      return { kind: "error", status: 500, type: "api_error", message: "Internal server error" };
    }
    edge += chaos.refundFails ?? 0;
    if (r < edge) return { kind: "status", status: "failed", failureReason: "declined" };
    return { kind: "ok" };
  }
}

/** Waits as a `delay` or `gate` behaviour says (nothing for the others). */
export async function waitAsTold(behaviour: StandInBehaviour): Promise<void> {
  if (behaviour.kind === "delay") await new Promise((r) => setTimeout(r, behaviour.ms));
  else if (behaviour.kind === "gate") await behaviour.gate.pass();
}

/** Requests held without an answer; each socket is destroyed after `maxHoldMs` at the latest. */
export class HeldRequests {
  readonly #held = new Set<Socket>();
  readonly #waiters: { n: number; resolve: () => void }[] = [];
  #total = 0;

  constructor(readonly maxHoldMs: number) {}

  /** Holds the request: no answer is sent. */
  hold(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    this.#held.add(socket);
    this.#total += 1;
    for (const w of this.#waiters.filter((x) => x.n <= this.#total)) {
      this.#waiters.splice(this.#waiters.indexOf(w), 1);
      w.resolve();
    }
    const timer = setTimeout(() => socket.destroy(), this.maxHoldMs);
    timer.unref();
    res.on("close", () => {
      clearTimeout(timer);
      this.#held.delete(socket);
    });
  }

  /** How many requests are held now. */
  get size(): number {
    return this.#held.size;
  }

  /** Resolves once `n` requests in all have been held (since the stand-in started). */
  whenHeld(n: number): Promise<void> {
    if (this.#total >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }

  /** Ends every held request (their clients see the connection close). */
  releaseAll(): void {
    for (const socket of this.#held) socket.destroy();
  }
}
