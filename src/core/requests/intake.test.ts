import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Actor } from "../access/access.js";
import { REASONS, type Reason } from "../policy/types.js";
import { checkIntake, createRequest, type ExistingRequest, type NewRequest } from "./intake.js";
import { REQUEST_STATUSES, type RequestStatus } from "./types.js";

const NOW = Date.UTC(2025, 2, 10, 9, 30);
const client: Actor = { role: "client", clientId: "c-1", userId: "u-c1" };

const existing = (
  id: string,
  status: RequestStatus,
  orderId = "ord-1",
  reason: Reason = "not_delivered",
): ExistingRequest => ({ id, orderId, reason, status });

const candidate = {
  orderId: "ord-1",
  reason: "not_delivered" as Reason,
  description: "Never started.",
};

const newRequest = (over: Partial<NewRequest> = {}): NewRequest => ({
  ...candidate,
  id: "req-9",
  clientId: "c-1",
  currency: "USD",
  recommendation: null,
  refundableTotal: { minor: 480000n, currency: "USD" },
  ...over,
});

describe("checkIntake", () => {
  it.each([
    ["no earlier request", [], candidate, null],
    [
      "an open request on the same order and reason",
      [existing("req-1", "in_review")],
      candidate,
      { code: "duplicate_open_request", openRequestId: "req-1" },
    ],
    [
      "a submitted one",
      [existing("req-1", "submitted")],
      candidate,
      { code: "duplicate_open_request", openRequestId: "req-1" },
    ],
    [
      "one waiting on the client",
      [existing("req-1", "info_requested")],
      candidate,
      { code: "duplicate_open_request", openRequestId: "req-1" },
    ],
    [
      "one with an alternative on offer",
      [existing("req-1", "alternative_offered")],
      candidate,
      { code: "duplicate_open_request", openRequestId: "req-1" },
    ],
    ["a denied one", [existing("req-1", "denied")], candidate, null],
    ["a withdrawn one", [existing("req-1", "withdrawn")], candidate, null],
    ["an approved one", [existing("req-1", "approved")], candidate, null],
    ["an accepted alternative", [existing("req-1", "alternative_accepted")], candidate, null],
    [
      "an open one for another reason",
      [existing("req-1", "in_review", "ord-1", "mismatch")],
      candidate,
      null,
    ],
    ["an open one on another order", [existing("req-1", "in_review", "ord-2")], candidate, null],
    [
      "closed then open: names the open one",
      [existing("req-1", "denied"), existing("req-2", "submitted")],
      candidate,
      { code: "duplicate_open_request", openRequestId: "req-2" },
    ],
    [
      "a blank description",
      [],
      { ...candidate, description: "  \n" },
      { code: "field_required", field: "description" },
    ],
    [
      "a blank order id",
      [],
      { ...candidate, orderId: "" },
      { code: "field_required", field: "orderId" },
    ],
    // White space as the engine's rule 1 reads it: Unicode's White_Space, not trim().
    [
      "a description of U+0085 and U+3000 only",
      [],
      { ...candidate, description: "\u0085\u3000" },
      { code: "field_required", field: "description" },
    ],
    ["a description of a byte order mark", [], { ...candidate, description: "\ufeff" }, null],
  ] as const)("%s", (_label, earlier, cand, error) => {
    expect(checkIntake(earlier, cand)).toEqual(
      error === null ? { ok: true, value: null } : { ok: false, error },
    );
  });

  it("property: refused as a duplicate exactly when an open request has the same order and reason", () => {
    const req = fc.record({
      id: fc.string({ minLength: 1 }),
      orderId: fc.constantFrom("ord-1", "ord-2"),
      reason: fc.constantFrom(...REASONS),
      status: fc.constantFrom(...REQUEST_STATUSES),
    });
    fc.assert(
      fc.property(
        fc.array(req, { maxLength: 8 }),
        fc.constantFrom(...REASONS),
        (earlier, reason) => {
          const r = checkIntake(earlier, { orderId: "ord-1", reason, description: "d" });
          const open = earlier.filter(
            (e) =>
              e.orderId === "ord-1" &&
              e.reason === reason &&
              !["approved", "denied", "withdrawn", "alternative_accepted"].includes(e.status),
          );
          if (open[0] === undefined) expect(r).toEqual({ ok: true, value: null });
          else
            expect(r).toEqual({
              ok: false,
              error: { code: "duplicate_open_request", openRequestId: open[0].id },
            });
        },
      ),
    );
  });
});

describe("createRequest", () => {
  it("opens a submitted request at version 1 and confirms receipt", () => {
    const r = createRequest(newRequest(), [], { actor: client, now: NOW });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.value.next).toEqual({
      id: "req-9",
      clientId: "c-1",
      orderId: "ord-1",
      reason: "not_delivered",
      status: "submitted",
      version: 1,
      currency: "USD",
      submittedAt: NOW,
      updatedAt: NOW,
      closedAt: null,
      recommendation: null,
      refundableTotal: { minor: 480000n, currency: "USD" },
      reviewerId: null,
      openQuestion: null,
      alternative: null,
      decision: null,
    });
    expect(r.value.effects).toEqual([
      {
        type: "audit",
        action: "request.submit",
        from: null,
        to: "submitted",
        summary: "submitted (not_delivered)",
      },
      { type: "notify_client", template: "request_received" },
    ]);
  });

  it.each([
    ["another client's order", { role: "client", clientId: "c-2", userId: "u-c2" }],
    ["a reviewer", { role: "qa", userId: "u-qa" }],
    ["finance", { role: "finance", userId: "u-fin" }],
    ["an API token", { role: "api_token", tokenId: "t", scopes: ["orders:write"] }],
    ["anonymous", { role: "anonymous" }],
  ] as const)("refuses %s", (_label, actor) => {
    expect(createRequest(newRequest(), [], { actor, now: NOW })).toEqual({
      ok: false,
      error: { code: "forbidden", action: "request.create" },
    });
  });

  it("refuses a duplicate, naming the open request", () => {
    expect(
      createRequest(newRequest(), [existing("req-1", "in_review")], { actor: client, now: NOW }),
    ).toEqual({
      ok: false,
      error: { code: "duplicate_open_request", openRequestId: "req-1" },
    });
  });
});

describe("a request made from an e-mail whose reason was not said (triage)", () => {
  const ARRIVED = NOW - 3_600_000;

  it("opens in triage, dated when the e-mail arrived, without a recommendation; acknowledged", () => {
    const r = createRequest(
      newRequest({ reason: null, submittedAt: ARRIVED }),
      [existing("req-1", "in_review")],
      { actor: client, now: NOW },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.next).toMatchObject({
      status: "triage",
      reason: null,
      version: 1,
      submittedAt: ARRIVED,
      updatedAt: NOW,
      recommendation: null,
    });
    expect(r.value.effects).toEqual([
      {
        type: "audit",
        action: "request.submit",
        from: null,
        to: "triage",
        summary: "submitted by e-mail; waits for a reviewer to classify its reason",
      },
      { type: "notify_client", template: "request_received" },
    ]);
  });

  it("duplicates nothing while its reason is unknown, and nothing duplicates it", () => {
    expect(checkIntake([existing("req-1", "in_review")], { ...candidate, reason: null })).toEqual({
      ok: true,
      value: null,
    });
    const inTriage: ExistingRequest = {
      id: "req-2",
      orderId: "ord-1",
      reason: null,
      status: "triage",
    };
    expect(checkIntake([inTriage], candidate)).toEqual({ ok: true, value: null });
  });
});
