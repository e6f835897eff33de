import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ACTION_DESCRIPTIONS,
  ACTIONS,
  ANONYMOUS,
  TOKEN_SCOPES,
  actorRef,
  can,
  isAction,
  isStaff,
  listScope,
  refusal,
  userIdOf,
  visibleOrNotFound,
  type Action,
  type Actor,
  type Resource,
  type TokenScope,
  payoutDutyRefusal,
} from "./access.js";

// The access matrix as the issue states it, written out independently of the implementation's
// sets: "-" never, "own" only on the client's own resource, "all" on any resource.
type Rule = "-" | "own" | "all";
interface Row {
  readonly client: Rule;
  readonly qa: Rule;
  readonly finance: Rule;
  readonly admin: Rule;
  readonly token: TokenScope | null;
}
// prettier-ignore
const MATRIX: Record<Action, Row> = {
  "order.read":                  { client: "own", qa: "all", finance: "all", admin: "all", token: "orders:read" },
  "order.write":                 { client: "-",   qa: "-",   finance: "-",   admin: "all", token: "orders:write" },
  "payment.read":                { client: "own", qa: "all", finance: "all", admin: "all", token: "payments:read" },
  "payment.write":               { client: "-",   qa: "-",   finance: "-",   admin: "all", token: "payments:write" },
  "event.read":                  { client: "-",   qa: "all", finance: "-",   admin: "all", token: "events:read" },
  "event.write":                 { client: "-",   qa: "-",   finance: "-",   admin: "all", token: "events:write" },
  "request.create":              { client: "own", qa: "-",   finance: "-",   admin: "all", token: null },
  "request.read":                { client: "own", qa: "all", finance: "all", admin: "all", token: null },
  "request.list":                { client: "own", qa: "all", finance: "all", admin: "all", token: null },
  "request.list_all":            { client: "-",   qa: "all", finance: "all", admin: "all", token: null },
  "request.withdraw":            { client: "own", qa: "-",   finance: "-",   admin: "all", token: null },
  "request.answer":              { client: "own", qa: "-",   finance: "-",   admin: "all", token: null },
  "request.accept_alternative":  { client: "own", qa: "-",   finance: "-",   admin: "all", token: null },
  "request.decline_alternative": { client: "own", qa: "-",   finance: "-",   admin: "all", token: null },
  "request.classify":            { client: "-",   qa: "all", finance: "-",   admin: "all", token: null },
  "request.start_review":        { client: "-",   qa: "all", finance: "-",   admin: "all", token: null },
  "request.request_info":        { client: "-",   qa: "all", finance: "-",   admin: "all", token: null },
  "request.decide":              { client: "-",   qa: "all", finance: "-",   admin: "all", token: null },
  "request.assign":              { client: "-",   qa: "all", finance: "-",   admin: "all", token: null },
  "request.note":                { client: "-",   qa: "all", finance: "-",   admin: "all", token: null },
  "request.appeal":              { client: "own", qa: "-",   finance: "-",   admin: "all", token: null },
  "request.reopen":              { client: "own", qa: "-",   finance: "-",   admin: "all", token: null },
  "request.fulfil_follow_up":    { client: "-",   qa: "all", finance: "-",   admin: "all", token: null },
  "attachment.read":             { client: "own", qa: "all", finance: "-",   admin: "all", token: null },
  "attachment.create":           { client: "own", qa: "all", finance: "-",   admin: "all", token: null },
  "message.read":                { client: "own", qa: "all", finance: "-",   admin: "all", token: null },
  "message.create":              { client: "own", qa: "all", finance: "-",   admin: "all", token: null },
  "mail.triage":                 { client: "-",   qa: "all", finance: "-",   admin: "all", token: null },
  "user.read":                   { client: "own", qa: "all", finance: "all", admin: "all", token: null },
  "user.write":                  { client: "-",   qa: "-",   finance: "-",   admin: "all", token: null },
  "user.list":                   { client: "-",   qa: "all", finance: "all", admin: "all", token: null },
  "client.read":                 { client: "own", qa: "all", finance: "all", admin: "all", token: null },
  "client.write":                { client: "-",   qa: "-",   finance: "-",   admin: "all", token: null },
  "session.manage_own":          { client: "all", qa: "all", finance: "all", admin: "all", token: null },
  "session.manage_any":          { client: "-",   qa: "-",   finance: "-",   admin: "all", token: null },
  "policy.read":                 { client: "all", qa: "all", finance: "all", admin: "all", token: null },
  "policy.history":              { client: "-",   qa: "all", finance: "all", admin: "all", token: null },
  "policy.publish":              { client: "-",   qa: "-",   finance: "-",   admin: "all", token: null },
  // A what-if run of a candidate policy: admins, like publishing one.
  "policy.simulate":             { client: "-",   qa: "-",   finance: "-",   admin: "all", token: null },
  "audit.read":                  { client: "-",   qa: "-",   finance: "-",   admin: "all", token: null },
  // QA leads, finance and management (admins) read the reports; clients never.
  "report.read":                 { client: "-",   qa: "all", finance: "all", admin: "all", token: null },
  "payout.read":                 { client: "own", qa: "all", finance: "all", admin: "all", token: null },
  // With a decider and first approver who are other people (separation of duties tested below).
  "payout.execute":              { client: "-",   qa: "-",   finance: "all", admin: "all", token: null },
  "payout.approve_second":       { client: "-",   qa: "-",   finance: "all", admin: "all", token: null },
  "payout.set_destination":      { client: "own", qa: "-",   finance: "-",   admin: "all", token: null },
  "payout.reissue":              { client: "-",   qa: "-",   finance: "all", admin: "all", token: null },
  "payout.record_outside":       { client: "-",   qa: "-",   finance: "all", admin: "all", token: null },
  // Card disputes (issue 20): finance answers them; admins may.
  "dispute.read":                { client: "-",   qa: "-",   finance: "all", admin: "all", token: null },
  "dispute.write":               { client: "-",   qa: "-",   finance: "all", admin: "all", token: null },
  "webhook.read":                { client: "-",   qa: "-",   finance: "-",   admin: "all", token: null },
  "webhook.write":               { client: "-",   qa: "-",   finance: "-",   admin: "all", token: null },
  // Operators scrape metrics with a token (issue 17); personal data is exported and erased by admins.
  "metrics.read":                { client: "-",   qa: "-",   finance: "-",   admin: "all", token: "metrics:read" },
  "privacy.export":              { client: "-",   qa: "-",   finance: "-",   admin: "all", token: null },
  "privacy.erase":               { client: "-",   qa: "-",   finance: "-",   admin: "all", token: null },
};

const clientA: Actor = { role: "client", clientId: "c-A", userId: "u-A" };
const qa: Actor = { role: "qa", userId: "u-qa" };
const finance: Actor = { role: "finance", userId: "u-fin" };
const admin: Actor = { role: "admin", userId: "u-admin" };
const tokenAll: Actor = { role: "api_token", tokenId: "t-all", scopes: [...TOKEN_SCOPES] };
const tokenNone: Actor = { role: "api_token", tokenId: "t-none", scopes: [] };
const tokenOne = (scope: string): Actor => ({ role: "api_token", tokenId: "t-1", scopes: [scope] });

// Own: client A's (and user A itself). Foreign: client B's. Payouts decided and first approved by
// people who are none of the actors above.
const OWN: Resource = {
  clientId: "c-A",
  userId: "u-A",
  decidedBy: "u-qa-other",
  firstApprovedBy: "u-fin-other",
};
const FOREIGN: Resource = {
  clientId: "c-B",
  userId: "u-B",
  decidedBy: "u-qa-other",
  firstApprovedBy: "u-fin-other",
};

type ActorName = "anonymous" | "clientA" | "qa" | "finance" | "admin" | "tokenAll" | "tokenNone";
const ACTORS: Record<ActorName, Actor> = {
  anonymous: ANONYMOUS,
  clientA,
  qa,
  finance,
  admin,
  tokenAll,
  tokenNone,
};

function ruleAllows(rule: Rule, own: boolean): boolean {
  return rule === "all" || (rule === "own" && own);
}

function expected(name: ActorName, action: Action, own: boolean): boolean {
  const row = MATRIX[action];
  switch (name) {
    case "anonymous":
      return false;
    case "clientA":
      return ruleAllows(row.client, own);
    case "qa":
    case "finance":
    case "admin":
      return ruleAllows(row[name], own);
    case "tokenAll":
      return row.token !== null;
    case "tokenNone":
      return false;
  }
}

const cells = (Object.keys(ACTORS) as ActorName[]).flatMap((name) =>
  ACTIONS.flatMap((action) =>
    ([true, false] as const).map((own) => ({
      name,
      action,
      own,
      allowed: expected(name, action, own),
    })),
  ),
);

describe("ACTIONS", () => {
  it("lists every action once, each with a description, and the matrix covers them all", () => {
    expect(new Set(ACTIONS).size).toBe(ACTIONS.length);
    expect([...ACTIONS].sort()).toEqual(Object.keys(MATRIX).sort());
    for (const a of ACTIONS) expect(ACTION_DESCRIPTIONS[a].length).toBeGreaterThan(10);
  });

  it("isAction accepts exactly the listed names", () => {
    for (const a of ACTIONS) expect(isAction(a)).toBe(true);
    for (const s of ["", "order", "order.delete", "toString", "__proto__", "ORDER.READ"]) {
      expect(isAction(s)).toBe(false);
    }
  });

  it("is frozen", () => {
    expect(Object.isFrozen(ACTIONS)).toBe(true);
  });
});

describe("can: actor x action x own/foreign", () => {
  it.each(cells)("$name $action own=$own -> $allowed", ({ name, action, own, allowed }) => {
    expect(can(ACTORS[name], action, own ? OWN : FOREIGN)).toBe(allowed);
  });
});

describe("visibleOrNotFound: actor x action x own/foreign", () => {
  it.each(cells)("$name $action own=$own", ({ name, action, own, allowed }) => {
    const want = allowed
      ? "ok"
      : name === "anonymous"
        ? "unauthenticated"
        : name === "clientA" && !own
          ? "not_found"
          : "forbidden";
    expect(visibleOrNotFound(ACTORS[name], action, own ? OWN : FOREIGN)).toBe(want);
  });
});

describe("api tokens", () => {
  it.each(TOKEN_SCOPES.flatMap((scope) => ACTIONS.map((action) => ({ scope, action }))))(
    "scope $scope grants $action only if it names it",
    ({ scope, action }) => {
      expect(can(tokenOne(scope), action, FOREIGN)).toBe(MATRIX[action].token === scope);
    },
  );

  it("a write scope does not grant the read, nor unknown or near-miss scopes anything", () => {
    expect(can(tokenOne("orders:write"), "order.read")).toBe(false);
    for (const s of ["orders", "orders:*", "*", "admin", "ORDERS:READ", "order.read", "toString"]) {
      for (const a of ACTIONS) expect(can(tokenOne(s), a)).toBe(false);
    }
  });
});

describe("client ownership", () => {
  it.each([
    ["an order of another client", "order.read", { clientId: "c-B" }, "not_found"],
    ["an order with no client", "order.read", { clientId: null }, "not_found"],
    ["a resource whose owner was not given", "request.read", {}, "not_found"],
    ["its own order", "order.read", { clientId: "c-A" }, "ok"],
    [
      "creating a request on another client's order",
      "request.create",
      { clientId: "c-B" },
      "not_found",
    ],
    ["creating a request on its own order", "request.create", { clientId: "c-A" }, "ok"],
    ["listing another client's requests", "request.list", { clientId: "c-B" }, "not_found"],
    ["a staff queue", "request.list_all", {}, "not_found"],
    ["deciding its own request", "request.decide", { clientId: "c-A" }, "forbidden"],
    ["its own user", "user.read", { userId: "u-A", clientId: "c-A" }, "ok"],
    [
      "a colleague's user at the same client",
      "user.read",
      { userId: "u-A2", clientId: "c-A" },
      "not_found",
    ],
    ["changing its own user", "user.write", { userId: "u-A" }, "forbidden"],
    ["the policy", "policy.read", {}, "ok"],
    ["the audit trail", "audit.read", {}, "not_found"],
    ["its own payout", "payout.read", { clientId: "c-A" }, "ok"],
    [
      "executing its own payout",
      "payout.execute",
      { clientId: "c-A", decidedBy: null },
      "forbidden",
    ],
  ] as const)("%s: %s -> %s", (_label, action, resource, want) => {
    expect(visibleOrNotFound(clientA, action, resource)).toBe(want);
  });
});

describe("payouts: separation of duties and four-eyes", () => {
  const fin1: Actor = { role: "finance", userId: "f1" };
  const fin2: Actor = { role: "finance", userId: "f2" };
  const adm: Actor = { role: "admin", userId: "a1" };
  const qa1: Actor = { role: "qa", userId: "q1" };
  it.each([
    ["finance executes a qa decision", fin1, "payout.execute", { decidedBy: "q1" }, true],
    ["finance executes an automatic decision", fin1, "payout.execute", { decidedBy: null }, true],
    ["finance executes its own decision", fin1, "payout.execute", { decidedBy: "f1" }, false],
    ["decider unknown: refused", fin1, "payout.execute", {}, false],
    ["admin executes a qa decision", adm, "payout.execute", { decidedBy: "q1" }, true],
    ["admin executes its own decision", adm, "payout.execute", { decidedBy: "a1" }, false],
    ["qa never executes", qa1, "payout.execute", { decidedBy: "a1" }, false],
    ["finance reissues a qa decision's payout", fin1, "payout.reissue", { decidedBy: "q1" }, true],
    [
      "finance reissues its own decision's payout",
      fin1,
      "payout.reissue",
      { decidedBy: "f1" },
      false,
    ],
    [
      "finance records outside for a qa decision",
      fin1,
      "payout.record_outside",
      { decidedBy: "q1" },
      true,
    ],
    [
      "finance records outside its own decision",
      fin1,
      "payout.record_outside",
      { decidedBy: "f1" },
      false,
    ],
    ["qa never reissues", qa1, "payout.reissue", { decidedBy: "a1" }, false],
    [
      "second approval by another finance",
      fin2,
      "payout.approve_second",
      { decidedBy: "q1", firstApprovedBy: "f1" },
      true,
    ],
    [
      "second approval by the first approver",
      fin1,
      "payout.approve_second",
      { decidedBy: "q1", firstApprovedBy: "f1" },
      false,
    ],
    [
      "second approval by the decider",
      fin2,
      "payout.approve_second",
      { decidedBy: "f2", firstApprovedBy: "f1" },
      false,
    ],
    [
      "second approval with no first approval",
      fin2,
      "payout.approve_second",
      { decidedBy: "q1", firstApprovedBy: null },
      false,
    ],
    [
      "second approval, first approver unknown",
      fin2,
      "payout.approve_second",
      { decidedBy: "q1" },
      false,
    ],
    [
      "second approval, decider unknown",
      fin2,
      "payout.approve_second",
      { firstApprovedBy: "f1" },
      false,
    ],
    [
      "second approval of an automatic decision",
      fin2,
      "payout.approve_second",
      { decidedBy: null, firstApprovedBy: "f1" },
      true,
    ],
    [
      "admin as second approver",
      adm,
      "payout.approve_second",
      { decidedBy: "q1", firstApprovedBy: "f1" },
      true,
    ],
    [
      "admin as second after its own first approval",
      adm,
      "payout.approve_second",
      { decidedBy: "q1", firstApprovedBy: "a1" },
      false,
    ],
    [
      "admin as second on its own decision",
      adm,
      "payout.approve_second",
      { decidedBy: "a1", firstApprovedBy: "f1" },
      false,
    ],
    [
      "qa never approves",
      qa1,
      "payout.approve_second",
      { decidedBy: "a1", firstApprovedBy: "f1" },
      false,
    ],
    ["finance reads a payout of its own decision", fin1, "payout.read", { decidedBy: "f1" }, true],
  ] as const)("%s", (_label, actor, action, resource, want) => {
    expect(can(actor, action, resource)).toBe(want);
    expect(visibleOrNotFound(actor, action, resource)).toBe(want ? "ok" : "forbidden");
  });
});

describe("properties", () => {
  const action = fc.constantFrom(...ACTIONS);
  const id = fc.constantFrom("c-A", "c-B", "u-A", "u-B", "f1", "q1", "", "__proto__");
  const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const resource: fc.Arbitrary<Resource> = fc.record(
    {
      clientId: maybe(fc.option(id, { nil: null })),
      userId: maybe(id),
      decidedBy: maybe(fc.option(id, { nil: null })),
      firstApprovedBy: maybe(fc.option(id, { nil: null })),
    },
    { requiredKeys: [] },
  );
  const actor: fc.Arbitrary<Actor> = fc.oneof(
    fc.constant(ANONYMOUS),
    fc.record({ role: fc.constant("client" as const), clientId: id, userId: id }),
    fc.record({
      role: fc.constantFrom("qa" as const, "finance" as const, "admin" as const),
      userId: id,
    }),
    fc.record({
      role: fc.constant("api_token" as const),
      tokenId: id,
      scopes: fc.array(fc.oneof(fc.constantFrom(...TOKEN_SCOPES), fc.string())),
    }),
  );

  it("visibleOrNotFound is ok exactly when can is true", () => {
    fc.assert(
      fc.property(actor, action, resource, (a, act, r) => {
        expect(visibleOrNotFound(a, act, r) === "ok").toBe(can(a, act, r));
      }),
    );
  });

  it("anonymous may do nothing", () => {
    fc.assert(
      fc.property(action, resource, (act, r) => {
        expect(can(ANONYMOUS, act, r)).toBe(false);
        expect(visibleOrNotFound(ANONYMOUS, act, r)).toBe("unauthenticated");
      }),
    );
  });

  it("a client reaches nothing of another client, and learns only not_found", () => {
    fc.assert(
      fc.property(id, id, action, resource, (mine, theirs, act, r) => {
        // Not about a client's resource: the policy, and one's own sessions.
        fc.pre(mine !== theirs && act !== "policy.read" && act !== "session.manage_own");
        const me: Actor = { role: "client", clientId: mine, userId: `user-of-${mine}` };
        const foreign = { ...r, clientId: theirs, userId: `user-of-${theirs}` };
        expect(can(me, act, foreign)).toBe(false);
        expect(visibleOrNotFound(me, act, foreign)).toBe("not_found");
      }),
    );
  });

  it("staff and token answers do not depend on which client owns the resource", () => {
    fc.assert(
      fc.property(actor, action, resource, id, (a, act, r, other) => {
        fc.pre(a.role !== "client");
        expect(can(a, act, { ...r, clientId: other })).toBe(can(a, act, r));
      }),
    );
  });

  it("nobody executes or second-approves a payout for a decision they made", () => {
    fc.assert(
      fc.property(actor, resource, (a, r) => {
        const uid = userIdOf(a);
        fc.pre(uid !== null);
        const mine = { ...r, decidedBy: uid };
        expect(can(a, "payout.execute", mine)).toBe(false);
        expect(can(a, "payout.approve_second", mine)).toBe(false);
        expect(can(a, "payout.approve_second", { ...r, firstApprovedBy: uid })).toBe(false);
      }),
    );
  });
});

describe("actor helpers", () => {
  it.each([
    [ANONYMOUS, "anonymous", null, false],
    [clientA, "user:u-A", "u-A", false],
    [qa, "user:u-qa", "u-qa", true],
    [finance, "user:u-fin", "u-fin", true],
    [admin, "user:u-admin", "u-admin", true],
    [tokenAll, "token:t-all", null, false],
  ] as const)("%o", (a, ref, uid, staff) => {
    expect(actorRef(a)).toBe(ref);
    expect(userIdOf(a)).toBe(uid);
    expect(isStaff(a)).toBe(staff);
  });
});

describe("listScope", () => {
  it("gives a client its own client's resources, staff every client's, others nothing", () => {
    expect(listScope(clientA, "payout.read")).toEqual({ clientId: "c-A" });
    expect(listScope(qa, "payout.read")).toBe("all");
    expect(listScope(finance, "payout.execute")).toBe("all");
    expect(listScope(qa, "payout.execute")).toBeNull();
    expect(listScope(clientA, "payout.execute")).toBeNull();
    expect(listScope(ANONYMOUS, "payout.read")).toBeNull();
    expect(listScope(tokenAll, "payout.read")).toBeNull();
    expect(listScope(tokenAll, "order.read")).toBe("all");
  });

  it("agrees with the matrix: a scope exactly when some resource of the action is allowed", () => {
    for (const [name, a] of Object.entries(ACTORS) as [ActorName, Actor][]) {
      for (const action of ACTIONS) {
        const row = MATRIX[action];
        const some = expected(name, action, true) || expected(name, action, false);
        expect(listScope(a, action) !== null, `${name} ${action} ${JSON.stringify(row)}`).toBe(
          some,
        );
      }
    }
  });
});

describe("payoutDutyRefusal", () => {
  const fin = { role: "finance", userId: "u-fin" } as const;
  it("says why four-eyes refuses, in plain words", () => {
    expect(
      payoutDutyRefusal(fin, "payout.approve_second", {
        decidedBy: "u-qa",
        firstApprovedBy: "u-fin",
      }),
    ).toBe(
      "you already approved this payout; a different finance person must give the second approval",
    );
    expect(payoutDutyRefusal(fin, "payout.execute", { decidedBy: "u-fin" })).toMatch(
      /you made the decision/,
    );
    expect(
      payoutDutyRefusal(fin, "payout.approve_second", {
        decidedBy: "u-qa",
        firstApprovedBy: "u-2",
      }),
    ).toBeNull();
    expect(payoutDutyRefusal(ANONYMOUS, "payout.execute", { decidedBy: "u-qa" })).toBeNull();
  });
});

describe("refusal", () => {
  it("says in words what was refused and who may, never a bare action id", () => {
    expect(refusal({ role: "qa", userId: "u" }, "payout.approve_second")).toBe(
      "Your role (qa) may not give the second (four-eyes) approval of a payout: not its decider, not its first approver. Only finance or admin may.",
    );
    expect(refusal({ role: "client", clientId: "c", userId: "u" }, "user.list")).toBe(
      "Your role (client) may not list user accounts by role or client, to read their names (staff). Only qa, finance or admin may.",
    );
    expect(refusal({ role: "api_token", tokenId: "t", scopes: [] }, "payment.write")).toBe(
      "This API token may not record or change a payment (integrations and admins): it needs the payments:write scope.",
    );
    expect(refusal({ role: "api_token", tokenId: "t", scopes: [] }, "request.decide")).toMatch(
      /^An API token may not approve, deny, or offer an alternative/,
    );
    expect(refusal(ANONYMOUS, "policy.read")).toBe(
      "Sign in (or send an API token) to read the refund policy in force.",
    );
    for (const action of ACTIONS) {
      for (const role of ["client", "qa", "finance", "admin"] as const) {
        const actor =
          role === "client"
            ? ({ role, clientId: "c", userId: "u" } as const)
            : ({ role, userId: "u" } as const);
        const words = refusal(actor, action);
        expect(words).not.toContain(action);
        expect(words).toMatch(/^Your role \((client|qa|finance|admin)\) may not [a-z]/);
      }
    }
  });
});
