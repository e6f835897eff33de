// Which card provider the service runs with: Stripe when a key is configured; outside production
// without a key, the stand-in in-process (demo mode); in production without a key, none (card
// payouts cannot go out, and say so).

import { randomBytes } from "node:crypto";
import type { CardDisputeProvider } from "../../app/disputes/ports.js";
import type { CardProvider } from "../../app/payouts/ports.js";
import { createStripeCardProvider } from "./adapter.js";
import { createStripeDisputeProvider } from "./disputes.js";
import { startStripeStandIn, type StripeStandIn } from "./stand-in.js";

export type StripeConfig =
  | {
      readonly kind: "stripe";
      readonly apiKey: string;
      readonly host?: string;
      readonly port?: number;
      readonly protocol?: "http" | "https";
      readonly timeoutMs?: number;
      readonly webhookSecret: string | null;
    }
  | {
      readonly kind: "stand-in";
      readonly timeoutMs?: number;
      readonly webhookSecret: string | null;
    }
  | { readonly kind: "none"; readonly why: string };

/**
 * Reads STRIPE_SECRET_KEY, STRIPE_API_BASE, STRIPE_TIMEOUT_MS, STRIPE_WEBHOOK_SECRET and NODE_ENV.
 * Throws a RangeError naming the variable when a value is malformed.
 */
export function stripeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StripeConfig {
  const key = env["STRIPE_SECRET_KEY"]?.trim() ?? "";
  const base = env["STRIPE_API_BASE"]?.trim() ?? "";
  const webhookSecret = env["STRIPE_WEBHOOK_SECRET"]?.trim() || null;
  const timeoutText = env["STRIPE_TIMEOUT_MS"]?.trim() ?? "";
  let timeoutMs: number | undefined;
  if (timeoutText !== "") {
    timeoutMs = Number(timeoutText);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 120_000) {
      throw new RangeError(
        `STRIPE_TIMEOUT_MS must be a whole number of milliseconds (100..120000), got "${timeoutText}"`,
      );
    }
  }
  if (webhookSecret !== null && !webhookSecret.startsWith("whsec_")) {
    throw new RangeError("STRIPE_WEBHOOK_SECRET must be a webhook signing secret (whsec_...)");
  }
  const production = env["NODE_ENV"] === "production";
  if (key === "") {
    if (base !== "") throw new RangeError("STRIPE_API_BASE is set but STRIPE_SECRET_KEY is not");
    if (production) {
      return { kind: "none", why: "STRIPE_SECRET_KEY is not set (NODE_ENV=production)" };
    }
    return {
      kind: "stand-in",
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      webhookSecret,
    };
  }
  if (!/^(sk|rk)_(live|test)_[A-Za-z0-9_]+$/.test(key)) {
    throw new RangeError(
      "STRIPE_SECRET_KEY must be a Stripe secret or restricted key (sk_..., rk_...)",
    );
  }
  if (production && /^(sk|rk)_test_/.test(key) && env["STRIPE_ALLOW_TEST_KEY"] !== "1") {
    throw new RangeError(
      "STRIPE_SECRET_KEY is a test key under NODE_ENV=production (set STRIPE_ALLOW_TEST_KEY=1 for a staging run)",
    );
  }
  let address: { host?: string; port?: number; protocol?: "http" | "https" } = {};
  if (base !== "") {
    let url: URL;
    try {
      url = new URL(base);
    } catch {
      throw new RangeError(
        `STRIPE_API_BASE must be a URL such as http://127.0.0.1:12111, got "${base}"`,
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new RangeError("STRIPE_API_BASE must be an http or https URL");
    }
    if (url.pathname !== "/" || url.search !== "" || url.username !== "") {
      throw new RangeError("STRIPE_API_BASE is a scheme, host and port only (the SDK adds /v1/)");
    }
    const protocol = url.protocol === "http:" ? "http" : "https";
    address = {
      host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: url.port === "" ? (protocol === "http" ? 80 : 443) : Number(url.port),
      protocol,
    };
  }
  return {
    kind: "stripe",
    apiKey: key,
    ...address,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    webhookSecret,
  };
}

export interface OpenedCardProvider {
  /** null when no card provider is configured (production without a key). */
  readonly provider: CardProvider | null;
  /** The same provider's dispute API (issue 20): evidence files and submission. */
  readonly disputes: CardDisputeProvider | null;
  /** The secret webhook deliveries are verified with; null: refuse every delivery. */
  readonly webhookSecret: string | null;
  /** The in-process stand-in (demo mode), to seed charges for the demo payments. */
  readonly standIn: StripeStandIn | null;
  /** One line for the start-up log, e.g. "stripe (api.stripe.com)". */
  readonly description: string;
  close(): Promise<void>;
}

/**
 * Opens the configured provider. In stand-in mode the stand-in starts on a free local port;
 * `webhookUrl` (the service's own webhook route) makes it post signed events there, with
 * STRIPE_WEBHOOK_SECRET or a fresh random secret; `charges` seeds captured charges (the demo
 * payments' provider references).
 */
export async function openStripeCardProvider(
  config: StripeConfig,
  opts: {
    readonly webhookUrl?: string;
    readonly charges?: readonly { id: string; amount: number; currency: string }[];
  } = {},
): Promise<OpenedCardProvider> {
  switch (config.kind) {
    case "none":
      return {
        provider: null,
        disputes: null,
        webhookSecret: null,
        standIn: null,
        description: `none: ${config.why}`,
        close: async () => {},
      };
    case "stripe":
      return {
        provider: createStripeCardProvider(config),
        disputes: createStripeDisputeProvider(config),
        webhookSecret: config.webhookSecret,
        standIn: null,
        description: `stripe (${config.host ?? "api.stripe.com"}${config.port === undefined ? "" : `:${config.port}`}, ${config.apiKey.slice(0, 8)}...)`,
        close: async () => {},
      };
    case "stand-in": {
      const webhookSecret =
        config.webhookSecret ?? `whsec_standin_${randomBytes(24).toString("hex")}`;
      const standIn = await startStripeStandIn(
        opts.webhookUrl === undefined
          ? {}
          : { webhook: { url: opts.webhookUrl, secret: webhookSecret } },
      );
      for (const c of opts.charges ?? []) standIn.addCharge(c);
      const at = {
        apiKey: standIn.apiKey,
        host: standIn.host,
        port: standIn.port,
        protocol: standIn.protocol,
        ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
      };
      return {
        provider: createStripeCardProvider(at),
        disputes: createStripeDisputeProvider(at),
        webhookSecret,
        standIn,
        description: `Stripe stand-in at ${standIn.url} (demo mode: no STRIPE_SECRET_KEY; no money moves)`,
        close: () => standIn.close(),
      };
    }
  }
}
