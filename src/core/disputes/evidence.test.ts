import { describe, expect, it } from "vitest";
import { evidenceDraft, type EvidenceFacts } from "./evidence.js";

const usd = (minor: bigint) => ({ minor, currency: "USD" });

const FACTS: EvidenceFacts = {
  dispute: { reason: "product_not_received", amount: usd(480_000n), chargeRef: "ch_1" },
  order: {
    id: "ACME-1001",
    serviceName: "External penetration test",
    serviceCategory: "audit",
    billing: "one_off",
    price: usd(480_000n),
    placedAt: "2026-02-02T10:00:00.000Z",
    promisedStartBy: "2026-02-09T10:00:00.000Z",
    promisedDeliveryBy: "2026-02-23T10:00:00.000Z",
    startedAt: null,
    deliveredAt: null,
  },
  payment: { capturedAt: "2026-02-02T10:05:00.000Z", amount: usd(480_000n) },
  serviceEvents: [
    {
      kind: "client_blocker",
      from: "2026-02-05T00:00:00.000Z",
      to: "2026-02-27T00:00:00.000Z",
      note: "VPN access not provided",
    },
    { kind: "internal_fault", from: "2026-02-01T00:00:00.000Z", to: null, note: null },
  ],
  requests: [
    {
      reference: "REQ-0000abcd",
      reason: "not_delivered",
      description: "Never happened.",
      status: "denied",
      submittedAt: "2026-03-01T09:00:00.000Z",
      decision: {
        kind: "deny",
        at: "2026-03-02T09:00:00.000Z",
        justification: "The client withheld VPN access.",
        amount: null,
        clauses: [{ id: "excluded.client-side", text: "Client-side issues: ..." }],
      },
      messages: [{ at: "2026-03-01T10:00:00.000Z", from: "client", body: "Please refund." }],
      attachments: [
        {
          name: "scope.pdf",
          contentType: "application/pdf",
          sizeBytes: 1200,
          at: "2026-03-01T09:00:00.000Z",
        },
      ],
    },
  ],
  refunds: [],
  duplicateOf: null,
  policy: {
    version: "2026-01",
    effectiveFrom: "1970-01-01T00:00:00.000Z",
    clauses: [{ id: "excluded.client-side", text: "Client-side issues: ..." }],
  },
};

describe("evidenceDraft", () => {
  it("a not-delivered request denied for a client-side blocker: the blocker and the clause", () => {
    const d = evidenceDraft(FACTS);
    const refusal = d.text.refund_refusal_explanation ?? "";
    expect(refusal).toContain("excluded.client-side");
    expect(refusal).toContain("Client-side issues");
    expect(refusal).toContain("VPN access not provided");
    expect(refusal).toContain("The client withheld VPN access.");
    expect(refusal).toContain("not delivered");
    // Only client-side events count as blockers.
    expect(refusal).not.toContain("Our own fault");
    expect(d.text.service_date).toBeNull();
    expect(d.text.duplicate_charge_explanation).toBeNull();
    expect(d.text.refund_policy_disclosure).toContain("2026-01");
    expect(d.documents.service_documentation.sections.flatMap((s) => s.lines).join("\n")).toContain(
      "scope.pdf",
    );
    expect(d.documents.customer_communication.sections[0]?.lines).toContain(
      "2026-03-01T10:00:00.000Z Client: Please refund.",
    );
    expect(d.documents.refund_policy.title).toBe("Refund policy, version 2026-01");
  });

  it("is the same for the same facts", () => {
    expect(evidenceDraft(FACTS)).toEqual(evidenceDraft(structuredClone(FACTS)));
  });

  it("service_date is the delivery (else the start) day", () => {
    expect(
      evidenceDraft({ ...FACTS, order: { ...FACTS.order, startedAt: "2026-02-10T08:00:00.000Z" } })
        .text.service_date,
    ).toBe("2026-02-10");
    expect(
      evidenceDraft({
        ...FACTS,
        order: {
          ...FACTS.order,
          startedAt: "2026-02-10T08:00:00.000Z",
          deliveredAt: "2026-02-20T08:00:00.000Z",
        },
      }).text.service_date,
    ).toBe("2026-02-20");
  });

  it("a duplicate already refunded says so in duplicate_charge_explanation", () => {
    const d = evidenceDraft({
      ...FACTS,
      dispute: { ...FACTS.dispute, reason: "duplicate" },
      duplicateOf: { paymentId: "PAY-1", chargeRef: "ch_0" },
      refunds: [{ at: "2026-02-04T00:00:00.000Z", amount: usd(480_000n) }],
      requests: [],
    });
    expect(d.text.duplicate_charge_explanation).toContain("repeated payment PAY-1");
    expect(d.text.duplicate_charge_explanation).toContain("already refunded: 4800.00 USD");
    expect(d.text.refund_refusal_explanation).toBeNull();
  });
});
