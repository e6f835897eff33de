import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Actor } from "../access/access.js";
import type { Money } from "../money/money.js";
import { ALTERNATIVES, type Outcome } from "../policy/types.js";
import {
  EVENT_ACTIONS,
  acceptedEvents,
  allowedEvents,
  availableEvents,
  canWithdraw,
  isOpen,
  nextStatus,
  reevaluate,
  assignReviewer,
  startsReviewImplicitly,
  transition,
  waitingOn,
} from "./transition.js";
import {
  REQUEST_EVENT_TYPES,
  REQUEST_STATUSES,
  type Recommendation,
  type RequestEvent,
  type RequestEventType,
  type RequestSnapshot,
  type RequestStatus,
} from "./types.js";

const USD = (minor: bigint): Money => ({ minor, currency: "USD" });
const NOW = Date.UTC(2025, 2, 10, 9, 30);

const qa: Actor = { role: "qa", userId: "u-qa" };
const admin: Actor = { role: "admin", userId: "u-admin" };
const finance: Actor = { role: "finance", userId: "u-fin" };
const client: Actor = { role: "client", clientId: "c-1", userId: "u-c1" };
const otherClient: Actor = { role: "client", clientId: "c-2", userId: "u-c2" };
const token: Actor = { role: "api_token", tokenId: "t", scopes: ["orders:write"] };

function rec(outcome: Outcome, amount: Money | null = USD(10000n)): Recommendation {
  return {
    outcome,
    amount,
    refunds: amount === null ? [] : [{ paymentId: "pay-1", method: "card", amount }],
    clauses: outcome === "refund" ? ["eligible.not-delivered"] : ["excluded.completed"],
    policyVersion: "2025-01",
  };
}

function snapshot(over: Partial<RequestSnapshot> = {}): RequestSnapshot {
  return {
    id: "req-1",
    clientId: "c-1",
    orderId: "ord-1",
    reason: "not_delivered",
    status: "in_review",
    version: 3,
    currency: "USD",
    submittedAt: NOW - 86_400_000,
    updatedAt: NOW - 3_600_000,
    closedAt: null,
    recommendation: rec("refund"),
    refundableTotal: USD(10000n),
    reviewerId: "u-qa",
    openQuestion: null,
    alternative: null,
    decision: null,
    ...over,
  };
}

const STAFF_EVENTS: ReadonlySet<RequestEventType> = new Set([
  "classify_reason",
  "start_review",
  "request_info",
  "resume_review",
  "approve",
  "deny",
  "offer_alternative",
  "fulfil_follow_up",
]);

/** A well-formed event of each type, at the version given, that follows the recommendation. */
function validEvent(type: RequestEventType, expectedVersion: number): RequestEvent {
  switch (type) {
    case "start_review":
    case "resume_review":
    case "accept_alternative":
    case "decline_alternative":
    case "withdraw":
      return { type, expectedVersion };
    case "classify_reason":
      return { type, expectedVersion, reason: "not_delivered" };
    case "request_info":
      return { type, expectedVersion, question: "Which invoice?" };
    case "answer":
      return { type, expectedVersion, message: "INV-7" };
    case "approve":
      return { type, expectedVersion, amount: USD(10000n) };
    case "deny":
      return { type, expectedVersion, justification: "the service was delivered" };
    case "offer_alternative":
      return { type, expectedVersion, kind: "re-delivery", note: "We redo the audit next week." };
    case "appeal":
    case "reopen":
      return { type, expectedVersion, message: "Please look again." };
    case "fulfil_follow_up":
      return { type, expectedVersion };
  }
}

const actorFor = (type: RequestEventType): Actor => (STAFF_EVENTS.has(type) ? qa : client);

// The machine as the issue states it, written out independently of TRANSITIONS.
const ALLOWED: readonly (readonly [RequestStatus, RequestEventType, RequestStatus])[] = [
  ["triage", "classify_reason", "submitted"],
  ["triage", "withdraw", "withdrawn"],
  ["submitted", "start_review", "in_review"],
  ["submitted", "withdraw", "withdrawn"],
  ["in_review", "request_info", "info_requested"],
  ["in_review", "approve", "approved"],
  ["in_review", "deny", "denied"],
  ["in_review", "offer_alternative", "alternative_offered"],
  ["in_review", "withdraw", "withdrawn"],
  ["info_requested", "answer", "in_review"],
  ["info_requested", "resume_review", "in_review"],
  ["info_requested", "withdraw", "withdrawn"],
  ["alternative_offered", "accept_alternative", "alternative_accepted"],
  ["alternative_offered", "decline_alternative", "in_review"],
  ["alternative_offered", "withdraw", "withdrawn"],
  ["denied", "appeal", "in_review"],
  ["alternative_accepted", "reopen", "in_review"],
  ["alternative_accepted", "fulfil_follow_up", "alternative_accepted"],
];
// A reviewer's event on a submitted request takes it into review first (one call, one version).
const IMPLICIT: readonly (readonly [RequestStatus, RequestEventType, RequestStatus])[] = [
  ["submitted", "request_info", "info_requested"],
  ["submitted", "approve", "approved"],
  ["submitted", "deny", "denied"],
  ["submitted", "offer_alternative", "alternative_offered"],
];
const allowedKey = new Set([...ALLOWED, ...IMPLICIT].map(([s, e]) => `${s}/${e}`));
const REFUSED = REQUEST_STATUSES.flatMap((s) =>
  REQUEST_EVENT_TYPES.filter((e) => !allowedKey.has(`${s}/${e}`)).map((e) => [s, e] as const),
);
const CLOSED_STATUSES: readonly RequestStatus[] = [
  "approved",
  "denied",
  "withdrawn",
  "alternative_accepted",
];

/** A snapshot consistent with its status (an alternative on offer, a question open...). */
function inState(status: RequestStatus, over: Partial<RequestSnapshot> = {}): RequestSnapshot {
  const extra: Partial<RequestSnapshot> =
    status === "alternative_offered"
      ? {
          alternative: {
            kind: "support-extension",
            note: "Three more months of support.",
            offeredBy: "u-qa",
            offeredAt: NOW - 1000,
            accepted: null,
            respondedAt: null,
          },
        }
      : status === "info_requested"
        ? { openQuestion: "Which invoice?" }
        : status === "submitted"
          ? { reviewerId: null }
          : status === "triage"
            ? { reviewerId: null, reason: null, recommendation: null }
            : status === "denied"
              ? {
                  decision: {
                    outcome: "denied",
                    amount: null,
                    justification: "The audit report was delivered.",
                    followsRecommendation: true,
                    decidedBy: "u-qa-2",
                    decidedAt: NOW - 5000,
                    clauses: ["excluded.completed"],
                  },
                }
              : status === "alternative_accepted"
                ? {
                    alternative: {
                      kind: "re-delivery",
                      note: "We redo the audit.",
                      offeredBy: "u-qa",
                      offeredAt: NOW - 9000,
                      accepted: true,
                      respondedAt: NOW - 5000,
                      followUp: { dueAt: NOW - 1000, ownerId: "u-qa", fulfilledAt: null },
                    },
                  }
                : {};
  return snapshot({
    status,
    closedAt: CLOSED_STATUSES.includes(status) ? NOW - 5000 : null,
    ...extra,
    ...over,
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

describe("the transition table", () => {
  it("matches the issue's machine exactly", () => {
    for (const s of REQUEST_STATUSES) {
      for (const e of REQUEST_EVENT_TYPES) {
        const want = ALLOWED.find(([from, ev]) => from === s && ev === e)?.[2] ?? null;
        expect(nextStatus(s, e), `${s} + ${e}`).toBe(want);
      }
    }
  });

  it.each(REQUEST_STATUSES)("allowedEvents(%s) lists its outgoing events", (s) => {
    const want = ALLOWED.filter(([from]) => from === s).map(([, e]) => e);
    expect([...allowedEvents(s)].sort()).toEqual([...want].sort());
  });

  it.each([
    ["triage", true, true, "staff"],
    ["submitted", true, true, "staff"],
    ["in_review", true, true, "staff"],
    ["info_requested", true, true, "client"],
    ["alternative_offered", true, true, "client"],
    ["approved", false, false, null],
    ["denied", false, false, null],
    ["alternative_accepted", false, false, null],
    ["withdrawn", false, false, null],
  ] as const)("%s: open=%s canWithdraw=%s waitingOn=%s", (s, open, withdraw, waiting) => {
    expect(isOpen(s)).toBe(open);
    expect(canWithdraw(s)).toBe(withdraw);
    expect(waitingOn(s)).toBe(waiting);
    // A closed status has no way out but an appeal (denied) or the follow-up of an accepted
    // alternative (fulfilled, or reopened when overdue).
    if (!open) {
      expect(
        allowedEvents(s).every((e) => ["appeal", "reopen", "fulfil_follow_up"].includes(e)),
      ).toBe(true);
    } else {
      expect(allowedEvents(s).length).toBeGreaterThan(0);
    }
  });

  it("maps staff events to staff actions and client events to client actions", () => {
    expect(EVENT_ACTIONS).toEqual({
      classify_reason: "request.classify",
      start_review: "request.start_review",
      resume_review: "request.start_review",
      request_info: "request.request_info",
      approve: "request.decide",
      deny: "request.decide",
      offer_alternative: "request.decide",
      answer: "request.answer",
      accept_alternative: "request.accept_alternative",
      decline_alternative: "request.decline_alternative",
      withdraw: "request.withdraw",
      appeal: "request.appeal",
      reopen: "request.reopen",
      fulfil_follow_up: "request.fulfil_follow_up",
    });
  });
});

describe("every allowed transition", () => {
  it.each(ALLOWED)("%s + %s -> %s", (from, event, to) => {
    const before = deepFreeze(inState(from));
    const r = transition(before, validEvent(event, before.version), {
      actor: actorFor(event),
      now: NOW,
    });
    if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.error)}`);
    const { next, effects } = r.value;
    expect(next.status).toBe(to);
    expect(next.version).toBe(before.version + 1);
    expect(next.updatedAt).toBe(NOW);
    expect(next.closedAt).toBe(isOpen(to) ? null : from === to ? before.closedAt : NOW);
    expect(next.id).toBe(before.id);
    expect(next.clientId).toBe(before.clientId);
    expect(next.recommendation).toBe(before.recommendation);
    expect(effects[0]).toEqual({
      type: "audit",
      action: `request.${event}`,
      from,
      to,
      summary: expect.any(String),
    });
  });
});

describe("effects and recorded fields per event", () => {
  const run = (status: RequestStatus, event: RequestEvent, actor: Actor = actorFor(event.type)) => {
    const r = transition(inState(status), event, { actor, now: NOW });
    if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.error)}`);
    return r.value;
  };
  const kinds = (effects: readonly { type: string }[]) => effects.map((e) => e.type);

  it("start_review records the reviewer", () => {
    const { next, effects } = run("submitted", { type: "start_review", expectedVersion: 3 });
    expect(next.reviewerId).toBe("u-qa");
    expect(kinds(effects)).toEqual(["audit"]);
  });

  it("request_info stores the question, records it as a message and tells the client", () => {
    const { next, effects } = run("in_review", {
      type: "request_info",
      expectedVersion: 3,
      question: "  Which invoice?  ",
    });
    expect(next.openQuestion).toBe("Which invoice?");
    expect(effects.slice(1)).toEqual([
      { type: "record_message", author: "staff", kind: "question", body: "Which invoice?" },
      { type: "notify_client", template: "question_asked" },
    ]);
  });

  it("answer clears the question, records the answer and tells staff", () => {
    const { next, effects } = run("info_requested", { type: "answer", message: "INV-7" });
    expect(next.openQuestion).toBeNull();
    expect(effects.slice(1)).toEqual([
      { type: "record_message", author: "client", kind: "answer", body: "INV-7" },
      { type: "notify_staff", template: "client_answered" },
    ]);
  });

  it("resume_review clears the question without a message", () => {
    const { next, effects } = run("info_requested", { type: "resume_review", expectedVersion: 3 });
    expect(next.openQuestion).toBeNull();
    expect(kinds(effects)).toEqual(["audit"]);
  });

  it("approve records the decision, tells the client and asks for payouts", () => {
    const { next, effects } = run("in_review", {
      type: "approve",
      expectedVersion: 3,
      amount: USD(10000n),
    });
    expect(next.decision).toEqual({
      outcome: "approved",
      amount: USD(10000n),
      justification: null,
      followsRecommendation: true,
      decidedBy: "u-qa",
      decidedAt: NOW,
      clauses: ["eligible.not-delivered"],
    });
    expect(effects.slice(1)).toEqual([
      { type: "notify_client", template: "decision" },
      {
        type: "create_payouts",
        amount: USD(10000n),
        lines: [{ paymentId: "pay-1", method: "card", amount: USD(10000n) }],
      },
    ]);
  });

  it("deny records the decision and tells the client, and creates no payout", () => {
    const { next, effects } = run(
      "in_review",
      { type: "deny", expectedVersion: 3, justification: "delivered on 3 March" },
      admin,
    );
    expect(next.decision).toEqual({
      outcome: "denied",
      amount: null,
      justification: "delivered on 3 March",
      followsRecommendation: false,
      decidedBy: "u-admin",
      decidedAt: NOW,
      // No clauses given: those of the recommendation.
      clauses: ["eligible.not-delivered"],
    });
    expect(kinds(effects)).toEqual(["audit", "notify_client"]);
  });

  it.each(ALTERNATIVES)("offer_alternative %s stores the offer and tells the client", (kind) => {
    const { next, effects } = run("in_review", {
      type: "offer_alternative",
      expectedVersion: 3,
      kind,
      note: " Offer ",
    });
    expect(next.alternative).toEqual({
      kind,
      note: "Offer",
      offeredBy: "u-qa",
      offeredAt: NOW,
      accepted: null,
      respondedAt: null,
    });
    expect(next.decision).toBeNull();
    expect(effects[1]).toEqual({ type: "notify_client", template: "alternative_offered" });
  });

  it.each([
    ["accept_alternative", true, "alternative_accepted"],
    ["decline_alternative", false, "alternative_declined"],
  ] as const)("%s records the client's answer and tells staff", (type, accepted, template) => {
    const { next, effects } = run("alternative_offered", { type });
    expect(next.alternative).toMatchObject({
      kind: "support-extension",
      accepted,
      respondedAt: NOW,
    });
    expect(effects[1]).toEqual({ type: "notify_staff", template });
  });

  it("a declined offer can be followed by a new one", () => {
    const declined = run("alternative_offered", { type: "decline_alternative" }).next;
    const r = transition(
      declined,
      {
        type: "offer_alternative",
        expectedVersion: declined.version,
        kind: "additional-consulting",
        note: "Two days",
      },
      { actor: qa, now: NOW + 1 },
    );
    expect(r.ok && r.value.next.alternative).toMatchObject({
      kind: "additional-consulting",
      accepted: null,
    });
  });

  it.each(["submitted", "in_review", "info_requested", "alternative_offered"] as const)(
    "withdraw from %s closes the request and tells staff",
    (from) => {
      const { next, effects } = run(from, { type: "withdraw" });
      expect(next.status).toBe("withdrawn");
      expect(next.closedAt).toBe(NOW);
      expect(next.openQuestion).toBeNull();
      expect(effects[1]).toEqual({ type: "notify_staff", template: "request_withdrawn" });
    },
  );
});

describe("refused transitions", () => {
  it.each(REFUSED)("%s + %s -> invalid_transition, snapshot unchanged", (state, event) => {
    const before = deepFreeze(inState(state));
    const copy = structuredClone(before);
    const r = transition(before, validEvent(event, before.version), {
      actor: actorFor(event),
      now: NOW,
    });
    expect(r).toEqual({ ok: false, error: { code: "invalid_transition", state, event } });
    expect(before).toEqual(copy);
  });

  it("property: any (state, event) pair outside the table is refused, whatever the snapshot", () => {
    const pair = fc.constantFrom(...REFUSED);
    const recommendation = fc.option(
      fc.record({
        outcome: fc.constantFrom<Outcome>("refund", "review", "deny", "incomplete"),
        minor: fc.bigInt({ min: 1n, max: 10n ** 12n }),
      }),
      { nil: null },
    );
    fc.assert(
      fc.property(
        pair,
        fc.integer({ min: 1, max: 1_000_000 }),
        recommendation,
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        ([state, event], version, r, refundable) => {
          const before = deepFreeze(
            inState(state, {
              version,
              recommendation: r === null ? null : rec(r.outcome, USD(r.minor)),
              refundableTotal: USD(refundable),
            }),
          );
          const copy = structuredClone(before);
          const out = transition(before, validEvent(event, version), {
            actor: actorFor(event),
            now: NOW,
          });
          expect(out).toEqual({ ok: false, error: { code: "invalid_transition", state, event } });
          expect(before).toEqual(copy);
        },
      ),
    );
  });
});

describe("optimistic concurrency", () => {
  it.each(REQUEST_EVENT_TYPES)("%s with a stale version -> version_conflict", (event) => {
    const before = inState(ALLOWED.find(([, e]) => e === event)?.[0] ?? "in_review");
    const r = transition(before, validEvent(event, before.version - 1), {
      actor: actorFor(event),
      now: NOW,
    });
    expect(r).toEqual({ ok: false, error: { code: "version_conflict", currentVersion: 3 } });
  });

  it("a client event without a version is accepted at any version", () => {
    const r = transition(
      inState("info_requested", { version: 41 }),
      { type: "answer", message: "x" },
      {
        actor: client,
        now: NOW,
      },
    );
    expect(r.ok && r.value.next.version).toBe(42);
  });

  it("of two decisions made on the same version, only the first applies", () => {
    const before = inState("in_review");
    const approve = validEvent("approve", before.version);
    const deny = validEvent("deny", before.version);
    const first = transition(before, approve, { actor: qa, now: NOW });
    if (!first.ok) throw new Error("first refused");
    const second = transition(first.value.next, deny, { actor: admin, now: NOW + 1 });
    expect(second).toEqual({ ok: false, error: { code: "version_conflict", currentVersion: 4 } });
  });

  it("property: versions strictly increase by one on every accepted event; refusals change nothing", () => {
    const step = fc.record({
      type: fc.constantFrom(...REQUEST_EVENT_TYPES),
      actor: fc.constantFrom(qa, admin, client, otherClient, finance, token),
      stale: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        let cur = deepFreeze(inState("submitted", { version: 1 }));
        let t = NOW;
        let closedAt: number | null = null;
        for (const s of steps) {
          const before = structuredClone(cur);
          const out = transition(cur, validEvent(s.type, s.stale ? cur.version - 1 : cur.version), {
            actor: s.actor,
            now: ++t,
          });
          expect(cur).toEqual(before);
          if (out.ok) {
            expect(out.value.next.version).toBe(cur.version + 1);
            // Out of a closed status only by an appeal or the follow-up of an alternative.
            if (!isOpen(cur.status)) {
              expect(["appeal", "reopen", "fulfil_follow_up"]).toContain(s.type);
            }
            const want = startsReviewImplicitly(cur.status, s.type)
              ? nextStatus("in_review", s.type)
              : nextStatus(cur.status, s.type);
            expect(out.value.next.status).toBe(want);
            if (isOpen(out.value.next.status)) closedAt = null;
            else if (isOpen(cur.status)) closedAt = t;
            cur = deepFreeze(out.value.next);
          } else if (!isOpen(cur.status) && !s.stale && out.error.code !== "forbidden") {
            expect([
              "invalid_transition",
              "already_appealed",
              "follow_up_not_overdue",
              "appeal_needs_other_reviewer",
            ]).toContain(out.error.code);
          }
        }
        expect(cur.closedAt).toBe(closedAt);
      }),
    );
  });
});

describe("access inside the transition (defence in depth)", () => {
  it.each([
    ["a client approving", client, "approve"],
    ["a client starting review", client, "start_review"],
    ["another client answering", otherClient, "answer"],
    ["another client withdrawing", otherClient, "withdraw"],
    ["finance deciding", finance, "deny"],
    ["an API token", token, "withdraw"],
    ["anonymous", { role: "anonymous" }, "answer"],
  ] as const)("%s -> forbidden", (_label, actor, event) => {
    const state = ALLOWED.find(([, e]) => e === event)?.[0] ?? "in_review";
    const r = transition(inState(state), validEvent(event, 3), { actor, now: NOW });
    expect(r).toEqual({ ok: false, error: { code: "forbidden", action: EVENT_ACTIONS[event] } });
  });

  it("availableEvents lists what the caller may do now", () => {
    expect(availableEvents(inState("in_review"), qa).sort()).toEqual(
      ["approve", "deny", "offer_alternative", "request_info"].sort(),
    );
    expect(availableEvents(inState("in_review"), client)).toEqual(["withdraw"]);
    expect(availableEvents(inState("alternative_offered"), client).sort()).toEqual(
      ["accept_alternative", "decline_alternative", "withdraw"].sort(),
    );
    expect(availableEvents(inState("alternative_offered"), otherClient)).toEqual([]);
    expect(availableEvents(inState("in_review"), finance)).toEqual([]);
    expect(availableEvents(inState("approved"), admin)).toEqual([]);
  });

  it("a submitted request offers staff the events that start its review implicitly", () => {
    expect(availableEvents(inState("submitted"), qa).sort()).toEqual(
      ["approve", "deny", "offer_alternative", "request_info", "start_review"].sort(),
    );
    expect(availableEvents(inState("submitted"), client)).toEqual(["withdraw"]);
    expect(availableEvents(inState("submitted"), finance)).toEqual([]);
    // And the machine accepts each of them there (the review starts first).
    for (const event of ["request_info", "approve", "deny", "offer_alternative"] as const) {
      expect(acceptedEvents("submitted")).toContain(event);
      expect(startsReviewImplicitly("submitted", event)).toBe(true);
    }
  });
});

describe("approve: amount and justification rules", () => {
  type Case = readonly [
    label: string,
    recommendation: Recommendation | null,
    amount: Money,
    justification: string | undefined,
    refundable: Money,
    want: string | { follows: boolean },
  ];
  const cases: readonly Case[] = [
    [
      "the recommended amount",
      rec("refund"),
      USD(10000n),
      undefined,
      USD(10000n),
      { follows: true },
    ],
    [
      "the recommended amount, with a note anyway",
      rec("refund"),
      USD(10000n),
      "ok",
      USD(10000n),
      { follows: true },
    ],
    [
      "less than recommended, no justification",
      rec("refund"),
      USD(8000n),
      undefined,
      USD(10000n),
      "justification_required",
    ],
    [
      "less than recommended, blank justification",
      rec("refund"),
      USD(8000n),
      " \n\t",
      USD(10000n),
      "justification_required",
    ],
    [
      "less than recommended, justified",
      rec("refund"),
      USD(8000n),
      "half delivered",
      USD(10000n),
      { follows: false },
    ],
    [
      "recommended deny, no justification",
      rec("deny", null),
      USD(10000n),
      undefined,
      USD(10000n),
      "justification_required",
    ],
    [
      "recommended deny, justified",
      rec("deny", null),
      USD(10000n),
      "outage was ours",
      USD(10000n),
      { follows: false },
    ],
    [
      "recommended review, no justification",
      rec("review"),
      USD(10000n),
      undefined,
      USD(10000n),
      "justification_required",
    ],
    [
      "recommended review, same amount, justified",
      rec("review"),
      USD(10000n),
      "checked",
      USD(10000n),
      { follows: false },
    ],
    [
      "recommended incomplete, no justification",
      rec("incomplete", null),
      USD(10000n),
      undefined,
      USD(10000n),
      "justification_required",
    ],
    [
      "no recommendation, no justification",
      null,
      USD(10000n),
      undefined,
      USD(10000n),
      "justification_required",
    ],
    ["zero", rec("refund"), USD(0n), "x", USD(10000n), "amount_not_positive"],
    ["negative", rec("refund"), USD(-1n), "x", USD(10000n), "amount_not_positive"],
    [
      "one cent over what is refundable",
      rec("refund"),
      USD(10001n),
      "x",
      USD(10000n),
      "amount_exceeds_refundable",
    ],
    [
      "exactly what is refundable",
      rec("refund"),
      USD(6000n),
      "partly refunded already",
      USD(6000n),
      { follows: false },
    ],
    [
      "the recommendation after a partial refund elsewhere",
      rec("refund"),
      USD(10000n),
      undefined,
      USD(6000n),
      "amount_exceeds_refundable",
    ],
    ["nothing left to refund", rec("refund"), USD(1n), "x", USD(0n), "amount_exceeds_refundable"],
    [
      "another currency",
      rec("refund"),
      { minor: 10000n, currency: "EUR" },
      undefined,
      USD(10000n),
      "currency_mismatch",
    ],
    [
      "another currency with the same digits as recommended",
      rec("refund", { minor: 10000n, currency: "EUR" }),
      { minor: 10000n, currency: "EUR" },
      undefined,
      USD(10000n),
      "currency_mismatch",
    ],
    [
      "same digits in a recommendation of another currency",
      rec("refund", { minor: 10000n, currency: "EUR" }),
      USD(10000n),
      undefined,
      USD(10000n),
      "justification_required",
    ],
  ];
  it.each(cases)("%s", (_label, recommendation, amount, justification, refundable, want) => {
    const before = inState("in_review", { recommendation, refundableTotal: refundable });
    const event: RequestEvent =
      justification === undefined
        ? { type: "approve", expectedVersion: 3, amount }
        : { type: "approve", expectedVersion: 3, amount, justification };
    const r = transition(before, event, { actor: qa, now: NOW });
    if (typeof want === "string") {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe(want);
      return;
    }
    if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.error)}`);
    const d = r.value.next.decision;
    expect(d?.followsRecommendation).toBe(want.follows);
    expect(d?.amount).toEqual(amount);
    expect(d?.justification).toBe(justification === undefined ? null : justification.trim());
    const payouts = r.value.effects.find((e) => e.type === "create_payouts");
    expect(payouts).toEqual({
      type: "create_payouts",
      amount,
      lines: want.follows ? recommendation?.refunds : null,
    });
  });

  it("names the limit and the currencies in the error", () => {
    const over = transition(
      inState("in_review", { refundableTotal: USD(500n) }),
      {
        type: "approve",
        expectedVersion: 3,
        amount: USD(501n),
        justification: "x",
      },
      { actor: qa, now: NOW },
    );
    expect(over).toEqual({
      ok: false,
      error: { code: "amount_exceeds_refundable", refundable: USD(500n) },
    });
    const eur = transition(
      inState("in_review"),
      {
        type: "approve",
        expectedVersion: 3,
        amount: { minor: 1n, currency: "EUR" },
      },
      { actor: qa, now: NOW },
    );
    expect(eur).toEqual({
      ok: false,
      error: { code: "currency_mismatch", expected: "USD", actual: "EUR" },
    });
  });

  it("refuses to compare with a refundable total in another currency (a shell bug)", () => {
    const bad = inState("in_review", { refundableTotal: { minor: 10000n, currency: "EUR" } });
    expect(() => transition(bad, validEvent("approve", 3), { actor: qa, now: NOW })).toThrow(
      RangeError,
    );
  });

  it("property: an accepted approval is positive, within the refundable total, and justified when it departs", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -5n, max: 20_000n }),
        fc.bigInt({ min: 0n, max: 20_000n }),
        fc.bigInt({ min: 1n, max: 20_000n }),
        fc.constantFrom<Outcome>("refund", "review", "deny", "incomplete"),
        fc.option(fc.string(), { nil: undefined }),
        (amount, refundable, recommended, outcome, justification) => {
          const before = inState("in_review", {
            recommendation: rec(outcome, USD(recommended)),
            refundableTotal: USD(refundable),
          });
          const event: RequestEvent =
            justification === undefined
              ? { type: "approve", expectedVersion: 3, amount: USD(amount) }
              : { type: "approve", expectedVersion: 3, amount: USD(amount), justification };
          const r = transition(before, event, { actor: qa, now: NOW });
          const follows = outcome === "refund" && amount === recommended;
          const justified = justification !== undefined && justification.trim() !== "";
          const valid = amount > 0n && amount <= refundable && (follows || justified);
          expect(r.ok).toBe(valid);
          if (r.ok) expect(r.value.next.decision?.followsRecommendation).toBe(follows);
        },
      ),
    );
  });
});

describe("deny: a written reason always, and followsRecommendation only for a deny", () => {
  const why = "client blocked start";
  it.each([
    ["recommended refund, no justification", rec("refund"), undefined, "justification_required"],
    ["recommended refund, blank justification", rec("refund"), "   ", "justification_required"],
    ["recommended refund, justified", rec("refund"), why, false],
    ["recommended deny, no justification", rec("deny", null), undefined, "justification"],
    ["recommended deny, justified", rec("deny", null), why, true],
    ["recommended review, no justification", rec("review"), undefined, "justification_required"],
    ["recommended review, justified", rec("review"), why, false],
    ["recommended incomplete, justified", rec("incomplete", null), why, false],
    ["no recommendation, justified", null, why, false],
  ] as const)("%s", (_label, recommendation, justification, want) => {
    const event: RequestEvent =
      justification === undefined
        ? { type: "deny", expectedVersion: 3, clauses: ["excluded.client-side"] }
        : { type: "deny", expectedVersion: 3, justification, clauses: ["excluded.client-side"] };
    const r = transition(inState("in_review", { recommendation }), event, { actor: qa, now: NOW });
    if (want === "justification") {
      expect(r).toEqual({ ok: false, error: { code: "field_required", field: "justification" } });
    } else if (typeof want === "string") {
      expect(r).toEqual({ ok: false, error: { code: want } });
    } else {
      expect(r.ok && r.value.next.decision?.followsRecommendation).toBe(want);
      expect(r.ok && r.value.next.decision?.clauses).toEqual(["excluded.client-side"]);
    }
  });

  it("needs a clause to rest on when none is given and the recommendation names none", () => {
    const r = transition(
      inState("in_review", { recommendation: null }),
      { type: "deny", expectedVersion: 3, justification: why },
      { actor: qa, now: NOW },
    );
    expect(r).toEqual({ ok: false, error: { code: "field_required", field: "clauses" } });
  });
});

describe("implicit start of review", () => {
  it.each(IMPLICIT)("%s + %s -> %s in one version step", (from, event, to) => {
    const before = deepFreeze(inState(from));
    const r = transition(before, validEvent(event, before.version), { actor: qa, now: NOW });
    if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.error)}`);
    expect(r.value.next.status).toBe(to);
    expect(r.value.next.version).toBe(before.version + 1);
    expect(r.value.next.reviewerId).toBe("u-qa");
    const audits = r.value.effects.filter((e) => e.type === "audit");
    expect(audits.map((a) => a.type === "audit" && a.action)).toEqual([
      "request.start_review",
      `request.${event}`,
    ]);
  });

  it("still checks the version the reviewer saw", () => {
    const r = transition(inState("submitted"), validEvent("request_info", 2), {
      actor: qa,
      now: NOW,
    });
    expect(r).toEqual({ ok: false, error: { code: "version_conflict", currentVersion: 3 } });
  });

  it("is not done for a client or finance", () => {
    const r = transition(inState("submitted"), validEvent("deny", 3), { actor: finance, now: NOW });
    expect(r).toEqual({ ok: false, error: { code: "forbidden", action: "request.start_review" } });
  });
});

describe("appeal of a denial", () => {
  const deadlines = { replyBy: null, followUpDueAt: null, appealWindowDays: 14 };
  it("reopens the review without a reviewer and records who had denied", () => {
    const r = transition(
      inState("denied"),
      { type: "appeal", message: "The report never arrived." },
      { actor: client, now: NOW, deadlines },
    );
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.value.next.status).toBe("in_review");
    expect(r.value.next.reviewerId).toBeNull();
    expect(r.value.next.decision).toBeNull();
    expect(r.value.next.appeal).toEqual({ appealedAt: NOW, deniedBy: "u-qa-2" });
    expect(r.value.effects.map((e) => e.type)).toEqual(["audit", "record_message", "notify_staff"]);
  });

  it("is refused after the window, a second time, and without a message", () => {
    const late = transition(
      inState("denied"),
      { type: "appeal", message: "late" },
      { actor: client, now: NOW - 5000 + 14 * 86_400_000 + 1, deadlines },
    );
    expect(late).toEqual({
      ok: false,
      error: { code: "appeal_window_closed", closedAt: NOW - 5000 + 14 * 86_400_000 },
    });
    const again = transition(
      inState("denied", { appeal: { appealedAt: NOW - 4000, deniedBy: "u-qa-2" } }),
      { type: "appeal", message: "again" },
      { actor: client, now: NOW, deadlines },
    );
    expect(again).toEqual({ ok: false, error: { code: "already_appealed" } });
    const blank = transition(
      inState("denied"),
      { type: "appeal", message: " " },
      { actor: client, now: NOW, deadlines },
    );
    expect(blank).toEqual({ ok: false, error: { code: "field_required", field: "message" } });
  });

  it("may not be decided by the reviewer who denied", () => {
    const appealed = inState("in_review", {
      reviewerId: null,
      appeal: { appealedAt: NOW - 100, deniedBy: "u-qa" },
    });
    const r = transition(appealed, validEvent("approve", 3), { actor: qa, now: NOW });
    expect(r).toEqual({ ok: false, error: { code: "appeal_needs_other_reviewer" } });
    const other = transition(appealed, validEvent("approve", 3), { actor: admin, now: NOW });
    expect(other.ok).toBe(true);
  });
});

describe("follow-up of an accepted alternative", () => {
  it("accepting sets the due date and the owner (who offered it)", () => {
    const r = transition(
      inState("alternative_offered"),
      { type: "accept_alternative" },
      {
        actor: client,
        now: NOW,
        deadlines: { replyBy: null, followUpDueAt: NOW + 10, appealWindowDays: 14 },
      },
    );
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.value.next.alternative?.followUp).toEqual({
      dueAt: NOW + 10,
      ownerId: "u-qa",
      fulfilledAt: null,
    });
  });

  it("may be reopened by the client only once overdue and not fulfilled", () => {
    const notDue = inState("alternative_accepted", {
      alternative: {
        kind: "re-delivery",
        note: "x",
        offeredBy: "u-qa",
        offeredAt: NOW - 9000,
        accepted: true,
        respondedAt: NOW - 5000,
        followUp: { dueAt: NOW + 1000, ownerId: "u-qa", fulfilledAt: null },
      },
    });
    const r = transition(
      notDue,
      { type: "reopen", message: "still nothing" },
      {
        actor: client,
        now: NOW,
      },
    );
    expect(r).toEqual({ ok: false, error: { code: "follow_up_not_overdue", dueAt: NOW + 1000 } });
    const fulfilled = transition(
      inState("alternative_accepted"),
      validEvent("fulfil_follow_up", 3),
      {
        actor: qa,
        now: NOW,
      },
    );
    if (!fulfilled.ok) throw new Error(JSON.stringify(fulfilled.error));
    expect(fulfilled.value.next.alternative?.followUp?.fulfilledAt).toBe(NOW);
    const late = transition(
      fulfilled.value.next,
      { type: "reopen", message: "x" },
      {
        actor: client,
        now: NOW + 1,
      },
    );
    expect(late).toEqual({
      ok: false,
      error: { code: "follow_up_not_overdue", dueAt: NOW - 1000 },
    });
  });
});

describe("required texts", () => {
  it.each([
    ["in_review", { type: "request_info", expectedVersion: 3, question: "  " }, "question", qa],
    [
      "in_review",
      { type: "offer_alternative", expectedVersion: 3, kind: "re-delivery", note: "" },
      "note",
      qa,
    ],
    ["info_requested", { type: "answer", message: "\n" }, "message", client],
    ["denied", { type: "appeal", message: " " }, "message", client],
    ["alternative_accepted", { type: "reopen", message: "" }, "message", client],
  ] as const)("%s + %o -> field_required %s", (state, event, field, actor) => {
    const r = transition(inState(state), event, { actor, now: NOW });
    expect(r).toEqual({ ok: false, error: { code: "field_required", field } });
  });
});

describe("reevaluate", () => {
  it("stores the new recommendation on an open request and bumps the version", () => {
    const fresh = rec("deny", null);
    const r = reevaluate(inState("info_requested"), fresh, NOW);
    if (!r.ok) throw new Error("refused");
    expect(r.value.next).toMatchObject({
      recommendation: fresh,
      version: 4,
      status: "info_requested",
      updatedAt: NOW,
    });
    expect(r.value.effects).toEqual([
      {
        type: "audit",
        action: "request.reevaluate",
        from: "info_requested",
        to: "info_requested",
        summary: expect.stringContaining("deny"),
      },
    ]);
  });

  it("makes a decision taken on the old recommendation conflict", () => {
    const before = inState("in_review");
    const r = reevaluate(before, rec("deny", null), NOW);
    if (!r.ok) throw new Error("refused");
    const stale = transition(r.value.next, validEvent("approve", before.version), {
      actor: qa,
      now: NOW,
    });
    expect(stale).toEqual({ ok: false, error: { code: "version_conflict", currentVersion: 4 } });
  });

  it.each(CLOSED_STATUSES)("keeps the recommendation of a %s request", (state) => {
    expect(reevaluate(inState(state), rec("deny", null), NOW)).toEqual({
      ok: false,
      error: { code: "request_closed", state },
    });
  });
});

describe("assignment", () => {
  it("claims, assigns and unassigns an open request, one version step each, audited", () => {
    const before = inState("in_review", { reviewerId: null });
    const claimed = assignReviewer(before, "u-qa", { actor: qa, now: NOW });
    if (!claimed.ok) throw new Error(JSON.stringify(claimed.error));
    expect(claimed.value.next).toMatchObject({ reviewerId: "u-qa", version: 4 });
    expect(claimed.value.effects).toEqual([
      {
        type: "audit",
        action: "request.assign",
        from: "in_review",
        to: "in_review",
        summary: "claimed",
      },
    ]);
    const off = assignReviewer(claimed.value.next, null, { actor: admin, now: NOW });
    expect(off.ok && off.value.next.reviewerId).toBeNull();
  });

  it("refuses closed requests, stale versions, non-reviewers and the denier of an appeal", () => {
    expect(assignReviewer(inState("approved"), "u-qa", { actor: qa, now: NOW })).toEqual({
      ok: false,
      error: { code: "request_closed", state: "approved" },
    });
    expect(
      assignReviewer(inState("in_review"), "u-qa", { actor: qa, now: NOW, expectedVersion: 1 }),
    ).toEqual({ ok: false, error: { code: "version_conflict", currentVersion: 3 } });
    expect(assignReviewer(inState("in_review"), "u-qa", { actor: finance, now: NOW })).toEqual({
      ok: false,
      error: { code: "forbidden", action: "request.assign" },
    });
    const appealed = inState("in_review", { appeal: { appealedAt: NOW, deniedBy: "u-qa" } });
    expect(assignReviewer(appealed, "u-qa", { actor: admin, now: NOW })).toEqual({
      ok: false,
      error: { code: "appeal_needs_other_reviewer" },
    });
  });
});

describe("triage: a request made from an e-mail whose reason was not said plainly", () => {
  const triage = () => deepFreeze(inState("triage", { version: 1 }));

  it("classify_reason sets the reason and submits it, without a recommendation yet", () => {
    const r = transition(
      triage(),
      { type: "classify_reason", expectedVersion: 1, reason: "mismatch" },
      { actor: qa, now: NOW },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.next).toMatchObject({
      status: "submitted",
      reason: "mismatch",
      version: 2,
      updatedAt: NOW,
      recommendation: null,
      closedAt: null,
    });
    // Audited; the client heard already (request_received at intake): nothing more is sent.
    expect(r.value.effects).toEqual([
      {
        type: "audit",
        action: "request.classify_reason",
        from: "triage",
        to: "submitted",
        summary: "reason classified: mismatch; submitted to the engine",
      },
    ]);
  });

  it("only reviewers classify: a client (even its own) and finance are forbidden", () => {
    for (const actor of [client, finance]) {
      const r = transition(
        triage(),
        { type: "classify_reason", expectedVersion: 1, reason: "other" },
        { actor, now: NOW },
      );
      expect(r).toEqual({
        ok: false,
        error: { code: "forbidden", action: "request.classify" },
      });
    }
  });

  it.each([
    "start_review",
    "request_info",
    "approve",
    "deny",
    "offer_alternative",
    "resume_review",
  ] as const)(
    "%s on a request in triage is refused (nothing is decided before its reason)",
    (event) => {
      const r = transition(triage(), validEvent(event, 1), { actor: admin, now: NOW });
      expect(r).toEqual({
        ok: false,
        error: { code: "invalid_transition", state: "triage", event },
      });
    },
  );

  it("the client may withdraw it (it stays without a reason)", () => {
    const r = transition(triage(), { type: "withdraw" }, { actor: client, now: NOW });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.next).toMatchObject({ status: "withdrawn", reason: null, closedAt: NOW });
  });

  it("staff's queue: it waits on QA, is open, and may be claimed", () => {
    expect(waitingOn("triage")).toBe("staff");
    expect(isOpen("triage")).toBe(true);
    expect(availableEvents(triage(), qa)).toEqual(["classify_reason"]);
    expect(availableEvents(triage(), client)).toEqual(["withdraw"]);
    const claimed = assignReviewer(triage(), "u-qa", { actor: qa, now: NOW });
    expect(claimed.ok).toBe(true);
  });

  it("is never re-evaluated: without a reason there is no case", () => {
    const r = reevaluate(triage(), rec("refund"), NOW);
    expect(r).toEqual({ ok: false, error: { code: "not_classified", state: "triage" } });
  });

  it("the first recommendation after classification reads 'evaluated', later ones 're-evaluated'", () => {
    const fresh = inState("submitted", { recommendation: null });
    const first = reevaluate(fresh, rec("refund"), NOW);
    expect(first.ok && first.value.effects[0]).toMatchObject({
      summary: expect.stringMatching(/^evaluated: /) as unknown,
    });
    const again = reevaluate(inState("submitted"), rec("deny"), NOW);
    expect(again.ok && again.value.effects[0]).toMatchObject({
      summary: expect.stringMatching(/^re-evaluated: /) as unknown,
    });
  });
});
