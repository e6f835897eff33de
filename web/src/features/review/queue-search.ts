// The review queue's state in the URL (TanStack Router search params): filters, sort and the page
// cursor, validated so that a bookmarked or hand-edited URL never reaches the API with a value it
// would refuse. Pure and dependency-free: the router imports it without pulling the console in.

export const QUEUE_STATUSES = [
  "triage",
  "submitted",
  "in_review",
  "info_requested",
  "approved",
  "denied",
  "alternative_offered",
  "alternative_accepted",
  "withdrawn",
] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

export const QUEUE_REASONS = [
  "not_delivered",
  "duplicate_payment",
  "mismatch",
  "unused_subscription",
  "other",
] as const;
export type QueueReason = (typeof QUEUE_REASONS)[number];

export const QUEUE_OUTCOMES = ["refund", "review", "deny", "incomplete"] as const;
export type QueueOutcome = (typeof QUEUE_OUTCOMES)[number];

/** Deadline flags the API filters on: the client's answer is late; waiting on QA too long. */
export const QUEUE_FLAGS = ["reply_overdue", "at_risk"] as const;
export type QueueFlag = (typeof QUEUE_FLAGS)[number];

/** Whose move it is; `any` shows every request (the API's filter left out). */
export const QUEUE_WAITING = ["qa", "client", "finance", "any"] as const;
export type QueueWaiting = (typeof QUEUE_WAITING)[number];

export const QUEUE_SORTS = ["newest", "age", "window_end", "last_client_reply"] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];

/** The queue's search params. Absent means the default (waiting on QA, newest first). */
export interface QueueSearch {
  /** Statuses, comma-separated in the canonical order (e.g. "submitted,in_review"). */
  status?: string;
  reason?: QueueReason;
  outcome?: QueueOutcome;
  flag?: QueueFlag;
  waitingOn?: QueueWaiting;
  /** `me`, `unassigned` or a reviewer's user id. */
  assignee?: string;
  clientId?: string;
  orderId?: string;
  sort?: QueueSort;
  /** The API's nextCursor of the previous page. */
  cursor?: string;
}

/** Where the queue opens: what waits on QA. */
export const DEFAULT_WAITING: QueueWaiting = "qa";

function oneOf<T extends string>(values: readonly T[], v: unknown): T | undefined {
  return typeof v === "string" && (values as readonly string[]).includes(v) ? (v as T) : undefined;
}

/** An id-like text (no control characters, within the API's 200 characters), trimmed. */
function idText(v: unknown, max = 200): string | undefined {
  if (typeof v !== "string" && typeof v !== "number") return undefined;
  const s = String(v).trim();
  // eslint-disable-next-line no-control-regex
  return s.length > 0 && s.length <= max && !/[\u0000-\u001f\u007f]/.test(s) ? s : undefined;
}

/** The statuses of a `status` param: known ones only, once each, in the canonical order. */
export function statusesOf(status: string | undefined): QueueStatus[] {
  if (status === undefined) return [];
  const wanted = new Set(status.split(",").map((s) => s.trim()));
  return QUEUE_STATUSES.filter((s) => wanted.has(s));
}

/** The `status` param for a set of statuses (undefined when none: no status filter). */
export function statusParam(statuses: readonly string[]): string | undefined {
  const s = statusesOf(statuses.join(","));
  return s.length === 0 ? undefined : s.join(",");
}

/**
 * The validated search: unknown keys dropped, bad values dropped (never an error page for a
 * mistyped URL), statuses normalised. Arrays (`?status=a&status=b` parsed as JSON) are accepted.
 */
export function validateQueueSearch(raw: Record<string, unknown>): QueueSearch {
  const out: QueueSearch = {};
  const rawStatus = Array.isArray(raw["status"]) ? raw["status"].join(",") : raw["status"];
  const status = typeof rawStatus === "string" ? statusParam(rawStatus.split(",")) : undefined;
  if (status !== undefined) out.status = status;
  const reason = oneOf(QUEUE_REASONS, raw["reason"]);
  if (reason !== undefined) out.reason = reason;
  const outcome = oneOf(QUEUE_OUTCOMES, raw["outcome"]);
  if (outcome !== undefined) out.outcome = outcome;
  const flag = oneOf(QUEUE_FLAGS, raw["flag"]);
  if (flag !== undefined) out.flag = flag;
  const waitingOn = oneOf(QUEUE_WAITING, raw["waitingOn"]);
  if (waitingOn !== undefined && waitingOn !== DEFAULT_WAITING) out.waitingOn = waitingOn;
  const assignee = idText(raw["assignee"]);
  if (assignee !== undefined) out.assignee = assignee;
  const clientId = idText(raw["clientId"]);
  if (clientId !== undefined) out.clientId = clientId;
  const orderId = idText(raw["orderId"]);
  if (orderId !== undefined) out.orderId = orderId;
  const sort = oneOf(QUEUE_SORTS, raw["sort"]);
  if (sort !== undefined && sort !== "newest") out.sort = sort;
  const cursor = idText(raw["cursor"], 400);
  if (cursor !== undefined) out.cursor = cursor;
  return out;
}

/** The filters of the API's list and counts (both take the same ones, counts without status). */
export interface QueueApiFilters {
  waitingOn?: "qa" | "client" | "finance";
  assignee?: string;
  reason?: QueueReason;
  recommendedOutcome?: QueueOutcome;
  flag?: QueueFlag;
  clientId?: string;
  orderId?: string;
}

/** The filters in force, as the API names them (for GET /requests/counts). */
export function apiFiltersOf(search: QueueSearch): QueueApiFilters {
  const waiting = search.waitingOn ?? DEFAULT_WAITING;
  const out: QueueApiFilters = {};
  if (waiting !== "any") out.waitingOn = waiting;
  if (search.assignee !== undefined) out.assignee = search.assignee;
  if (search.reason !== undefined) out.reason = search.reason;
  if (search.outcome !== undefined) out.recommendedOutcome = search.outcome;
  if (search.flag !== undefined) out.flag = search.flag;
  if (search.clientId !== undefined) out.clientId = search.clientId;
  if (search.orderId !== undefined) out.orderId = search.orderId;
  return out;
}

/** The query of GET /requests for one page of the queue. */
export function apiListQueryOf(
  search: QueueSearch,
  limit: number,
): QueueApiFilters & { status?: string; sort?: QueueSort; cursor?: string; limit: string } {
  return {
    ...apiFiltersOf(search),
    ...(search.status === undefined ? {} : { status: search.status }),
    ...(search.sort === undefined ? {} : { sort: search.sort }),
    ...(search.cursor === undefined ? {} : { cursor: search.cursor }),
    limit: String(limit),
  };
}

/** A change of filters or sort starts again from the first page. */
export function withFilters(search: QueueSearch, change: Partial<QueueSearch>): QueueSearch {
  const next: Record<string, unknown> = { ...search, ...change };
  delete next["cursor"];
  return validateQueueSearch(next);
}

/** Saved views: one click to the filters a QA specialist uses every day. */
export const QUEUE_VIEWS = [
  { id: "waitingOnQa", search: {} },
  { id: "mine", search: { assignee: "me" } },
  { id: "unassigned", search: { assignee: "unassigned" } },
  { id: "waitingOnClient", search: { waitingOn: "client" } },
  { id: "all", search: { waitingOn: "any" } },
] as const satisfies readonly { id: string; search: QueueSearch }[];
export type QueueViewId = (typeof QUEUE_VIEWS)[number]["id"];

/** The saved view the search is exactly (filters only; sort and cursor aside), if any. */
export function viewOf(search: QueueSearch): QueueViewId | null {
  const filters = { ...search };
  delete filters.sort;
  delete filters.cursor;
  const key = JSON.stringify(validateQueueSearch(filters));
  for (const v of QUEUE_VIEWS) {
    if (JSON.stringify(validateQueueSearch(v.search)) === key) return v.id;
  }
  return null;
}
