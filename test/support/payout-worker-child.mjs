// A worker process that claims one card payout and kills itself (SIGKILL, no clean-up of any
// kind) at the named point: `claimed` (inside the claim transaction), `committed` (claim
// committed, before the provider call), `answered` (the provider answered, before the outcome is
// recorded) or `recorded` (after the outcome's commit). The crash tests start many of them. It
// runs the built code (dist/), like the product.
//   node test/support/payout-worker-child.mjs '<OpenDatabaseOptions JSON>' \
//        '<{"host","port","apiKey"} JSON>' <point> <leaseMs>
// Exit code 3: there was nothing to claim.

/* global process */

import {
  claimCardPayouts,
  DEFAULT_RUNNER,
  runClaimedPayout,
} from "../../dist/src/app/payouts/execute.js";
import { createAppDeps } from "../../dist/src/app/context.js";
import { openDatabase } from "../../dist/src/db/connection.js";
import { createStripeCardProvider } from "../../dist/src/payouts/stripe/index.js";
import { loadPolicyFile } from "../../dist/src/policy-file/load.js";
import { localAttachmentStorage } from "../../dist/src/storage/index.js";

const [optionsJson, stripeJson, point, leaseText] = process.argv.slice(2);
if (!optionsJson || !stripeJson || !point || !leaseText) {
  throw new Error("usage: payout-worker-child.mjs OPTIONS_JSON STRIPE_JSON POINT LEASE_MS");
}
const stripe = JSON.parse(stripeJson);
const policy = loadPolicyFile();
if (!policy.ok) throw new Error(policy.error.message);
const opened = await openDatabase({ ...JSON.parse(optionsJson), poolSize: 2 });
const deps = createAppDeps({
  db: opened.db,
  dialect: opened.dialect,
  policy: policy.value,
  clock: Date.now,
  dataDir: "/tmp",
  attachments: localAttachmentStorage(opened.db, "/tmp"),
});
const provider = createStripeCardProvider({
  apiKey: stripe.apiKey,
  host: stripe.host,
  port: stripe.port,
  protocol: "http",
  timeoutMs: 10_000,
});
const runner = {
  ...DEFAULT_RUNNER,
  workerId: `child-${process.pid}`,
  leaseMs: Number(leaseText),
  faultPoint: (at) => {
    if (at === point) process.kill(process.pid, "SIGKILL");
  },
};
const claimed = await claimCardPayouts(deps, runner, 1);
if (claimed.length === 0) {
  await opened.close();
  process.exit(3);
}
for (const c of claimed) await runClaimedPayout(deps, provider, runner, c);
await opened.close();
