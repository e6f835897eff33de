import { describe, expect, it } from "vitest";
import type { Money } from "../money/money.js";
import type { RefundLine } from "../policy/types.js";
import {
  AUTO_APPROVAL_JUSTIFICATION,
  autoApproval,
  duplicateCaseDescription,
  extraPaymentIds,
  planDuplicateCases,
  type DuplicateCandidate,
  type RequestOnOrder,
} from "./duplicate-cases.js";

const usd = (minor: bigint): Money => ({ minor, currency: "USD" });
const T = Date.parse("2026-02-02T10:05:00Z");
const MIN = 60_000;
const price = usd(480000n);

const p = (
  id: string,
  minor: bigint,
  minutes: number,
  o: Partial<DuplicateCandidate> = {},
): DuplicateCandidate => ({
  id,
  chargeRef: "ORD-1",
  amount: usd(minor),
  capturedAt: T + minutes * MIN,
  method: "card",
  ...o,
});

const plan = (
  payments: DuplicateCandidate[],
  o: { covered?: string[]; requests?: RequestOnOrder[]; due?: Money } = {},
) =>
  planDuplicateCases({
    due: o.due ?? price,
    payments,
    covered: new Set(o.covered ?? []),
    requests: o.requests ?? [],
  });

describe("planDuplicateCases", () => {
  it("one payment in full: nothing to open", () => {
    expect(plan([p("A", 480000n, 0)])).toEqual({ kind: "none", extras: [], alreadyCovered: [] });
  });

  it("installments are not duplicates: two halves, or a partial payment then the rest", () => {
    expect(plan([p("A", 240000n, 0), p("B", 240000n, 5)]).kind).toBe("none");
    expect(plan([p("A", 100000n, 0), p("B", 380000n, 5)]).kind).toBe("none");
    // Three thirds that overshoot a little are still installments: the third was needed.
    expect(plan([p("A", 160000n, 0), p("B", 160000n, 1), p("C", 170000n, 2)]).kind).toBe("none");
  });

  it("a second full payment opens one case for it, described by id, amount, method and time", () => {
    const r = plan([p("A", 480000n, 0), p("B", 480000n, 2)]);
    expect(r).toMatchObject({ kind: "open", extras: ["B"], alreadyCovered: [], paymentIds: ["B"] });
    if (r.kind !== "open") throw new Error("expected open");
    expect(r.description).toBe(
      "Opened automatically: payment B (4800.00 USD by card, captured 2026-02-02 10:07 UTC) was " +
        "taken after charge ORD-1 had already been paid in full (duplicate payment, refunded in " +
        "full under the refund policy).",
    );
  });

  it("a payment beyond the installments that covered the price is extra", () => {
    const r = plan([p("A", 240000n, 0), p("B", 240000n, 1), p("C", 240000n, 2)]);
    expect(r).toMatchObject({ kind: "open", paymentIds: ["C"] });
  });

  it("the extra is the later capture, whatever order the payments are listed in", () => {
    expect(plan([p("LATE", 480000n, 9), p("EARLY", 480000n, 1)])).toMatchObject({
      kind: "open",
      paymentIds: ["LATE"],
    });
  });

  it("several extras open one case naming all of them, in order of capture", () => {
    const r = plan([
      p("A", 480000n, 0),
      p("C", 480000n, 4, { method: "bank_transfer" }),
      p("B", 480000n, 2),
    ]);
    expect(r).toMatchObject({ kind: "open", extras: ["B", "C"], paymentIds: ["B", "C"] });
    if (r.kind !== "open") throw new Error("expected open");
    expect(r.description).toContain("payments B (4800.00 USD by card");
    expect(r.description).toContain("; C (4800.00 USD by bank transfer");
    expect(r.description).toContain("were taken after charge ORD-1");
  });

  it("extras of different subscription periods are named with their charges", () => {
    const r = plan([
      p("A1", 480000n, 0, { chargeRef: "SUB/01" }),
      p("A2", 480000n, 1, { chargeRef: "SUB/01" }),
      p("B1", 480000n, 2, { chargeRef: "SUB/02" }),
      p("B2", 480000n, 3, { chargeRef: "SUB/02" }),
    ]);
    expect(r).toMatchObject({ kind: "open", paymentIds: ["A2", "B2"] });
    if (r.kind === "open") expect(r.description).toContain("charges SUB/01, SUB/02");
  });

  it("a payment in another currency covers the charge: a later one is extra", () => {
    const r = plan([
      p("BTC", 5000000n, 0, { amount: { minor: 5000000n, currency: "BTC" }, method: "crypto" }),
      p("CARD", 480000n, 3),
    ]);
    expect(r).toMatchObject({ kind: "open", paymentIds: ["CARD"] });
  });

  it("extras already tied to a case are already covered: nothing new", () => {
    const r = plan([p("A", 480000n, 0), p("B", 480000n, 2)], { covered: ["B"] });
    expect(r).toEqual({ kind: "none", extras: ["B"], alreadyCovered: ["B"] });
  });

  it("only the extras not yet covered go into a new case", () => {
    const r = plan([p("A", 480000n, 0), p("B", 480000n, 2), p("C", 480000n, 3)], {
      covered: ["B"],
      requests: [{ id: "req_1", reason: "duplicate_payment", status: "approved" }],
    });
    expect(r).toMatchObject({
      kind: "open",
      extras: ["B", "C"],
      alreadyCovered: ["B"],
      paymentIds: ["C"],
    });
  });

  it("an open duplicate-payment request (the client's own) covers new extras", () => {
    const r = plan([p("A", 480000n, 0), p("B", 480000n, 2)], {
      requests: [
        { id: "req_other", reason: "not_delivered", status: "submitted" },
        { id: "req_closed", reason: "duplicate_payment", status: "denied" },
        { id: "req_open", reason: "duplicate_payment", status: "info_requested" },
      ],
    });
    expect(r).toEqual({
      kind: "cover",
      extras: ["B"],
      alreadyCovered: [],
      requestId: "req_open",
      paymentIds: ["B"],
    });
  });

  it("closed or other-reason requests do not cover anything", () => {
    const r = plan([p("A", 480000n, 0), p("B", 480000n, 2)], {
      requests: [
        { id: "req_1", reason: "duplicate_payment", status: "withdrawn" },
        { id: "req_2", reason: "other", status: "in_review" },
      ],
    });
    expect(r.kind).toBe("open");
  });

  it("extraPaymentIds agrees with the order of capture across charges", () => {
    expect(
      extraPaymentIds(
        [
          p("X2", 480000n, 9, { chargeRef: "X" }),
          p("Y1", 480000n, 1, { chargeRef: "Y" }),
          p("X1", 480000n, 0, { chargeRef: "X" }),
          p("Y2", 480000n, 3, { chargeRef: "Y" }),
        ],
        price,
      ),
    ).toEqual(["Y2", "X2"]);
  });

  it("duplicateCaseDescription names one payment in the singular", () => {
    expect(duplicateCaseDescription([p("B", 480000n, 2)])).toMatch(
      /^Opened automatically: payment B /,
    );
  });
});

describe("autoApproval", () => {
  const line = (paymentId: string, minor: bigint): RefundLine => ({
    paymentId,
    method: "card",
    amount: usd(minor),
  });
  const refund = (lines: RefundLine[]) => ({
    outcome: "refund" as const,
    amount: usd(lines.reduce((s, l) => s + l.amount.minor, 0n)),
    refunds: lines,
  });
  const base = {
    autoApprove: ["duplicate_payment"] as const,
    recommendation: refund([line("B", 480000n)]),
    casePaymentIds: ["B"],
    refundable: new Map([["B", 480000n]]),
  };

  it("approves the engine's refund of the case's own extras", () => {
    expect(autoApproval(base)).toEqual({
      approve: true,
      amount: usd(480000n),
      lines: [line("B", 480000n)],
      justification: AUTO_APPROVAL_JUSTIFICATION,
    });
  });

  it("waits for a person when autoApprove does not list duplicate_payment", () => {
    expect(autoApproval({ ...base, autoApprove: [] })).toEqual({
      approve: false,
      why: "the policy's autoApprove does not list duplicate_payment",
    });
    expect(autoApproval({ ...base, autoApprove: ["not_delivered"] }).approve).toBe(false);
  });

  it("waits when the engine does not recommend a refund, or could not evaluate", () => {
    expect(
      autoApproval({
        ...base,
        recommendation: { outcome: "review", amount: null, refunds: [] },
      }),
    ).toEqual({ approve: false, why: "the engine recommends review" });
    expect(autoApproval({ ...base, recommendation: null }).approve).toBe(false);
  });

  it("waits when a line refunds an extra that another request covers", () => {
    const r = autoApproval({
      ...base,
      recommendation: refund([line("A2", 480000n), line("B", 480000n)]),
      refundable: new Map([
        ["A2", 480000n],
        ["B", 480000n],
      ]),
    });
    expect(r).toEqual({
      approve: false,
      why: "payment A2 is refunded under another request; a person decides",
    });
  });

  it("waits when the payment can no longer give the line back (refunded or in flight)", () => {
    const r = autoApproval({ ...base, refundable: new Map([["B", 100n]]) });
    expect(r.approve).toBe(false);
    expect(autoApproval({ ...base, refundable: new Map() }).approve).toBe(false);
  });
});
