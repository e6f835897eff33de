// The OpenAPI document of the whole API, built without a database or a listening socket: the
// server is assembled with every route group (and the card provider's webhook) and asked for
// its document. Used by scripts/openapi-dump.ts (build time) and the contract tests.

import type { AppDeps } from "../../app/context.js";
import { ROUTES } from "../routes/index.js";
import { cardWebhookRoutes } from "../routes/webhooks.js";
import { buildServer } from "../server.js";

/** The document as /openapi.json serves it. */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const deps = {
    db: null,
    dialect: "sqlite",
    policy: null,
    clock: () => 0,
    dataDir: "/nonexistent",
  } as unknown as AppDeps;
  const app = await buildServer(deps, {
    logger: false,
    routes: [
      ...ROUTES,
      cardWebhookRoutes({
        provider: "stripe",
        signatureHeader: "stripe-signature",
        verify: () => ({ ok: false, reason: "not used" }) as never,
      }),
    ],
  });
  await app.ready();
  try {
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
  }
}
