import { describe, expect, it } from "vitest";
import type { Actor } from "../access/access.js";
import { payoutActions, type PayoutActionFacts } from "./actions.js";

const fran: Actor = { role: "finance", userId: "usr_fran" };
const finn: Actor = { role: "finance", userId: "usr_finn" };
const quinn: Actor = { role: "qa", userId: "usr_quinn" };
const ada: Actor = { role: "admin", userId: "usr_ada" };
const owner: Actor = { role: "client", clientId: "cli_a", userId: "usr_carla" };
const other: Actor = { role: "client", clientId: "cli_b", userId: "usr_bob" };

function facts(over: Partial<PayoutActionFacts> = {}): PayoutActionFacts {
  return {
    status: "scheduled",
    method: "card",
    parked: false,
    failureReason: null,
    awaiting: "approval",
    destinationNeeded: false,
    clientId: "cli_a",
    decidedBy: "usr_ada",
    approvedBy: [],
    approvalsNeeded: 2,
    ...over,
  };
}

const names = (actor: Actor, p: PayoutActionFacts) =>
  payoutActions(actor, p).map((a) => `${a.name}:${a.allowed ? "yes" : (a.reasonCode ?? "")}`);

describe("payoutActions", () => {
  it("first approval: finance may; the decider is told why not; QA and clients see nothing", () => {
    const p = facts();
    expect(payoutActions(fran, p)).toEqual([
      {
        name: "approve",
        permission: "payout.execute",
        allowed: true,
        reasonCode: null,
        reason: null,
      },
    ]);
    const own = payoutActions(ada, p);
    expect(own).toMatchObject([{ name: "approve", allowed: false, reasonCode: "own_decision" }]);
    expect(own[0]?.reason).toMatch(/you made the decision this payout carries out/);
    expect(payoutActions(quinn, p)).toEqual([]);
    expect(payoutActions(owner, p)).toEqual([]);
  });

  it("second approval: never by the first approver, who reads why", () => {
    const p = facts({ awaiting: "second_approval", approvedBy: ["usr_fran"] });
    const mine = payoutActions(fran, p);
    expect(mine).toMatchObject([
      {
        name: "approve",
        permission: "payout.approve_second",
        allowed: false,
        reasonCode: "gave_first_approval",
      },
    ]);
    expect(mine[0]?.reason).toBe(
      "you already approved this payout; a different finance person must give the second approval",
    );
    expect(names(finn, p)).toEqual(["approve:yes"]);
    // Released: no approval is offered any more.
    expect(
      names(finn, facts({ awaiting: "provider", approvedBy: ["usr_fran", "usr_finn"] })),
    ).toEqual([]);
  });

  it("a crypto payout: the owner gives the address; approvals may come before it", () => {
    const p = facts({ method: "crypto", awaiting: "destination", destinationNeeded: true });
    expect(names(owner, p)).toEqual(["set_destination:yes"]);
    expect(names(other, p)).toEqual([]);
    expect(names(fran, p)).toEqual(["approve:yes"]);
    const ready = facts({
      method: "crypto",
      awaiting: "record",
      destinationNeeded: true,
      approvedBy: ["usr_fran"],
      approvalsNeeded: 1,
    });
    expect(names(fran, ready)).toEqual(["record:yes"]);
    expect(names(owner, ready)).toEqual(["set_destination:yes"]);
  });

  it("a failed card payout: retry unless the card is unusable; reissue and paid elsewhere", () => {
    const failed = facts({
      status: "failed",
      awaiting: "action",
      failureReason: "insufficient_funds",
    });
    expect(names(fran, failed)).toEqual(["retry:yes", "reissue:yes", "record_outside:yes"]);
    expect(names(ada, failed)).toEqual([
      "retry:own_decision",
      "reissue:own_decision",
      "record_outside:own_decision",
    ]);
    const expired = facts({
      status: "failed",
      awaiting: "action",
      failureReason: "card_declined: expired_or_canceled_card",
    });
    const actions = payoutActions(fran, expired);
    expect(names(fran, expired)).toEqual([
      "retry:card_unusable",
      "reissue:yes",
      "record_outside:yes",
    ]);
    expect(actions[0]?.reason).toMatch(/reissue the payout by another method/);
    expect(names(quinn, expired)).toEqual([]);
  });

  it("a parked payout goes back to the worker; a settled one offers nothing", () => {
    expect(names(fran, facts({ status: "unknown", parked: true, awaiting: "action" }))).toEqual([
      "retry:yes",
    ]);
    expect(
      names(fran, facts({ status: "succeeded", awaiting: null, approvedBy: ["a", "b"] })),
    ).toEqual([]);
  });
});

describe("payoutActions with a card dispute (issue 20)", () => {
  it("a held payout lists retry as refused with the dispute's reason; a lost one also reissue and paid outside", () => {
    const held = payoutActions(
      fran,
      facts({ status: "scheduled", parked: true, heldByDispute: true }),
    );
    expect(held.find((a) => a.name === "retry")).toMatchObject({
      allowed: false,
      reasonCode: "charge_disputed",
    });
    const lost = payoutActions(fran, facts({ status: "failed", heldByDispute: true }));
    expect(lost.filter((a) => a.allowed)).toEqual([]);
    expect(lost.map((a) => a.reasonCode)).toEqual([
      "charge_disputed",
      "charge_disputed",
      "charge_disputed",
    ]);
  });
});
