// The triage of inbound e-mail (issue 19): the list of what the desk could not file by itself,
// and QA's four actions on an item. The server decides what each action makes of the e-mail.

import { queryOptions } from "@tanstack/react-query";
import "../../shared/i18n/console";
import { api, unwrap } from "../../shared/api/client";
import type { components } from "../../shared/api/schema";

export type InboundMail = components["schemas"]["InboundMail"];
export type Reason = components["schemas"]["InboundMailClassify"]["reason"];

/** Rows per page of the triage list. */
export const TRIAGE_PAGE_SIZE = 25;

export const triageQuery = (cursor: string | null) =>
  queryOptions({
    queryKey: ["inbound-mail", "open", cursor],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/inbound-mail", {
          params: {
            query: {
              status: "open",
              limit: String(TRIAGE_PAGE_SIZE),
              ...(cursor === null ? {} : { cursor }),
            },
          },
        }),
      ),
  });

export type TriageInput =
  | { action: "classify-reason"; reason: Reason; orderId: string }
  | { action: "assign-to-client"; clientId: string }
  | { action: "attach-to-request"; requestId: string }
  | { action: "discard"; note: string };

/** Resolves an item; answers the e-mail as it now stands. */
export async function resolveMail(id: string, input: TriageInput): Promise<InboundMail> {
  const path = { params: { path: { id } } };
  switch (input.action) {
    case "classify-reason":
      return unwrap(
        await api.POST("/api/v1/inbound-mail/{id}/classify-reason", {
          ...path,
          body: {
            reason: input.reason,
            ...(input.orderId.trim() === "" ? {} : { orderId: input.orderId.trim() }),
          },
        }),
      );
    case "assign-to-client":
      return unwrap(
        await api.POST("/api/v1/inbound-mail/{id}/assign-to-client", {
          ...path,
          body: { clientId: input.clientId },
        }),
      );
    case "attach-to-request":
      return unwrap(
        await api.POST("/api/v1/inbound-mail/{id}/attach-to-request", {
          ...path,
          body: { requestId: input.requestId.trim() },
        }),
      );
    case "discard":
      return unwrap(
        await api.POST("/api/v1/inbound-mail/{id}/discard", {
          ...path,
          body: input.note.trim() === "" ? {} : { note: input.note.trim() },
        }),
      );
  }
}
