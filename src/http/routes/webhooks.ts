// POST /webhooks/<provider> (e.g. /webhooks/stripe): the card provider's events about refunds, and
// the charges it captured for our orders (recorded as payments). Public (the provider has no
// session), so the signature is the authentication: verified over the raw body with the
// provider's SDK (the adapter's verifier, a port of app/payouts), stale timestamps refused. The
// event is then applied once by the use case app/payouts/apply-provider-event.ts.

import { AppError } from "../../app/errors.js";
import { applyProviderEvent } from "../../app/payouts/apply-provider-event.js";
import type { CardWebhookVerifier } from "../../app/payouts/ports.js";
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
            summary: `Refund, charge and dispute events from the card provider (${options.provider}), signed`,
            description:
              `The card provider's events, verified with its signature header (\`${options.signatureHeader}\`) over the raw body; stale timestamps are refused (400). ` +
              "Refund outcomes update their payout; a captured charge for one of our orders is recorded as a payment; a dispute (`charge.dispute.created`, `.updated`, `.closed`, `.funds_withdrawn`) is recorded against the payment and holds or releases its card payouts. Each event id is applied once: a repeat answers `duplicate: true`.",
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
          return applyProviderEvent(deps, {
            provider: options.provider,
            event: verified,
            ip: request.ip,
          });
        },
      );
    });
  };
}
