// Lines of an NDJSON payments import, as the import tests write them: a card payment in USD of
// an order's one-off charge (chargeRef = the order's id), without a provider reference.

export function paymentLine(id: string, orderId: string, amount: string, at: string): string {
  return JSON.stringify({
    id,
    orderId,
    chargeRef: orderId,
    amount: { amount, currency: "USD" },
    method: "card",
    capturedAt: at,
    providerRef: null,
  });
}
