// The Stripe stand-in as its own process, for a demo or a manual test that outlives one service
// run: `node dist/src/payouts/stripe/stand-in-main.js`, then start the service with
// STRIPE_API_BASE=http://127.0.0.1:12111 STRIPE_SECRET_KEY=sk_test_stand_in.
//
//   STAND_IN_PORT          port (default 12111; 0 picks a free one)
//   STAND_IN_API_KEY       the key clients must send (default sk_test_stand_in)
//   STAND_IN_CHARGES       captured charges to seed: "ch_1:5000:eur,pi_2:1999:usd"
//   STAND_IN_WEBHOOK_URL   where to post signed events, with STRIPE_WEBHOOK_SECRET (whsec_...)

import { pathToFileURL } from "node:url";
import { startStripeStandIn, type StripeStandIn } from "./stand-in.js";

/** Parses STAND_IN_CHARGES ("id:amount:currency,..."); throws a RangeError on a bad entry. */
export function parseSeedCharges(text: string): { id: string; amount: number; currency: string }[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((entry) => {
      const m = /^((?:ch|py|pi)_[A-Za-z0-9]+):(\d{1,12}):([A-Za-z]{3})$/.exec(entry);
      if (m === null) {
        throw new RangeError(
          `STAND_IN_CHARGES: "${entry}" is not <ch_|py_|pi_ id>:<minor units>:<currency>`,
        );
      }
      return { id: m[1] ?? "", amount: Number(m[2]), currency: (m[3] ?? "").toLowerCase() };
    });
}

/** Starts the stand-in as configured by the environment. */
export async function startStandInFromEnv(env: NodeJS.ProcessEnv): Promise<StripeStandIn> {
  const port = Number(env["STAND_IN_PORT"] ?? "12111");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`STAND_IN_PORT must be a port number, got "${env["STAND_IN_PORT"]}"`);
  }
  const webhookUrl = env["STAND_IN_WEBHOOK_URL"]?.trim();
  const secret = env["STRIPE_WEBHOOK_SECRET"]?.trim();
  if (webhookUrl && !secret?.startsWith("whsec_")) {
    throw new RangeError("STAND_IN_WEBHOOK_URL needs STRIPE_WEBHOOK_SECRET (whsec_...)");
  }
  const charges = parseSeedCharges(env["STAND_IN_CHARGES"] ?? "");
  const apiKey = env["STAND_IN_API_KEY"]?.trim();
  const standIn = await startStripeStandIn({
    port,
    ...(apiKey ? { apiKey } : {}),
    ...(webhookUrl && secret ? { webhook: { url: webhookUrl, secret } } : {}),
  });
  for (const c of charges) standIn.addCharge(c);
  return standIn;
}

async function main(): Promise<void> {
  const standIn = await startStandInFromEnv(process.env);
  process.stdout.write(
    `Stripe stand-in on ${standIn.url} (key ${standIn.apiKey}); no money moves. Ctrl-C stops it.\n`,
  );
  const stop = (): void => {
    void standIn.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  });
}
