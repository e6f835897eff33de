// Everything that happened to the request, from its audit trail (GET /requests/{id}/timeline):
// submission, re-evaluations, assignment, questions and answers, decisions with their reasons,
// alternatives, payouts and e-mails. Each kind is said in words; an unknown one keeps its name.

import { Card, Skeleton, Stack, Text, Timeline, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { formatDateTime, formatMoney } from "../../shared/format";
import { ErrorView } from "../../shared/ui/states";
import { timelineQuery } from "../../shared/api/pages";
import { type TimelineItem } from "./api";
import { useNames } from "./people";

/** The i18n key of an audit kind ("request.approve" -> "request_approve"). */
function kindKey(kind: string): string {
  return kind.replace(/[^a-z0-9]+/gi, "_");
}

export function ActivityCard({ requestId, zone }: { requestId: string; zone: string | null }) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const name = useNames();
  const timeline = useQuery(timelineQuery(requestId));
  return (
    <Card withBorder component="section" aria-labelledby="activity-heading">
      <Stack gap="sm">
        <Title order={2} size="h4" id="activity-heading">
          {t("console:activity.title")}
        </Title>
        {timeline.isPending ? (
          <Stack gap="xs">
            <Skeleton height={28} />
            <Skeleton height={28} />
          </Stack>
        ) : timeline.isError ? (
          <ErrorView error={timeline.error} onRetry={() => void timeline.refetch()} />
        ) : (
          <Timeline bulletSize={12} lineWidth={2}>
            {timeline.data.items.map((item, i) => (
              <Timeline.Item
                key={i}
                title={t(
                  `console.activity.kind.${kindKey(item.kind)}` as "console:activity.kind.request_submit",
                  {
                    defaultValue: item.kind,
                  },
                )}
              >
                <Text size="xs" c="dimmed">
                  {t("console:activity.byAt", {
                    name: name(item.actor),
                    date: formatDateTime(item.at, i18n.language, zone),
                  })}
                </Text>
                <ItemDetails item={item} />
              </Timeline.Item>
            ))}
          </Timeline>
        )}
      </Stack>
    </Card>
  );
}

function str(v: unknown): string | null {
  return typeof v === "string" && v.trim() !== "" ? v : null;
}

function ItemDetails({ item }: { item: TimelineItem }) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const name = useNames();
  const d = item.details;
  const lines: string[] = [];
  if (item.text !== undefined) lines.push(item.text);
  const justification = str(d["justification"]);
  if (justification !== null)
    lines.push(t("console:activity.justification", { text: justification }));
  const clauses = Array.isArray(d["clauses"]) ? (d["clauses"] as unknown[]).filter(str) : [];
  if (clauses.length > 0) lines.push(t("console:activity.clauses", { list: clauses.join(", ") }));
  const amount = d["amount"];
  if (
    typeof amount === "object" &&
    amount !== null &&
    typeof (amount as { amount?: unknown }).amount === "string" &&
    typeof (amount as { currency?: unknown }).currency === "string"
  ) {
    lines.push(
      t("console:activity.amount", {
        amount: formatMoney(amount as { amount: string; currency: string }, i18n.language),
      }),
    );
  }
  if (item.kind === "request.assign" || item.kind === "request.unassign") {
    const to = str(d["reviewerId"]);
    lines.push(
      to === null
        ? t("console:activity.nobody")
        : t("console:activity.assignedTo", { name: name(to) }),
    );
  }
  if (item.kind === "email.sent") {
    lines.push(
      t("console:activity.email", { to: str(d["to"]) ?? "", template: str(d["template"]) ?? "" }),
    );
  }
  if (d["internal"] === true) lines.push(t("console:activity.internal"));
  if (lines.length === 0) return null;
  return (
    <>
      {lines.map((l, i) => (
        <Text key={i} size="sm" style={{ whiteSpace: "pre-wrap" }}>
          {l}
        </Text>
      ))}
    </>
  );
}
