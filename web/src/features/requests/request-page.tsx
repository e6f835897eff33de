// A request, as its client sees it: a status banner with what happens next and by when, the
// decision with its reason and the clauses in plain words, the ways forward the server offers
// (answer a question, contest a denial within its window, accept or decline an alternative,
// reopen an overdue follow-up, withdraw), the payouts with the days in which the money arrives,
// a reply with text and documents while the request is open, the timeline and the documents.
// Actions appear only when the server lists them in `actions`. The page opens by id or by the
// REQ- reference e-mails show.

import { Alert, Anchor, Card, Group, List, Skeleton, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { policyQuery } from "../../shared/api/policy";
import { formatDateTime, formatMoney } from "../../shared/format";
import { ClauseList } from "../../shared/ui/clauses";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import { RequestStatusBadge } from "../../shared/ui/status";
import { attachmentsQuery, payoutsOfRequestQuery } from "../../shared/api/pages";
import { requestQuery, type RefundRequest } from "./api";
import { PayoutCard } from "./payout-card";
import {
  AlternativeOffer,
  AnswerForm,
  AppealForm,
  ReopenForm,
  ReplyForm,
  WithdrawButton,
} from "./request-actions";
import { RequestTimeline } from "./request-timeline";

export function RequestPage({ requestId }: { requestId: string }) {
  const { t, i18n } = useTranslation();
  const zone = useQuery(policyQuery).data?.parameters.timezone ?? null;
  const request = useQuery(requestQuery(requestId));
  if (request.isPending) {
    return (
      <Stack aria-busy="true" aria-label={t("common.loading")}>
        <Skeleton height={40} width="60%" />
        <Skeleton height={24} width="40%" />
        <ListSkeleton rows={3} height={96} />
      </Stack>
    );
  }
  if (request.isError) {
    return <ErrorView error={request.error} onRetry={() => void request.refetch()} />;
  }
  const r = request.data;
  const actions = r.actions ?? [];
  const open = r.closedAt === null;
  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Title order={1}>{t("request.title", { id: r.reference ?? r.id })}</Title>
        <Group gap="xs" wrap="wrap">
          <RequestStatusBadge status={r.status} />
          <Text size="sm">
            {t("request.about", {
              orderId: r.orderId,
              reason: r.reason === null ? t("reasonPending") : t(`reason.${r.reason}.label`),
            })}
          </Text>
        </Group>
        <Text size="sm" c="dimmed">
          {t("request.sentOn", { date: formatDateTime(r.submittedAt, i18n.language, zone) })}
        </Text>
      </Stack>
      <StatusBanner request={r} />
      {actions.includes("answer") ? <AnswerForm request={r} /> : null}
      <Decision request={r} />
      {actions.includes("appeal") ? <AppealForm request={r} /> : null}
      <AlternativeOffer request={r} />
      {actions.includes("reopen") ? <ReopenForm request={r} /> : null}
      <Payouts requestId={r.id} />
      {open && !actions.includes("answer") ? <ReplyForm request={r} /> : null}
      <Card withBorder component="section" aria-labelledby="timeline-heading">
        <Stack gap="sm">
          <Title order={2} size="h4" id="timeline-heading">
            {t("request.timelineTitle")}
          </Title>
          <RequestTimeline requestId={r.id} description={r.description} />
        </Stack>
      </Card>
      <Documents requestId={r.id} />
      {actions.includes("withdraw") ? <WithdrawButton request={r} /> : null}
    </Stack>
  );
}

/** What happens next and who it waits on, with the date that matters. */
function StatusBanner({ request: r }: { request: RefundRequest }) {
  const { t, i18n } = useTranslation();
  const zone = useQuery(policyQuery).data?.parameters.timezone ?? null;
  const lng = i18n.language;
  const appealed = r.appeal !== null && r.appeal !== undefined && r.closedAt === null;
  const text = appealed ? t("request.next.appealed") : t(`request.next.${r.status}`);
  return (
    <Alert
      color={r.waitingOn === "client" ? "orange" : "blue"}
      title={r.waitingOn === "client" ? t("request.nextYourTurn") : t("request.nextTitle")}
    >
      <Stack gap={6}>
        <Text size="sm">{text}</Text>
        {r.waitingOn === "client" && r.openQuestion ? (
          <Text size="sm" fw={700}>
            {t("request.question", { question: r.openQuestion })}
          </Text>
        ) : null}
        {r.status === "info_requested" && r.replyBy ? (
          <Text size="sm">
            {t("request.replyBy", { date: formatDateTime(r.replyBy, lng, zone) })}
          </Text>
        ) : null}
        {r.status === "alternative_accepted" && r.alternative?.followUp ? (
          <Text size="sm">
            {r.alternative.followUp.fulfilledAt
              ? t("request.followUpDone", {
                  date: formatDateTime(r.alternative.followUp.fulfilledAt, lng, zone),
                })
              : t("request.followUpDue", {
                  date: formatDateTime(r.alternative.followUp.dueAt ?? "", lng, zone),
                })}
          </Text>
        ) : null}
      </Stack>
    </Alert>
  );
}

/** The decision: outcome and amount, the reviewer's reason, and the clauses in plain words. */
function Decision({ request: r }: { request: RefundRequest }) {
  const { t, i18n } = useTranslation();
  const zone = useQuery(policyQuery).data?.parameters.timezone ?? null;
  const d = r.decision;
  if (d === null) return null;
  const lng = i18n.language;
  const clauses = d.clauses ?? [];
  return (
    <Card withBorder component="section" aria-labelledby="decision-heading">
      <Stack gap="xs">
        <Title order={2} size="h4" id="decision-heading">
          {t("request.decisionTitle")}
        </Title>
        <Text fw={700}>
          {d.outcome === "approved"
            ? t("request.outcome.approved", {
                amount: d.amount === null ? "" : formatMoney(d.amount, lng),
              })
            : t("request.outcome.denied")}
        </Text>
        <Text size="sm">
          {t("request.decidedAt", { date: formatDateTime(d.decidedAt, lng, zone) })}
        </Text>
        {d.justification ? (
          <Stack gap={2}>
            <Text size="sm" fw={700}>
              {t("request.reasonTitle")}
            </Text>
            <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
              {d.justification}
            </Text>
          </Stack>
        ) : null}
        {clauses.length === 0 ? null : (
          <Stack gap="xs">
            <Text size="sm" fw={700}>
              {t("request.clausesTitle")}
            </Text>
            <ClauseList clauses={clauses.map((c) => ({ id: c.id ?? "", text: c.text ?? null }))} />
          </Stack>
        )}
        {d.outcome === "denied" && d.appealUntil && !(r.actions ?? []).includes("appeal") ? (
          <Text size="sm">
            {r.appeal
              ? t("appeal.already")
              : t("appeal.closed", { date: formatDateTime(d.appealUntil, lng, zone) })}
          </Text>
        ) : null}
      </Stack>
    </Card>
  );
}

function Payouts({ requestId }: { requestId: string }) {
  const { t } = useTranslation();
  const payouts = useQuery(payoutsOfRequestQuery(requestId));
  if (payouts.isPending) return <ListSkeleton rows={1} height={96} />;
  if (payouts.isError) {
    return <ErrorView error={payouts.error} onRetry={() => void payouts.refetch()} />;
  }
  const items = payouts.data.items ?? [];
  if (items.length === 0) return null;
  return (
    <Card withBorder component="section" aria-labelledby="payouts-heading">
      <Stack gap="sm">
        <Title order={2} size="h4" id="payouts-heading">
          {t("request.payoutsTitle")}
        </Title>
        {items.map((p) => (
          <PayoutCard key={p.id} payout={p} />
        ))}
      </Stack>
    </Card>
  );
}

function Documents({ requestId }: { requestId: string }) {
  const { t } = useTranslation();
  const files = useQuery(attachmentsQuery(requestId));
  if (files.isPending) return <ListSkeleton rows={1} height={40} />;
  if (files.isError || files.data.items.length === 0) return null;
  return (
    <Card withBorder component="section" aria-labelledby="documents-heading">
      <Stack gap="xs">
        <Title order={2} size="h4" id="documents-heading">
          {t("request.documentsTitle")}
        </Title>
        <List size="sm">
          {files.data.items.map((f) => (
            <List.Item key={f.id}>
              <Anchor href={`/api/v1/attachments/${encodeURIComponent(f.id ?? "")}`}>
                {f.name}
              </Anchor>
            </List.Item>
          ))}
        </List>
      </Stack>
    </Card>
  );
}
