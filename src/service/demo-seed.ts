// The demo company loaded into an empty database by `npm start` (never under NODE_ENV=production):
// clients, staff, and orders in every situation the policy knows, dated relative to now so the
// recommendations make sense whenever the demo runs. Everything goes through the use cases, so the
// audit trail and the engine's recommendations are the real ones.

import { createClient, createUser, verifyPassword } from "../app/auth/index.js";
import { accountsByEmail } from "../app/auth/repository.js";
import { hasAnyClient } from "../app/clients/repository.js";
import type { ActionContext, AppDeps } from "../app/context.js";
import { createOrder } from "../app/orders/create-order.js";
import { recordPayment } from "../app/orders/record-payment.js";
import { recordServiceEvent } from "../app/orders/service-events.js";
import { submitRequest } from "../app/requests/submit-request.js";

/** The demo sign-ins printed at start. */
export interface DemoAccount {
  readonly role: string;
  readonly email: string;
  readonly password: string;
  readonly who: string;
}

const PASSWORD = "demo-password-2026";
const DAY = 86_400_000;
const HOUR = 3_600_000;

/**
 * A Stripe-shaped charge id for a demo card payment: `ch_` and letters and digits only, like the
 * ids Stripe issues (`ch_demoORD1001n1`), so the card adapter refunds it like a real one.
 */
export function demoChargeId(orderId: string, n: number): string {
  return `ch_demo${orderId.replace(/[^A-Za-z0-9]/g, "")}n${n}`;
}

const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { role: "client", email: "alice@acme.example", password: PASSWORD, who: "Alice (Acme)" },
  { role: "client", email: "bob@globex.example", password: PASSWORD, who: "Bob (Globex)" },
  { role: "qa", email: "quinn@prosphere.example", password: PASSWORD, who: "Quinn (QA)" },
  { role: "finance", email: "fran@prosphere.example", password: PASSWORD, who: "Fran (finance)" },
  // A second finance person, so four-eyes (payouts above the threshold) can be tried without the
  // admin.
  { role: "finance", email: "finn@prosphere.example", password: PASSWORD, who: "Finn (finance)" },
  { role: "admin", email: "ada@prosphere.example", password: PASSWORD, who: "Ada (admin)" },
];

/**
 * The demo sign-ins that still work on this database (every start of a demo database prints
 * them, not only the first): the demo accounts that exist, are enabled and still have the demo
 * password. None on a database that was never a demo.
 */
export async function demoAccountsIn(deps: AppDeps): Promise<DemoAccount[]> {
  const rows = await accountsByEmail(
    deps.db,
    DEMO_ACCOUNTS.map((a) => a.email),
  );
  const out: DemoAccount[] = [];
  for (const a of DEMO_ACCOUNTS) {
    const row = rows.find((r) => r.email === a.email);
    if (row === undefined || Number(row.disabled) !== 0) continue;
    if (await verifyPassword(row.password_hash, a.password)) out.push(a);
  }
  return out;
}

/** True when the database has no client yet (a fresh install). */
export async function isEmpty(deps: AppDeps): Promise<boolean> {
  return !(await hasAnyClient(deps.db));
}

/** Loads the demo company; returns the sign-ins. */
export async function seedDemo(deps: AppDeps): Promise<DemoAccount[]> {
  const now = deps.clock();
  const iso = (ms: number) => new Date(ms).toISOString();
  const usd = (amount: string) => ({ amount, currency: "USD" });

  const acme = await createClient(deps, "system", {
    name: "Acme Networks",
    email: "it@acme.example",
  });
  const globex = await createClient(deps, "system", {
    name: "Globex Security",
    email: "ops@globex.example",
  });
  const accounts = [...DEMO_ACCOUNTS];
  const users: Record<string, string> = {};
  for (const a of accounts) {
    const clientId =
      a.email === "alice@acme.example"
        ? acme.id
        : a.email === "bob@globex.example"
          ? globex.id
          : null;
    const user = await createUser(deps, "system", {
      email: a.email,
      name: a.who,
      role: a.role as "client" | "qa" | "finance" | "admin",
      clientId,
      password: a.password,
    });
    users[a.email] = user.id;
  }
  const admin: ActionContext = {
    actor: { role: "admin", userId: users["ada@prosphere.example"] ?? "" },
    ip: null,
  };
  const alice: ActionContext = {
    actor: { role: "client", clientId: acme.id, userId: users["alice@acme.example"] ?? "" },
    ip: null,
  };

  const audit = { name: "External penetration test", category: "audit", billing: "one_off" };
  const order = async (
    id: string,
    clientId: string,
    facts: Record<string, unknown>,
    payments: { amount: { amount: string; currency: string }; method: string; at: number }[],
  ) => {
    await createOrder(deps, admin, {
      id,
      clientId,
      service: audit,
      price: usd("4800.00"),
      ...facts,
    });
    let n = 1;
    for (const p of payments) {
      await recordPayment(deps, admin, {
        id: `${id}-PAY-${n++}`,
        orderId: id,
        chargeRef: (facts["subscription"] as { chargeRef?: string } | undefined)?.chargeRef ?? id,
        amount: p.amount,
        method: p.method,
        capturedAt: iso(p.at),
        // Card payments carry the provider's charge id, as a payment system would send them.
        ...(p.method === "card" ? { providerRef: demoChargeId(id, n - 1) } : {}),
      });
    }
  };

  // Not delivered: never started, the promised start passed a week ago.
  const placed1 = now - 20 * DAY;
  await order(
    "ORD-1001",
    acme.id,
    {
      placedAt: iso(placed1),
      promisedStartBy: iso(placed1 + 7 * DAY),
      promisedDeliveryBy: iso(placed1 + 21 * DAY),
      startedAt: null,
      deliveredAt: null,
    },
    [{ amount: usd("4800.00"), method: "card", at: placed1 + 60_000 }],
  );
  // Late: started four days after the promised start, still not delivered.
  const placed2 = now - 25 * DAY;
  await order(
    "ORD-1002",
    acme.id,
    {
      placedAt: iso(placed2),
      promisedStartBy: iso(placed2 + 5 * DAY),
      promisedDeliveryBy: iso(placed2 + 19 * DAY),
      startedAt: iso(placed2 + 9 * DAY),
      deliveredAt: null,
    },
    [{ amount: usd("4800.00"), method: "card", at: placed2 + 60_000 }],
  );
  // Blocked by the client: VPN access came ten days late, which explains the delay.
  const placed3 = now - 12 * DAY;
  await order(
    "ORD-1003",
    acme.id,
    {
      placedAt: iso(placed3),
      promisedStartBy: iso(placed3 + 5 * DAY),
      startedAt: null,
      deliveredAt: null,
    },
    [{ amount: usd("4800.00"), method: "bank_transfer", at: placed3 + HOUR }],
  );
  await recordServiceEvent(deps, admin, "ORD-1003", {
    kind: "client_blocker",
    from: iso(placed3 + DAY),
    to: iso(placed3 + 11 * DAY),
    note: "VPN credentials not provided",
  });
  // Hit by an outage: a cloud provider's region was down for nine days.
  const placed4 = now - 10 * DAY;
  await order(
    "ORD-1004",
    globex.id,
    { placedAt: iso(placed4), promisedStartBy: iso(placed4 + 3 * DAY), startedAt: null },
    [{ amount: usd("4800.00"), method: "card", at: placed4 + HOUR }],
  );
  await recordServiceEvent(deps, admin, "ORD-1004", {
    kind: "external_incident",
    from: iso(placed4 + 2 * HOUR),
    to: iso(placed4 + 9 * DAY),
    note: "Cloud provider region outage",
  });
  // Delivered two days ago: completed, but the client says the scope differs.
  const placed5 = now - 30 * DAY;
  await order(
    "ORD-1005",
    acme.id,
    {
      placedAt: iso(placed5),
      promisedStartBy: iso(placed5 + 5 * DAY),
      promisedDeliveryBy: iso(placed5 + 29 * DAY),
      startedAt: iso(placed5 + 2 * DAY),
      deliveredAt: iso(now - 2 * DAY),
    },
    [{ amount: usd("4800.00"), method: "card", at: placed5 + HOUR }],
  );
  // A monitoring subscription in its current monthly period.
  const periodStart = now - 9 * DAY;
  await createOrder(deps, admin, {
    id: "ORD-2001",
    clientId: acme.id,
    service: { name: "24/7 network monitoring", category: "monitoring", billing: "subscription" },
    price: usd("3100.00"),
    placedAt: iso(now - 70 * DAY),
    promisedStartBy: iso(now - 69 * DAY),
    startedAt: iso(now - 69 * DAY),
    deliveredAt: null,
    subscription: {
      periodStart: iso(periodStart),
      periodEnd: iso(periodStart + 31 * DAY),
      chargeRef: "ORD-2001/current",
    },
  });
  await recordPayment(deps, admin, {
    id: "ORD-2001-PAY-1",
    orderId: "ORD-2001",
    chargeRef: "ORD-2001/current",
    amount: usd("3100.00"),
    method: "card",
    capturedAt: iso(periodStart + 5 * 60_000),
    providerRef: demoChargeId("ORD-2001", 1),
  });
  // A duplicate card payment: the same charge captured twice, two minutes apart. The second
  // payment opens its own duplicate-payment case, approved by the system (policy autoApprove).
  const placed7 = now - 6 * DAY;
  await order(
    "ORD-1007",
    globex.id,
    {
      placedAt: iso(placed7),
      promisedStartBy: iso(placed7 + 7 * DAY),
      startedAt: iso(placed7 + 2 * DAY),
      deliveredAt: null,
    },
    [
      { amount: usd("4800.00"), method: "card", at: placed7 + 60_000 },
      { amount: usd("4800.00"), method: "card", at: placed7 + 180_000 },
    ],
  );
  // Paid in bitcoin, never started.
  const placed8 = now - 15 * DAY;
  await order(
    "ORD-1008",
    globex.id,
    { placedAt: iso(placed8), promisedStartBy: iso(placed8 + 5 * DAY), startedAt: null },
    [{ amount: { amount: "0.05123456", currency: "BTC" }, method: "crypto", at: placed8 + HOUR }],
  );

  // A queue for the reviewers.
  await submitRequest(deps, alice, {
    orderId: "ORD-1001",
    reason: "not_delivered",
    description: "The penetration test never started and nobody answers our e-mails.",
  });
  await submitRequest(deps, alice, {
    orderId: "ORD-1005",
    reason: "mismatch",
    description: "The report covers only the web tier; the scope included the internal network.",
  });
  await submitRequest(deps, alice, {
    orderId: "ORD-2001",
    reason: "unused_subscription",
    description: "We are moving monitoring in-house; please cancel the rest of this month.",
  });
  return accounts;
}
