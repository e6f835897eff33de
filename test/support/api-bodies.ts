// A valid request for every write route that takes a JSON body, with a caller allowed to send
// it, against the seeded world (test/support/api-world.ts). Versions are read fresh on each
// build, and the request workflow steps walk requestA3 through its states when run in order:
// each build, sent as is, is accepted (2xx) or refused only by the workflow (409).

import { policyDocument } from "../../src/core/policy/index.js";
import { readFileSync } from "node:fs";
import { DEFAULT_POLICY_PATH } from "../../src/policy-file/load.js";
import { PASSWORD, type ApiRequest, type CallerName, type World } from "./api-world.js";

export interface WriteRoute {
  /** `METHOD /api/v1/path` as in the OpenAPI document (path parameters as `{id}`). */
  readonly route: string;
  readonly caller: CallerName;
  /** The request with a valid body; built just before use. */
  readonly build: () => Promise<ApiRequest>;
}

/**
 * The write routes of the API, in an order that keeps most of them successful. `world` is read
 * only when a request is built, so the list can be made when tests are collected, before seeding.
 */
export function writeRoutes(world: () => World): readonly WriteRoute[] {
  const get = async (url: string) => (await world().send("admin", { method: "GET", url })).json();
  const versionOf = async (url: string) => (await get(url)).version as number;

  let seq = 0;
  const next = () => `${Date.now().toString(36)}-${++seq}`;

  return [
    {
      route: "POST /api/v1/session",
      caller: "anonymous",
      build: async () => ({
        method: "POST",
        url: "/session",
        payload: { email: world().emails.finance, password: PASSWORD },
      }),
    },
    {
      route: "POST /api/v1/tokens",
      caller: "admin",
      build: async () => ({
        method: "POST",
        url: "/tokens",
        payload: { name: `Importer ${next()}`, scopes: ["orders:read"] },
      }),
    },
    {
      route: "POST /api/v1/users",
      caller: "admin",
      build: async () => ({
        method: "POST",
        url: "/users",
        payload: {
          email: `new${next()}@desk.test`,
          name: "New Reviewer",
          role: "qa",
          password: "a long enough passphrase",
        },
      }),
    },
    {
      route: "PATCH /api/v1/users/{id}",
      caller: "admin",
      build: async () => ({
        method: "PATCH",
        url: `/users/${world().ids.spareUserA}`,
        payload: { name: `Sam ${next()}` },
      }),
    },
    {
      // A scheduled version, each with its own id and instant (far ahead: nothing judged by it).
      route: "POST /api/v1/policy/versions",
      caller: "admin",
      build: async () => {
        const n = ++seq;
        return {
          method: "POST",
          url: "/policy/versions",
          payload: {
            document: JSON.stringify({
              ...policyDocument(world().t.policy),
              version: `scheduled-${next()}`,
            }),
            effectiveAt: new Date(Date.UTC(2099, 0, 1) + n * 60_000).toISOString(),
          },
        };
      },
    },
    {
      route: "POST /api/v1/webhook-endpoints",
      caller: "admin",
      build: async () => ({
        method: "POST",
        url: "/webhook-endpoints",
        payload: {
          url: `https://hooks.example.com/${next()}`,
          events: ["refund_sent"],
          description: "ERP",
        },
      }),
    },
    {
      route: "PATCH /api/v1/webhook-endpoints/{id}",
      caller: "admin",
      build: async () => ({
        method: "PATCH",
        url: `/webhook-endpoints/${world().ids.webhookEndpoint}`,
        payload: { description: `ERP ${next()}`, events: ["*"] },
      }),
    },
    {
      route: "POST /api/v1/policy/simulations",
      caller: "admin",
      build: async () => ({
        method: "POST",
        url: "/policy/simulations",
        payload: {
          policy: readFileSync(DEFAULT_POLICY_PATH, "utf8"),
          from: "2026-01-01",
          to: "2026-12-31",
        },
      }),
    },
    {
      route: "POST /api/v1/orders",
      caller: "token",
      build: async () => ({
        method: "POST",
        url: "/orders",
        payload: { ...world().bodies.orderA, id: `ACME-MA-${next()}` },
      }),
    },
    {
      route: "PATCH /api/v1/orders/{id}",
      caller: "admin",
      build: async () => ({
        method: "PATCH",
        url: `/orders/${world().ids.orderA}`,
        payload: {
          expectedVersion: await versionOf(`/orders/${world().ids.orderA}`),
          promisedDeliveryBy: "2026-02-24T10:00:00Z",
        },
      }),
    },
    {
      route: "POST /api/v1/orders/{id}/events",
      caller: "token",
      build: async () => ({
        method: "POST",
        url: `/orders/${world().ids.orderA}/events`,
        payload: { kind: "internal_fault", from: "2026-02-13T08:00:00Z", note: "Scanner crashed." },
      }),
    },
    {
      route: "PATCH /api/v1/orders/{id}/events/{eventId}",
      caller: "token",
      build: async () => ({
        method: "PATCH",
        url: `/orders/${world().ids.orderA}/events/${world().ids.eventA}`,
        payload: { note: `Blocked until the credentials came (${next()}).` },
      }),
    },
    {
      route: "POST /api/v1/payments",
      caller: "token",
      build: async () => {
        const n = next();
        return {
          method: "POST",
          url: "/payments",
          payload: {
            ...world().bodies.paymentA,
            id: `PAY-MA-${n}`,
            providerRef: `ch_ma_${n}`,
            amount: { amount: "10.00", currency: "USD" },
          },
        };
      },
    },
    {
      route: "POST /api/v1/clients",
      caller: "admin",
      build: async () => ({
        method: "POST",
        url: "/clients",
        payload: { name: `Initech ${next()}`, email: "ops@initech.test" },
      }),
    },
    {
      route: "PATCH /api/v1/clients/{id}",
      caller: "admin",
      build: async () => ({
        method: "PATCH",
        url: `/clients/${world().ids.clientB}`,
        payload: { name: "Globex", email: "it@globex.test" },
      }),
    },
    {
      route: "POST /api/v1/invitations",
      caller: "admin",
      build: async () => ({
        method: "POST",
        url: "/invitations",
        payload: { email: `invitee${next()}@desk.test`, name: "Ivy Invitee", role: "qa" },
      }),
    },
    {
      route: "POST /api/v1/password-resets",
      caller: "anonymous",
      build: async () => ({
        method: "POST",
        url: "/password-resets",
        payload: { email: "nobody@desk.test" },
      }),
    },
    {
      route: "POST /api/v1/set-password",
      caller: "anonymous",
      // A fresh invitation's token, read from its outbox row (the e-mail is not sent in tests).
      build: async () => {
        const invited = await world().send("admin", {
          method: "POST",
          url: "/invitations",
          payload: { email: `setter${next()}@desk.test`, name: "Sid Setter", role: "qa" },
        });
        const userId = invited.json<{ user: { id: string } }>().user.id;
        const rows = await world()
          .t.deps.db.selectFrom("outbox")
          .select("payload")
          .where("topic", "=", "account.invitation")
          .execute();
        const token = rows
          .map((r) => JSON.parse(r.payload) as { userId: string; token: string })
          .find((p) => p.userId === userId)?.token;
        return {
          method: "POST",
          url: "/set-password",
          payload: { token: token ?? "", password: "a long enough passphrase" },
        };
      },
    },
    {
      route: "POST /api/v1/requests",
      caller: "clientA",
      build: async () => ({
        method: "POST",
        url: "/requests",
        payload: { orderId: world().ids.orderA, reason: "other", description: "Wrong scope." },
      }),
    },
    {
      route: "POST /api/v1/requests/{id}/messages",
      caller: "clientA",
      build: async () => ({
        method: "POST",
        url: `/requests/${world().ids.requestA}/messages`,
        payload: { body: "Any news?" },
      }),
    },
    ...(
      [
        ["claim", "qa", {}],
        ["assign", "qa", { userId: "qa" }],
        ["unassign", "qa", {}],
      ] as const
    ).map(([step, caller, extra]): WriteRoute => ({
      route: `POST /api/v1/requests/{id}/${step}`,
      caller,
      build: async () => ({
        method: "POST",
        url: `/requests/${world().ids.requestA3}/${step}`,
        payload: {
          expectedVersion: await versionOf(`/requests/${world().ids.requestA3}`),
          ...("userId" in extra ? { userId: world().ids.qa } : {}),
        },
      }),
    })),
    ...(
      [
        ["start-review", "qa", {}],
        ["request-info", "qa", { question: "Which month was unused?" }],
        ["answer", "clientA", { message: "All of March." }],
        ["offer-alternative", "qa", { kind: "support-extension", note: "One month free." }],
        ["decline-alternative", "clientA", {}],
        ["resume-review", "qa", {}],
        ["accept-alternative", "clientA", {}],
        [
          "approve",
          "qa",
          { amount: { amount: "1.00", currency: "USD" }, justification: "Goodwill." },
        ],
        ["deny", "qa", { justification: "Used in full.", clauses: ["excluded.completed"] }],
        ["withdraw", "clientA", {}],
        ["fulfil-follow-up", "qa", {}],
        ["reopen", "clientA", { message: "The extra month never started." }],
        ["appeal", "clientA", { message: "I did not use it." }],
        // Refused by the rules (the request did not come in triage), smuggled field or not.
        ["classify-reason", "qa", { reason: "other" }],
      ] as const
    ).map(([step, caller, extra]): WriteRoute => ({
      route: `POST /api/v1/requests/{id}/${step}`,
      caller,
      build: async () => ({
        method: "POST",
        url: `/requests/${world().ids.requestA3}/${step}`,
        payload: {
          expectedVersion: await versionOf(`/requests/${world().ids.requestA3}`),
          ...extra,
        },
      }),
    })),
    // Payouts: the first approval releases payoutA (10.00 USD, one approval); recording a card
    // payout, retrying, reissuing or recording outside a payout that has not failed, or giving a
    // card payout a destination, is refused by the rules (409).
    ...(
      [
        ["approve", "POST", "finance", {}],
        ["record", "POST", "finance", { reference: "SEPA-REF-1" }],
        ["retry", "POST", "finance", {}],
        [
          "reissue",
          "POST",
          "finance",
          { method: "bank_transfer", justification: "The card expired; reissue by transfer." },
        ],
        [
          "record-outside",
          "POST",
          "finance",
          { reference: "RCPT-1", justification: "Paid in cash at the desk, receipt on file." },
        ],
        [
          "destination",
          "PUT",
          "clientA",
          { network: "bitcoin", address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq" },
        ],
      ] as const
    ).map(([step, method, caller, extra]): WriteRoute => ({
      route: `${method} /api/v1/payouts/{id}/${step}`,
      caller,
      build: async () => ({
        method,
        url: `/payouts/${world().ids.payoutA}/${step}`,
        payload: {
          expectedVersion: await versionOf(`/payouts/${world().ids.payoutA}`),
          ...extra,
        },
      }),
    })),
    // Inbound e-mail triage (issue 19): the world's e-mails wait for QA.
    ...(
      [
        ["assign-to-client", "inboundMail", () => ({ clientId: world().ids.clientA })],
        [
          "classify-reason",
          "inboundMail",
          () => ({ reason: "not_delivered", orderId: world().ids.orderA }),
        ],
        ["attach-to-request", "inboundMail", () => ({ requestId: world().ids.requestA })],
        ["discard", "inboundMail2", () => ({ note: "Spam." })],
      ] as const
    ).map(([step, mail, body]): WriteRoute => ({
      route: `POST /api/v1/inbound-mail/{id}/${step}`,
      caller: "qa",
      build: async () => ({
        method: "POST",
        url: `/inbound-mail/${world().ids[mail]}/${step}`,
        payload: body(),
      }),
    })),
    // Disputes (issue 20): the world's dispute is won, so its evidence can no longer change (409).
    {
      route: "PATCH /api/v1/disputes/{id}/evidence",
      caller: "finance",
      build: async () => ({
        method: "PATCH",
        url: `/disputes/${world().ids.disputeA}/evidence`,
        payload: {
          expectedVersion: await versionOf(`/disputes/${world().ids.disputeA}`),
          text: { uncategorized_text: "Timeline attached." },
          reset: ["product_description"],
        },
      }),
    },
    {
      route: "POST /api/v1/disputes/{id}/submit",
      caller: "finance",
      build: async () => ({
        method: "POST",
        url: `/disputes/${world().ids.disputeA}/submit`,
        payload: { expectedVersion: await versionOf(`/disputes/${world().ids.disputeA}`) },
      }),
    },
  ];
}
