// A request's offered alternative (a core OfferedAlternative) as stored in
// refund_requests.alternative_json, and back: instants as ISO text. The requests repository writes
// it; the notifier reads it for the client's e-mail.

import type { OfferedAlternative } from "../core/requests/index.js";
import { fromDbInstant, fromDbInstantOrNull, toDbInstant, toDbInstantOrNull } from "./time.js";

interface AlternativeJson {
  kind: OfferedAlternative["kind"];
  note: string;
  offeredBy: string;
  offeredAt: string;
  accepted: boolean | null;
  respondedAt: string | null;
  /** After acceptance: the follow-up's due date, owner and fulfilment (issue 12). */
  followUp?: { dueAt: string; ownerId: string; fulfilledAt: string | null } | null;
}

/** The stored alternative JSON back as the state machine's OfferedAlternative. */
export function alternativeFromDb(text: string | null): OfferedAlternative | null {
  if (text === null) return null;
  const a = JSON.parse(text) as AlternativeJson;
  return {
    kind: a.kind,
    note: a.note,
    offeredBy: a.offeredBy,
    offeredAt: fromDbInstant(a.offeredAt),
    accepted: a.accepted,
    respondedAt: fromDbInstantOrNull(a.respondedAt),
    followUp:
      a.followUp === undefined || a.followUp === null
        ? null
        : {
            dueAt: fromDbInstant(a.followUp.dueAt),
            ownerId: a.followUp.ownerId,
            fulfilledAt: fromDbInstantOrNull(a.followUp.fulfilledAt),
          },
  };
}

export function alternativeToDb(a: OfferedAlternative | null): string | null {
  if (a === null) return null;
  const json: AlternativeJson = {
    kind: a.kind,
    note: a.note,
    offeredBy: a.offeredBy,
    offeredAt: toDbInstant(a.offeredAt),
    accepted: a.accepted,
    respondedAt: toDbInstantOrNull(a.respondedAt),
    ...(a.followUp === undefined || a.followUp === null
      ? {}
      : {
          followUp: {
            dueAt: toDbInstant(a.followUp.dueAt),
            ownerId: a.followUp.ownerId,
            fulfilledAt: toDbInstantOrNull(a.followUp.fulfilledAt),
          },
        }),
  };
  return JSON.stringify(json);
}
