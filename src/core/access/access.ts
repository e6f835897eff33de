// Who may do what. Pure: the shell authenticates, loads the resource and asks; nothing here reads a
// session, a database or a clock. Every route declares one action from ACTIONS.

/** Every action a route may declare, with what it allows (the HTTP layer can list them in OpenAPI). */
export const ACTION_DESCRIPTIONS = {
  "order.read": "Read an order and its service facts.",
  "order.write": "Create or change an order (integrations and admins).",
  "payment.read": "Read a payment recorded against an order.",
  "payment.write": "Record or change a payment (integrations and admins).",
  "event.read": "Read a service event (client blocker, external incident, internal fault).",
  "event.write": "Record or change a service event (integrations and admins).",
  "request.create": "Open a refund request on an order.",
  "request.read": "Read one refund request with its recommendation and decision.",
  "request.list": "List refund requests: a client only its own, staff every client's.",
  "request.list_all": "List refund requests across every client (staff queues).",
  "request.withdraw": "Withdraw a refund request before it is decided.",
  "request.answer": "Answer the reviewer's question on a refund request.",
  "request.accept_alternative": "Accept the alternative offered instead of a refund.",
  "request.decline_alternative":
    "Decline the alternative offered and return the request to review.",
  "request.classify":
    "Say the reason of a request made from an e-mail that did not say it plainly (status triage), which submits it to the engine (reviewers).",
  "request.start_review":
    "Take a submitted request into review, or resume review after a question.",
  "request.request_info": "Ask the client a question about a request under review.",
  "request.decide": "Approve, deny, or offer an alternative on a request under review.",
  "request.assign": "Claim a request, assign it to a reviewer, or unassign it (reviewers).",
  "request.note": "Write or read internal notes on a request (staff only; clients never see them).",
  "request.appeal": "Contest a denial once, within the policy's appeal window.",
  "request.reopen":
    "Reopen a request whose accepted alternative was not delivered by its due date.",
  "request.fulfil_follow_up": "Record that an accepted alternative was delivered.",
  "attachment.read": "Download an attachment of a refund request.",
  "attachment.create": "Upload an attachment to a refund request.",
  "message.read": "Read the messages (questions and answers) of a refund request.",
  "message.create": "Write a message on a refund request.",
  "mail.triage":
    "Read the e-mail the desk could not file by itself (unknown sender, order or reason unclear, quarantined, refused) and resolve it: assign to a client, attach to a request, classify the reason, discard (reviewers).",
  "user.read": "Read a user account (clients: only their own).",
  "user.write": "Create or change a user account, its role or its password.",
  "user.list": "List user accounts by role or client, to read their names (staff).",
  "client.read": "Read a client company and its contacts (staff; a client its own).",
  "client.write": "Create, rename or archive a client company (admins).",
  "session.manage_own": "See and end one's own sessions.",
  "session.manage_any": "See and end any person's sessions (admins).",
  "policy.read": "Read the refund policy in force.",
  "policy.history":
    "Read the published policy versions (scheduled, in force, past, withdrawn) and the differences between two (staff).",
  "policy.publish":
    "Publish a policy version effective from a future instant, or withdraw one before it takes effect (admins).",
  "policy.simulate":
    "Run a what-if simulation of a candidate policy over the stored requests, and read the simulations (admins).",
  "audit.read": "Read the audit trail.",
  "report.read":
    "Read the reports (volumes, decisions against the recommendation, money sent, deadlines, speed, duplicates) and their CSV (staff).",
  "payout.read": "Read a payout and its due window.",
  "payout.execute": "Execute a payout (first approval), never for a decision one made oneself.",
  "payout.approve_second":
    "Give the second (four-eyes) approval of a payout: not its decider, not its first approver.",
  "payout.set_destination":
    "Give the crypto address (or, for a payout reissued by transfer, the bank details) one's own refund is to be paid to.",
  "payout.reissue":
    "Reissue a failed payout by another method (justified; never for a decision one made oneself).",
  "payout.record_outside":
    "Record a failed payout as paid outside the system, with proof (never for one's own decision).",
  "dispute.read":
    "List card disputes (chargebacks) with their due dates and status, and read one with its evidence draft (finance and admins).",
  "dispute.write":
    "Edit a dispute's evidence draft and submit it to the card provider before its due date (finance and admins).",
  "webhook.read": "List the outbound webhook endpoints and their deliveries (admins).",
  "webhook.write": "Register, change or delete an outbound webhook endpoint (admins).",
  "metrics.read":
    "Scrape the service's Prometheus metrics at /metrics (admins, or an API token with metrics:read).",
  "privacy.export":
    "Export everything held about a client contact as one archive (admins, on the person's request).",
  "privacy.erase":
    "Erase a client contact's personal data, keeping the financial records and the audit chain (admins).",
} as const satisfies Record<string, string>;

/** A permission a route declares; a closed union (see ACTION_DESCRIPTIONS for each one's meaning). */
export type Action = keyof typeof ACTION_DESCRIPTIONS;

/** All actions, so a test of the HTTP layer can check that every route declares one of them. */
export const ACTIONS: readonly Action[] = Object.freeze(
  Object.keys(ACTION_DESCRIPTIONS) as Action[],
);

/** Scopes an API token may carry; each names exactly one action. */
export const TOKEN_SCOPES = [
  "orders:read",
  "orders:write",
  "payments:read",
  "payments:write",
  "events:read",
  "events:write",
  "metrics:read",
] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

const SCOPE_ACTION: Readonly<Record<TokenScope, Action>> = {
  "orders:read": "order.read",
  "orders:write": "order.write",
  "payments:read": "payment.read",
  "payments:write": "payment.write",
  "events:read": "event.read",
  "events:write": "event.write",
  "metrics:read": "metrics.read",
};

/** The token scope that grants `action`, or null when no API token may perform it. */
export function scopeFor(action: Action): TokenScope | null {
  for (const scope of TOKEN_SCOPES) if (SCOPE_ACTION[scope] === action) return scope;
  return null;
}

export const STAFF_ROLES = ["qa", "finance", "admin"] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Whoever is calling: nobody, a client's user, a staff member, or a system holding an API token. */
export type Actor =
  | { readonly role: "anonymous" }
  | { readonly role: "client"; readonly clientId: string; readonly userId: string }
  | { readonly role: StaffRole; readonly userId: string }
  | { readonly role: "api_token"; readonly tokenId: string; readonly scopes: readonly string[] };

/** The caller before sign-in. */
export const ANONYMOUS: Actor = Object.freeze({ role: "anonymous" });

/**
 * The user the audit trail and decisions name when no person acted: automatic approvals of
 * duplicate payments, and provider events (webhooks). Migration 0003 creates it, disabled (nobody
 * can sign in as it).
 */
export const SYSTEM_USER_ID = "usr_system";

/** The system user as an actor, with an admin's rights (see SYSTEM_USER_ID). */
export const SYSTEM_ACTOR: Actor = Object.freeze({ role: "admin", userId: SYSTEM_USER_ID });

/**
 * What `can` needs to know about the thing acted on. Fields the action does not look at may be
 * left out; a field an action needs that is missing (undefined) refuses (fail closed).
 */
export interface Resource {
  /** The client the resource belongs to (order, payment, request, attachment, message, payout). */
  readonly clientId?: string | null;
  /** user.*: the user account the resource is. */
  readonly userId?: string;
  /** payout.*: who made the decision the payout carries out; null when no person decided. */
  readonly decidedBy?: string | null;
  /** payout.approve_second: who gave the first approval (executed it); null when nobody has yet. */
  readonly firstApprovedBy?: string | null;
}

const NO_RESOURCE: Resource = Object.freeze({});

// What a client may do, always only on what is its own.
const CLIENT_OWN: ReadonlySet<Action> = new Set<Action>([
  "order.read",
  "payment.read",
  "request.create",
  "request.read",
  "request.list",
  "request.withdraw",
  "request.answer",
  "request.accept_alternative",
  "request.decline_alternative",
  "request.appeal",
  "request.reopen",
  "attachment.read",
  "attachment.create",
  "message.read",
  "message.create",
  "user.read",
  "client.read",
  "payout.read",
  "payout.set_destination",
  "policy.read",
  "session.manage_own",
]);

// Actions of a client whose resource carries no owner: allowed to every signed-in client.
const CLIENT_UNOWNED: ReadonlySet<Action> = new Set<Action>(["policy.read", "session.manage_own"]);

const QA: ReadonlySet<Action> = new Set<Action>([
  "order.read",
  "payment.read",
  "event.read",
  "request.read",
  "request.list",
  "request.list_all",
  "request.classify",
  "request.start_review",
  "request.request_info",
  "request.decide",
  "request.assign",
  "request.note",
  "request.fulfil_follow_up",
  "attachment.read",
  "attachment.create",
  "message.read",
  "message.create",
  "mail.triage",
  "user.read",
  "user.list",
  "client.read",
  "policy.read",
  "policy.history",
  "payout.read",
  "report.read",
  "session.manage_own",
]);

const FINANCE: ReadonlySet<Action> = new Set<Action>([
  // The order is read so finance sees what a payout refunds; events, attachments and messages stay
  // with the reviewers.
  "order.read",
  "payment.read",
  "request.read",
  "request.list",
  "request.list_all",
  "user.read",
  "user.list",
  "client.read",
  "policy.read",
  "policy.history",
  "payout.read",
  "payout.execute",
  "payout.approve_second",
  "payout.reissue",
  "payout.record_outside",
  "dispute.read",
  "dispute.write",
  "report.read",
  "session.manage_own",
]);

const ADMIN: ReadonlySet<Action> = new Set<Action>(ACTIONS);

const STAFF: Readonly<Record<StaffRole, ReadonlySet<Action>>> = {
  qa: QA,
  finance: FINANCE,
  admin: ADMIN,
};

/** True when `action` is in the closed list (for input that arrives as a plain string). */
export function isAction(value: string): value is Action {
  return Object.hasOwn(ACTION_DESCRIPTIONS, value);
}

/** True for qa, finance and admin. */
export function isStaff(actor: Actor): actor is Extract<Actor, { role: StaffRole }> {
  return actor.role === "qa" || actor.role === "finance" || actor.role === "admin";
}

/** A stable reference to the actor for audit rows: `user:<id>`, `token:<id>` or `anonymous`. */
export function actorRef(actor: Actor): string {
  switch (actor.role) {
    case "anonymous":
      return "anonymous";
    case "api_token":
      return `token:${actor.tokenId}`;
    case "client":
    case "qa":
    case "finance":
    case "admin":
      return `user:${actor.userId}`;
  }
}

/** The signed-in user's id, or null for anonymous callers and API tokens. */
export function userIdOf(actor: Actor): string | null {
  return actor.role === "anonymous" || actor.role === "api_token" ? null : actor.userId;
}

/** True when the resource is the client's own (user.*: the user itself; else: same clientId). */
function ownedByClient(actor: Extract<Actor, { role: "client" }>, action: Action, r: Resource) {
  if (action === "user.read" || action === "user.write") return r.userId === actor.userId;
  return typeof r.clientId === "string" && r.clientId === actor.clientId;
}

/** Four-eyes and separation of duties on payouts, for every role that may act on them. */
function payoutDutiesAllow(userId: string, action: Action, r: Resource): boolean {
  if (
    action === "payout.execute" ||
    action === "payout.reissue" ||
    action === "payout.record_outside"
  ) {
    return r.decidedBy !== undefined && r.decidedBy !== userId;
  }
  if (action === "payout.approve_second") {
    return (
      r.decidedBy !== undefined &&
      r.decidedBy !== userId &&
      typeof r.firstApprovedBy === "string" &&
      r.firstApprovedBy !== userId
    );
  }
  return true;
}

/** Which four-eyes rule refuses a payout action to this person (null: not refused so). */
export function payoutDutyBreach(
  actor: Actor,
  action: Action,
  r: Resource,
): "own_decision" | "gave_first_approval" | null {
  const duties = [
    "payout.execute",
    "payout.approve_second",
    "payout.reissue",
    "payout.record_outside",
  ];
  if (!isStaff(actor) || !duties.includes(action)) return null;
  if (r.decidedBy === actor.userId) return "own_decision";
  if (action === "payout.approve_second" && r.firstApprovedBy === actor.userId) {
    return "gave_first_approval";
  }
  return null;
}

/** Why four-eyes refuses a payout approval to this person, in plain words (null: not refused so). */
export function payoutDutyRefusal(actor: Actor, action: Action, r: Resource): string | null {
  switch (payoutDutyBreach(actor, action, r)) {
    case "own_decision":
      return "you made the decision this payout carries out; a different finance person must act on it";
    case "gave_first_approval":
      return "you already approved this payout; a different finance person must give the second approval";
    case null:
      return null;
  }
}

/** May `actor` perform `action` on `resource`? Pure; unknown or missing facts refuse. */
export function can(actor: Actor, action: Action, resource: Resource = NO_RESOURCE): boolean {
  switch (actor.role) {
    case "anonymous":
      return false;
    case "api_token":
      return actor.scopes.some(
        (s) => Object.hasOwn(SCOPE_ACTION, s) && SCOPE_ACTION[s as TokenScope] === action,
      );
    case "client":
      if (!CLIENT_OWN.has(action)) return false;
      if (CLIENT_UNOWNED.has(action)) return true;
      return ownedByClient(actor, action, resource);
    case "qa":
    case "finance":
    case "admin":
      return STAFF[actor.role].has(action) && payoutDutiesAllow(actor.userId, action, resource);
  }
}

/** Whose resources a list may show: one client's, or every client's. */
export type ListScope = { readonly clientId: string } | "all";

/**
 * Whose resources `actor` may list or count under `action`: a client only its own client's; a role
 * that may do `action` on any client's resource, every client's; null when the role may not do
 * `action` at all. The one answer list use cases filter by (no `role === "client"` in the shell).
 */
export function listScope(actor: Actor, action: Action): ListScope | null {
  if (!roleAllows(actor, action)) return null;
  return actor.role === "client" ? { clientId: actor.clientId } : "all";
}

/** How the HTTP layer answers a refusal: `unauthenticated` -> 401, `forbidden` -> 403, `not_found` -> 404. */
export type Visibility = "ok" | "not_found" | "forbidden" | "unauthenticated";

/**
 * `ok` when allowed. Otherwise a client gets `not_found` for anything not its own, exactly like a
 * missing id (ids leak nothing), and `forbidden` only on its own resource; staff and tokens get
 * `forbidden`; anonymous callers `unauthenticated`.
 */
export function visibleOrNotFound(
  actor: Actor,
  action: Action,
  resource: Resource = NO_RESOURCE,
): Visibility {
  if (can(actor, action, resource)) return "ok";
  switch (actor.role) {
    case "anonymous":
      return "unauthenticated";
    case "client":
      return ownedByClient(actor, action, resource) ? "forbidden" : "not_found";
    case "api_token":
    case "qa":
    case "finance":
    case "admin":
      return "forbidden";
  }
}

/** The roles that may ever perform `action` (a client only on what is its own). */
export function rolesAllowing(action: Action): string[] {
  const roles: string[] = [];
  if (CLIENT_OWN.has(action)) roles.push("client");
  for (const role of STAFF_ROLES) if (STAFF[role].has(action)) roles.push(role);
  return roles;
}

/**
 * Why `actor` may not perform `action`, in words for people (a 403's detail): the action as
 * ACTION_DESCRIPTIONS says it and who may, never a bare action id. Refusals with a reason of their
 * own (four-eyes) come from payoutDutyRefusal.
 */
export function refusal(actor: Actor | null, action: Action): string {
  const text = ACTION_DESCRIPTIONS[action].replace(/\.$/, "");
  const what = text.charAt(0).toLowerCase() + text.slice(1);
  const who = rolesAllowing(action);
  const may =
    who.length === 0
      ? ""
      : ` Only ${who.length === 1 ? who[0] : `${who.slice(0, -1).join(", ")} or ${who.at(-1)}`} may.`;
  if (actor === null) return `Your role may not ${what}.${may}`;
  switch (actor.role) {
    case "anonymous":
      return `Sign in (or send an API token) to ${what}.`;
    case "api_token": {
      const scope = scopeFor(action);
      return scope === null
        ? `An API token may not ${what}; a person who may must sign in.`
        : `This API token may not ${what}: it needs the ${scope} scope.`;
    }
    case "client":
    case "qa":
    case "finance":
    case "admin":
      return `Your role (${actor.role}) may not ${what}.${may}`;
  }
}

/**
 * Whether the actor's role may ever perform `action`, whatever the resource: the route-level check
 * made before any id is looked up (so its answer says nothing about which ids exist).
 */
export function roleAllows(actor: Actor, action: Action): boolean {
  switch (actor.role) {
    case "anonymous":
      return false;
    case "api_token":
      return can(actor, action);
    case "client":
      return CLIENT_OWN.has(action);
    case "qa":
    case "finance":
    case "admin":
      return STAFF[actor.role].has(action);
  }
}
