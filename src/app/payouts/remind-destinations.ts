// The worker's reminder (issue 11, bug 5): a payout still waiting for the client's wallet address
// (crypto) or bank details (a reissue by transfer) 3 business days after the client was asked gets
// one reminder e-mail, with the link to where to give it. Days count in the policy's zone and
// calendar, like every deadline.

import { addBusinessDays, holidayCalendar } from "../../core/calendar/business-days.js";
import { dayInZone, parseDay } from "../../core/calendar/calendar.js";
import { destinationNeeded } from "../../core/payouts/index.js";
import type { PaymentMethod } from "../../core/policy/index.js";
import { appendAudit } from "../../db/audit.js";
import type { AppDeps } from "../context.js";
import { askForDestination, payoutsAwaitingDestination } from "./repository.js";

/** Business days after the request for a destination before the client is reminded. */
export const DESTINATION_REMINDER_BUSINESS_DAYS = 3;

/** Sends the reminders due on `today` (policy zone); returns how many went out. */
export async function remindDestinations(deps: AppDeps, today: string): Promise<number> {
  const day = parseDay(today);
  if (day === undefined) throw new RangeError(`not a date: ${today}`);
  const { params } = await deps.policies.current();
  const cal = holidayCalendar(params.holidays, params.holidayCountry);
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.clock();
    const rows = await payoutsAwaitingDestination(trx);
    let sent = 0;
    for (const r of rows) {
      if (!destinationNeeded(r.method as PaymentMethod, r.reissue_of !== null)) continue;
      const asked = dayInZone(Date.parse(r.destination_asked_at ?? ""), params.timezone);
      if (day < addBusinessDays(asked, DESTINATION_REMINDER_BUSINESS_DAYS, cal)) continue;
      await askForDestination(trx, r, "destination_reminder", now);
      await appendAudit(trx, {
        actor: "system",
        action: "payout.destination_reminded",
        entityType: "payout",
        entityId: r.id,
        summary: { askedAt: r.destination_asked_at, today },
        ip: null,
        at: now,
      });
      sent += 1;
    }
    return sent;
  });
}
