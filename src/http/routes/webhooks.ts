// POST /webhooks/<provider> (e.g. /webhooks/stripe): the card provider's events about refunds, and
// the charges it captured for our orders (recorded as payments). Public (the provider has no
// session), so the signature is the authentication: verified over the raw body with the
// provider's SDK, stale timestamps refused. Each event is applied once: its id is recorded in the
// same transaction as its effect on the payout, so a delivery repeated (or ten at once) changes
// nothing the second time.

import { DEFAULT_RUNNER, recordOutcomeIn } from "../../app/payouts/execute.js";
import { AppError } from "../../app/errors.js";
import { afterPaymentsRecorded } from "../../app/ledger/duplicate-cases.js";
import { recordPaymentIn } from "../../app/orders/record-payment.js";
import { writerOf } from "../../app/orders/shared.js";
import { formatMinor } from "../../core/money/money.js";
import { SYSTEM_USER_ID } from "../../db/migrations/0003-payouts.js";
import type { CardWebhookVerifier } from "../../payouts/provider.js";
import { toDbInstant } from "../../db/time.js";
import { ref } from "../openapi/components.js";
import type { RoutePlugin } from "../server.js";

export interface CardWebhookOptions {
  readonly provider: string;
  /** The header carrying the signature, lower case (Stripe: "stripe-signature"). */
  readonly signatureHeader: string;
  readonly verify: CardWebhookVerifier;
}

const MAX_BODY = 512 * 1024;

export function cardWebhookRoutes(options: CardWebhookOptions): RoutePlugin {
  return async (app, deps) => {
    await app.register(async (scope) => {
      // The signature covers the exact bytes sent: keep them, do not parse and re-serialize.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(
        "*",
        { parseAs: "buffer", bodyLimit: MAX_BODY },
        (_req, body, done) => done(null, body),
      );
      scope.post(
        `/webhooks/${options.provider}`,
        {
          config: {
            permission: "public",
            problems: {
              400: "The signature is missing, wrong or stale (`invalid_input`, naming the header).",
              413: "The body is larger than 512 KiB (`payload_too_large`).",
            },
          },
          schema: {
            tags: ["webhooks"],
            operationId: `receive${options.provider.charAt(0).toUpperCase()}${options.provider.slice(1)}Webhook`,
            summary: `Refund events from the card provider (${options.provider}), signed`,
            description:
              `The card provider's events, verified with its signature header (\`${options.signatureHeader}\`) over the raw body; stale timestamps are refused (400). ` +
              "Refund outcomes update their payout; a captured charge for one of our orders is recorded as a payment. Each event id is applied once: a repeat answers `duplicate: true`.",
            response: { 200: ref("ProviderWebhookReceipt") },
          },
        },
        async (request) => {
          const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          const header = request.headers[options.signatureHeader];
          const now = deps.clock();
          const verified = options.verify(
            raw,
            typeof header === "string" ? header : undefined,
            Math.floor(now / 1000),
          );
          if (!verified.ok) {
            throw new AppError("invalid_input", `webhook refused: ${verified.reason}`, [
              { path: `header.${options.signatureHeader}`, message: verified.reason },
            ]);
          }
          return deps.db.transaction().execute(async (trx) => {
            const update = verified.update;
            let payoutId: string | null = null;
            if (update !== null) {
              payoutId = update.payoutId;
              if (payoutId === null) {
                const byRef = await trx
                  .selectFrom("payouts")
                  .select("id")
                  .where("provider_ref", "=", update.providerRef)
                  .executeTakeFirst();
                payoutId = byRef?.id ?? null;
              }
              if (payoutId !== null) {
                const exists = await trx
                  .selectFrom("payouts")
                  .select("id")
                  .where("id", "=", payoutId)
                  .executeTakeFirst();
                if (exists === undefined) payoutId = null;
              }
            }
            const inserted = await trx
              .insertInto("provider_events")
              .values({
                id: verified.eventId,
                provider: options.provider,
                type: verified.type,
                payout_id: payoutId,
                received_at: toDbInstant(now),
              })
              .onConflict((oc) => oc.column("id").doNothing())
              .executeTakeFirst();
            if ((inserted.numInsertedOrUpdatedRows ?? 0n) === 0n) {
              return { received: true, duplicate: true, applied: false };
            }
            const payment = verified.payment ?? null;
            if (payment !== null) {
              // A captured charge for one of our orders: recorded like a payment pushed through
              // the API (a repeat of a known charge changes nothing), and its extras open their
              // own duplicate-payment case, in this same transaction.
              const w = writerOf(deps, {
                actor: { role: "admin", userId: SYSTEM_USER_ID },
                ip: request.ip,
              });
              const recorded = await recordPaymentIn(
                trx,
                { ...w, actorRef: `provider:${options.provider}` },
                {
                  orderId: payment.orderId,
                  chargeRef: payment.chargeRef,
                  amount: {
                    amount: formatMinor(payment.amountMinor, payment.currency),
                    currency: payment.currency,
                  },
                  method: "card",
                  capturedAt: new Date(payment.capturedAt).toISOString(),
                  providerRef: payment.providerRef,
                },
                "event.data.object",
              );
              if (recorded.created) {
                await afterPaymentsRecorded(deps, trx, recorded.row.order_id, w);
              }
              return { received: true, duplicate: false, applied: recorded.created };
            }
            if (update === null || payoutId === null) {
              return { received: true, duplicate: false, applied: false };
            }
            const applied = await recordOutcomeIn(
              trx,
              deps,
              DEFAULT_RUNNER,
              payoutId,
              update.outcome,
              {
                actor: `provider:${options.provider}`,
              },
            );
            return { received: true, duplicate: false, applied: applied !== null };
          });
        },
      );
    });
  };
}
