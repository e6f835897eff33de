// What the policy engine recommends (outcome, amount, refund lines, the clauses with the policy's
// words, the explanation, deadlines), and what was decided: the decision with its reason and
// clauses, and an alternative offered with the client's answer and its follow-up.

import { Card, Group, List, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { policyQuery } from "../../shared/api/policy";
import { formatDate, formatDateTime, formatMoney } from "../../shared/format";
import type { StaffRequest } from "./api";
import { useUserName } from "./people";
import { Tag } from "./tag";

const OUTCOME_COLOR: Record<string, string> = {
  refund: "green",
  review: "blue",
  deny: "red",
  incomplete: "gray",
};

/** The clause texts of the policy in force, by id (the company's own words). */
export function useClauseTexts(): Map<string, string> {
  const policy = useQuery(policyQuery).data;
  return new Map((policy?.clauses ?? []).map((c) => [c.id, c.text]));
}

export function ClauseList({ ids }: { ids: readonly string[] }) {
  const { t } = useTranslation(["translation", "console"]);
  const texts = useClauseTexts();
  if (ids.length === 0) return null;
  return (
    <List size="sm" spacing={6}>
      {ids.map((id) => (
        <List.Item key={id}>
          <Text size="xs" fw={700} component="span">
            {t("console:clause", { id })}
          </Text>{" "}
          <Text size="sm" component="span">
            {texts.get(id) ?? t("console:clauseUnknown")}
          </Text>
        </List.Item>
      ))}
    </List>
  );
}

export function RecommendationCard({
  request: r,
  zone,
}: {
  request: StaffRequest;
  zone: string | null;
}) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const lng = i18n.language;
  const rec = r.recommendation;
  return (
    <Card withBorder component="section" aria-labelledby="recommendation-heading">
      <Stack gap="xs">
        <Title order={2} size="h4" id="recommendation-heading">
          {t("console:rec.title")}
        </Title>
        {rec === null ? (
          <Text size="sm">{t("console:rec.none")}</Text>
        ) : (
          <>
            <Group gap="xs">
              <Tag color={OUTCOME_COLOR[rec.outcome ?? ""] ?? "gray"} size="lg">
                {t(`console:outcome.${rec.outcome ?? "review"}`)}
              </Tag>
              {rec.amount ? (
                <Text fw={700} size="lg" data-testid="recommended-amount">
                  {formatMoney(rec.amount, lng)}
                </Text>
              ) : null}
            </Group>
            {rec.explanation ? (
              <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
                {rec.explanation}
              </Text>
            ) : null}
            {(rec.refunds ?? []).length > 0 ? (
              <>
                <Text size="sm" fw={700}>
                  {t("console:rec.lines")}
                </Text>
                <List size="sm">
                  {(rec.refunds ?? []).map((line, i) => (
                    <List.Item key={`${line.paymentId}-${i}`}>
                      {t("console:rec.line", {
                        amount: line.amount ? formatMoney(line.amount, lng) : "",
                        method: t(
                          `paymentMethod.${line.method ?? "other"}` as "paymentMethod.card",
                        ),
                        payment: line.paymentId ?? "",
                      })}
                    </List.Item>
                  ))}
                </List>
              </>
            ) : null}
            {(rec.clauses ?? []).length > 0 ? (
              <>
                <Text size="sm" fw={700}>
                  {t("console:rec.clauses")}
                </Text>
                <ClauseList ids={rec.clauses ?? []} />
              </>
            ) : null}
            {(rec.alternatives ?? []).length > 0 ? (
              <Text size="sm">
                {t("console:rec.alternatives", {
                  list: (rec.alternatives ?? [])
                    .map((a) => t(`console:alternative.${a}` as "console:alternative.re-delivery"))
                    .join(", "),
                })}
              </Text>
            ) : null}
            {rec.deadlines?.requestWindowEndsAt ? (
              <Text size="sm">
                {t("console:rec.windowEnds", {
                  date: formatDateTime(rec.deadlines.requestWindowEndsAt, lng, zone),
                })}
              </Text>
            ) : null}
            {r.decision === null && rec.deadlines?.payoutEarliest && rec.deadlines.payoutLatest ? (
              <Text size="sm">
                {t("console:rec.payoutWindow", {
                  from: formatDate(rec.deadlines.payoutEarliest, lng, zone),
                  to: formatDate(rec.deadlines.payoutLatest, lng, zone),
                })}
              </Text>
            ) : null}
            <Text size="xs" c="dimmed">
              {t("console:rec.policy", {
                version: rec.policyVersion ?? "",
                date: rec.createdAt ? formatDateTime(rec.createdAt, lng, zone) : "",
              })}
            </Text>
          </>
        )}
        {r.refundable ? (
          <Text size="sm">
            {t("console:rec.refundable", { amount: formatMoney(r.refundable, lng) })}
          </Text>
        ) : null}
      </Stack>
    </Card>
  );
}

export function DecisionCard({ request: r, zone }: { request: StaffRequest; zone: string | null }) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const lng = i18n.language;
  const d = r.decision;
  const decidedBy = useUserName(d?.decidedBy ?? null);
  if (d === null) return null;
  return (
    <Card withBorder component="section" aria-labelledby="decision-heading">
      <Stack gap="xs">
        <Title order={2} size="h4" id="decision-heading">
          {t("console:decision.title")}
        </Title>
        <Text fw={700}>
          {d.outcome === "approved"
            ? t("console:decision.approved", { amount: d.amount ? formatMoney(d.amount, lng) : "" })
            : t("console:decision.denied")}
        </Text>
        <Text size="sm">
          {d.followsRecommendation ? t("console:decision.follows") : t("console:decision.departs")}
        </Text>
        {d.justification ? (
          <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
            {t("console:decision.justification", { text: d.justification })}
          </Text>
        ) : null}
        {(d.clauses ?? []).length > 0 ? (
          <ClauseList ids={(d.clauses ?? []).map((c) => c.id ?? "")} />
        ) : null}
        <Text size="xs" c="dimmed">
          {t("console:decision.by", {
            name: decidedBy,
            date: formatDateTime(d.decidedAt, lng, zone),
          })}
        </Text>
        {r.appeal ? (
          <Text size="sm" fw={700}>
            {t("console:decision.appealed", {
              date: formatDateTime(r.appeal.appealedAt ?? "", lng, zone),
            })}
          </Text>
        ) : null}
      </Stack>
    </Card>
  );
}

export function AlternativeCard({
  request: r,
  zone,
}: {
  request: StaffRequest;
  zone: string | null;
}) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const lng = i18n.language;
  const a = r.alternative;
  if (a === null) return null;
  return (
    <Card withBorder component="section" aria-labelledby="alternative-heading">
      <Stack gap="xs">
        <Title order={2} size="h4" id="alternative-heading">
          {t("console:altCard.title", {
            kind: t(`console:alternative.${a.kind}` as "console:alternative.re-delivery"),
          })}
        </Title>
        <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
          {a.note}
        </Text>
        <Text size="sm">
          {a.accepted === true
            ? t("console:altCard.accepted")
            : a.accepted === false
              ? t("console:altCard.declined")
              : t("console:altCard.waiting")}
        </Text>
        {a.followUp ? (
          <Text size="sm">
            {a.followUp.fulfilledAt
              ? t("console:altCard.fulfilled", {
                  date: formatDateTime(a.followUp.fulfilledAt, lng, zone),
                })
              : t("console:altCard.due", { date: formatDate(a.followUp.dueAt ?? "", lng, zone) })}
          </Text>
        ) : null}
      </Stack>
    </Card>
  );
}
