// Finance's list as CSV (`GET /payouts/export.csv`), for bank uploads and reconciliation: the same
// filters and order as the list, every matching payout (up to EXPORT_MAX_ROWS), amounts as decimal
// strings. Fields are quoted per RFC 4180, and a text field that a spreadsheet would read as a
// formula (=, +, -, @, tab, CR first) is prefixed with an apostrophe (CSV injection).

import { holidayCalendar } from "../../core/calendar/business-days.js";
import { formatMinor } from "../../core/money/money.js";
import { awaitingOf, deadlineOf } from "../../core/payouts/index.js";
import { scopeFor } from "../authorize.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import { fromDbMinor } from "../../db/money.js";
import { payoutFilterOf, type ListPayoutsQuery } from "./list-payouts.js";
import { standingOf, todayIn } from "./present.js";
import { findPayoutsPage } from "./payout-list.js";
import { parseApprovals, parseDestination } from "./repository.js";
import { PAYOUT } from "./shared.js";

/** More than this many matching payouts: narrow the filters (409 names the count). */
export const EXPORT_MAX_ROWS = 50_000;

export const EXPORT_COLUMNS = [
  "payout_id",
  "client",
  "order_id",
  "request_id",
  "method",
  "amount",
  "currency",
  "status",
  "awaiting",
  "deadline",
  "due_earliest",
  "due_latest",
  "approvals",
  "approvals_needed",
  "destination",
  "reference",
  "provider_ref",
  "created_at",
  "succeeded_at",
] as const;

/** One CSV field: quoted when needed, formula-looking text defused. */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(fields: readonly (string | number | null)[]): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

/** The CSV text of the payouts the query selects (finance only). */
export async function exportPayouts(
  deps: AppDeps,
  ctx: ActionContext,
  query: Omit<ListPayoutsQuery, "limit" | "cursor">,
): Promise<string> {
  if (scopeFor(ctx.actor, "payout.execute", PAYOUT) !== "all") {
    throw new AppError(
      "forbidden",
      "The payout export lists every client's payouts: it is for finance and admins.",
    );
  }
  const filter = payoutFilterOf(ctx, query);
  const now = deps.clock();
  const policy = await deps.policies.current();
  const today = todayIn(policy, now);
  const cal = holidayCalendar(policy.params.holidays, policy.params.holidayCountry);
  const lines: string[] = [csvLine(EXPORT_COLUMNS)];
  let cursor: string | undefined;
  let count = 0;
  do {
    const page = await findPayoutsPage(deps.db, policy, now, filter, 500, cursor);
    for (const r of page.rows) {
      if (++count > EXPORT_MAX_ROWS) {
        throw new AppError(
          "conflict",
          `more than ${EXPORT_MAX_ROWS} payouts match; narrow the filters (status, deadline, method)`,
        );
      }
      const standing = standingOf(r, policy);
      const d = parseDestination(r.destination);
      lines.push(
        csvLine([
          r.id,
          r.client_name,
          r.order_id,
          r.request_id,
          r.method,
          formatMinor(fromDbMinor(r.amount_minor), r.currency),
          r.currency,
          r.status,
          awaitingOf(standing),
          deadlineOf(standing, today, cal),
          r.due_earliest,
          r.due_latest,
          parseApprovals(r.approvals).length,
          standing.approvalsNeeded,
          d === null ? null : "iban" in d ? d.iban : `${d.network}:${d.address}`,
          r.manual_reference,
          r.provider_ref,
          r.created_at,
          r.succeeded_at,
        ]),
      );
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return lines.join("");
}
