// The payouts list's URL state (tab and method), validated: unknown values are dropped, so any URL
// opens a valid view. Kept apart from the page so the router does not load the page's chunk.

/** The tabs of the working list, each a filter of `GET /payouts` and a count of the summary. */
export const TABS = [
  "needs_action",
  "due_today",
  "overdue",
  "at_risk",
  "approval",
  "second_approval",
  "record",
  "destination",
  "all",
] as const;
export type Tab = (typeof TABS)[number];

export function isTab(value: unknown): value is Tab {
  return typeof value === "string" && (TABS as readonly string[]).includes(value);
}

export const METHODS = ["card", "bank_transfer", "crypto", "other"] as const;
export type Method = (typeof METHODS)[number];

export function isMethod(value: unknown): value is Method {
  return typeof value === "string" && (METHODS as readonly string[]).includes(value);
}

export interface PayoutsSearch {
  tab?: Tab;
  method?: Method;
}

export function validatePayoutsSearch(search: Record<string, unknown>): PayoutsSearch {
  return {
    ...(isTab(search["tab"]) ? { tab: search["tab"] } : {}),
    ...(isMethod(search["method"]) ? { method: search["method"] } : {}),
  };
}
