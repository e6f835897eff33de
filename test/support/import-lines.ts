// NDJSON payments imports as the import tests write and run them: a line is a card payment in USD
// of an order's one-off charge (chargeRef = the order's id), without a provider reference.

import { Readable } from "node:stream";
import type { AppDeps } from "../../src/app/context.js";
import { IMPORT_ACTOR, importRows, type ImportOutcome } from "../../src/app/imports/import-rows.js";
import type { Writer } from "../../src/app/orders/shared.js";

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

/** The writer of an import as the command makes it (`system:import`), at `now`. */
export function importWriter(now: number): Writer {
  return { actorRef: "system:import", ip: null, now, ctx: { actor: IMPORT_ACTOR, ip: null } };
}

/** Imports NDJSON payment lines through the use case, `batchSize` rows a batch. */
export function importPaymentLines(
  deps: AppDeps,
  now: number,
  lines: readonly string[],
  batchSize: number,
): Promise<ImportOutcome> {
  return importRows(deps, importWriter(now), {
    kind: "payments",
    format: "ndjson",
    open: () => Readable.from([lines.join("\n") + "\n"]),
    batchSize,
  });
}
