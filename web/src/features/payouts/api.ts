// Finance's payout API: the list per tab (the same filters the summary counts), the summary, one
// payout, and the CSV export's address with the filters in force.

import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../shared/api/client";
import type { components, paths } from "../../shared/api/schema";
import "../../shared/i18n/console";
import type { Method, Tab } from "./search";

export type Payout = components["schemas"]["Payout"];
export type PayoutAction = components["schemas"]["PayoutAction"];
export type PayoutSummary = components["schemas"]["PayoutSummary"];

type Filter = {
  deadline?: "due_today" | "overdue" | "at_risk" | "needs_action" | "open";
  awaiting?: "approval" | "second_approval" | "record" | "destination";
};

/** The API filter a tab stands for. */
export function filterOf(tab: Tab): Filter {
  switch (tab) {
    case "needs_action":
    case "due_today":
    case "overdue":
    case "at_risk":
      return { deadline: tab };
    case "approval":
    case "second_approval":
    case "record":
    case "destination":
      return { awaiting: tab };
    case "all":
      return { deadline: "open" };
  }
}

/** A tab's count in the summary (null: no count, e.g. all open payouts). */
export function countOf(tab: Tab, s: PayoutSummary): number | null {
  switch (tab) {
    case "needs_action":
      return s.needsAction ?? 0;
    case "due_today":
      return s.dueToday ?? 0;
    case "overdue":
      return s.overdue ?? 0;
    case "at_risk":
      return s.atRisk ?? 0;
    case "approval":
      return s.awaitingApproval ?? 0;
    case "second_approval":
      return s.awaitingSecondApproval ?? 0;
    case "record":
      return s.awaitingRecord ?? 0;
    case "destination":
      return s.awaitingDestination ?? 0;
    case "all":
      return null;
  }
}

export const summaryQuery = queryOptions({
  queryKey: ["payouts", "summary"],
  queryFn: async () => unwrap(await api.GET("/api/v1/payouts/summary")),
});

export function payoutListQuery(tab: Tab, method: Method | undefined) {
  return queryOptions({
    queryKey: ["payouts", "list", tab, method ?? null],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/payouts", {
          params: {
            query: { ...filterOf(tab), ...(method === undefined ? {} : { method }), limit: "200" },
          },
        }),
      ),
  });
}

export function payoutQuery(id: string) {
  return queryOptions({
    queryKey: ["payouts", "one", id],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/payouts/{id}", { params: { path: { id } } })),
  });
}

/** The CSV export of exactly the list a tab (and method) shows. */
export function exportHref(tab: Tab, method: Method | undefined): string {
  const query = new URLSearchParams(filterOf(tab));
  if (method !== undefined) query.set("method", method);
  return `/api/v1/payouts/export.csv?${query.toString()}`;
}

/** finance's writes to one payout (each a POST below /payouts/{id}/, answering the payout). */
type PayoutWrite = "approve" | "retry" | "record" | "reissue" | "record-outside";
type WritePath<W extends PayoutWrite> = `/api/v1/payouts/{id}/${W}`;
type WriteBody<W extends PayoutWrite> =
  paths[WritePath<W>]["post"]["requestBody"]["content"]["application/json"];

/**
 * One write to a payout, with the version the page read (a changed payout answers 409): the
 * answer is the payout as the write left it (`reissue`: the new payout).
 */
export async function writePayout<W extends PayoutWrite>(
  payout: Pick<Payout, "id" | "version">,
  write: W,
  body: Omit<WriteBody<W>, "expectedVersion">,
): Promise<Payout> {
  const path: WritePath<W> = `/api/v1/payouts/{id}/${write}`;
  return unwrap(
    await api.POST(path as WritePath<"approve">, {
      params: { path: { id: payout.id } },
      // The body's type is the one of `write`'s path (checked above); one cast for the union.
      body: { ...body, expectedVersion: payout.version } as WriteBody<"approve">,
    }),
  );
}
