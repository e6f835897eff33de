// The request's timeline as its client reads it (GET /requests/{id}/timeline, the client's subset
// of the audit trail): submitted, questions and answers, messages, documents, the decision with
// its reason and clauses, alternatives, appeals, payouts and e-mails sent, each in the reader's
// words and the policy's zone. Entries the client has no use for (internal payout steps) are left
// out; nothing is shown that the server did not send.

import type { TFunction } from "i18next";
import { Stack, Text, Timeline } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { policyQuery } from "../../shared/api/policy";
import { formatDate, formatDateTime, formatMoney, zoneLabel } from "../../shared/format";
import { ClauseList } from "../../shared/ui/clauses";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import { messagesQuery, timelineQuery } from "../../shared/api/pages";
import { type Message, type TimelineItem } from "./api";

interface Entry {
  key: string;
  at: string;
  title: string;
  lines: string[];
  quote?: string;
  clauses?: string[];
}

type Details = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const money = (v: unknown): { amount: string; currency: string } | null =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as { amount?: unknown }).amount === "string" &&
  typeof (v as { currency?: unknown }).currency === "string"
    ? (v as { amount: string; currency: string })
    : null;

/** The client's words for the timeline's items; null for what the client has no use for. */
export function entriesOf(
  items: readonly TimelineItem[],
  messages: readonly Message[],
  t: TFunction<"translation">,
  lng: string,
  zone: string | null,
  description = "",
): Entry[] {
  const sideOf = new Map(messages.map((m) => [m.id, m.author?.side]));
  // An appeal's or a reopening's words are stored as the client's message at the same instant.
  const carried = new Set<number>();
  const entries: Entry[] = [];
  items.forEach((item, i) => {
    if (carried.has(i)) return;
    const d = item.details as Details;
    const at = item.at;
    const key = item.id;
    const push = (title: string, extra: Partial<Entry> = {}) =>
      entries.push({ key, at, title, lines: [], ...extra });
    switch (item.kind) {
      case "request.submit":
        push(t("timeline.submitted"), { quote: description });
        return;
      case "request.classify_reason": {
        const reason = str(d["reason"]);
        push(
          t("timeline.classified", {
            reason:
              reason === null
                ? ""
                : t(`reason.${reason}.label` as "reason.other.label", { defaultValue: reason }),
          }),
        );
        return;
      }
      case "request.start_review":
        push(t("timeline.reviewStarted"));
        return;
      case "request.resume_review":
        push(t("timeline.reviewResumed"));
        return;
      case "message.question":
        push(t("timeline.question"), { quote: item.text ?? "" });
        return;
      case "message.answer":
        push(t("timeline.answer"), { quote: item.text ?? "" });
        return;
      case "message.create": {
        const side = sideOf.get(str(d["messageId"]) ?? "");
        push(t(side === "staff" ? "timeline.messageFromUs" : "timeline.messageFromYou"), {
          quote: item.text ?? "",
        });
        return;
      }
      case "attachment.uploaded":
        push(t("timeline.document", { name: str(d["name"]) ?? "" }));
        return;
      case "request.approve": {
        const amount = money(d["amount"]);
        push(t("timeline.approved"), {
          lines: amount === null ? [] : [formatMoney(amount, lng)],
          ...(str(d["justification"]) === null ? {} : { quote: str(d["justification"]) ?? "" }),
        });
        return;
      }
      case "request.deny": {
        const clauses = Array.isArray(d["clauses"])
          ? d["clauses"].filter((c): c is string => typeof c === "string")
          : [];
        push(t("timeline.denied"), {
          ...(str(d["justification"]) === null ? {} : { quote: str(d["justification"]) ?? "" }),
          clauses,
        });
        return;
      }
      case "request.offer_alternative":
        push(t("timeline.alternativeOffered"), {
          ...(str(d["note"]) === null ? {} : { quote: str(d["note"]) ?? "" }),
        });
        return;
      case "request.accept_alternative":
        push(t("timeline.alternativeAccepted"));
        return;
      case "request.decline_alternative":
        push(t("timeline.alternativeDeclined"));
        return;
      case "request.withdraw":
        push(t("timeline.withdrawn"));
        return;
      case "request.appeal":
      case "request.reopen": {
        const words = items.findIndex(
          (o, j) => j > i && o.at === at && o.kind === "message.answer" && !carried.has(j),
        );
        if (words >= 0) carried.add(words);
        push(t(item.kind === "request.appeal" ? "timeline.appealed" : "timeline.reopened"), {
          ...(words >= 0 ? { quote: items[words]?.text ?? "" } : {}),
        });
        return;
      }
      case "payout.scheduled": {
        const amount = money(d["amount"]);
        const from = str(d["dueEarliest"]);
        const to = str(d["dueLatest"]);
        push(
          t("timeline.payoutScheduled", { amount: amount ? formatMoney(amount, lng) : "" }),
          from !== null && to !== null
            ? {
                lines: [
                  t("payout.window", {
                    from: formatDate(from, lng, zone),
                    to: formatDate(to, lng, zone),
                    zone: zone === null ? "" : zoneLabel(zone),
                  }),
                ],
              }
            : {},
        );
        return;
      }
      case "payout.destination":
        push(t("timeline.payoutDestination"));
        return;
      case "payout.released":
        push(t("timeline.payoutReleased"));
        return;
      case "payout.pending":
        push(t("timeline.payoutOnItsWay"));
        return;
      case "payout.succeeded":
      case "payout.recorded":
      case "payout.paid_outside":
        push(t("timeline.payoutSent"));
        return;
      case "payout.failed":
        push(t("timeline.payoutFailed"), { lines: [t("payout.delayed")] });
        return;
      case "payout.retried":
      case "payout.unparked":
        push(t("timeline.payoutRetried"));
        return;
      case "payout.reissued": {
        const method = str(d["to"]);
        push(
          t("timeline.payoutReissued", {
            method: method === null ? "" : t(`paymentMethod.${method}` as "paymentMethod.card"),
          }),
        );
        return;
      }
      case "email.sent": {
        const template = str(d["template"]) ?? "";
        const about = t(`timeline.emailTemplate.${template}` as "timeline.emailTemplate.decision", {
          defaultValue: "",
        });
        const to = str(d["to"]) ?? "";
        push(about === "" ? t("timeline.email", { to }) : t("timeline.emailAbout", { to, about }));
        return;
      }
      default:
        // Internal steps (approvals, provider calls) and anything new: not for the client.
        return;
    }
  });
  return entries;
}

export function RequestTimeline({
  requestId,
  description,
}: {
  requestId: string;
  /** The client's own words of the request, shown with its submission. */
  description: string;
}) {
  const { t, i18n } = useTranslation();
  const zone = useQuery(policyQuery).data?.parameters.timezone ?? null;
  const timeline = useQuery(timelineQuery(requestId));
  const messages = useQuery(messagesQuery(requestId));
  if (timeline.isPending || messages.isPending) return <ListSkeleton rows={4} height={48} />;
  if (timeline.isError) {
    return <ErrorView error={timeline.error} onRetry={() => void timeline.refetch()} />;
  }
  const entries = entriesOf(
    timeline.data.items,
    messages.isError ? [] : (messages.data.items ?? []),
    t,
    i18n.language,
    zone,
    description,
  );
  return (
    <Timeline bulletSize={14} lineWidth={2} active={entries.length - 1}>
      {entries.map((e) => (
        <Timeline.Item key={e.key} title={e.title}>
          <Stack gap={4}>
            <Text size="xs" c="dimmed">
              <time dateTime={e.at}>{formatDateTime(e.at, i18n.language, zone)}</time>
            </Text>
            {e.lines.map((l) => (
              <Text size="sm" key={l}>
                {l}
              </Text>
            ))}
            {e.quote === undefined || e.quote === "" ? null : (
              <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
                {e.quote}
              </Text>
            )}
            {e.clauses === undefined || e.clauses.length === 0 ? null : (
              <ClauseList clauses={e.clauses.map((id) => ({ id }))} />
            )}
          </Stack>
        </Timeline.Item>
      ))}
    </Timeline>
  );
}
