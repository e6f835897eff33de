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
  };
  return JSON.stringify(json);
}
