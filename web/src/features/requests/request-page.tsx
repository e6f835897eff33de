// A request, as its client sees it: a status banner with what happens next, the conversation,
// the decision with its reason and clauses in plain words, an alternative with Accept / Decline,
// and payouts with the window in which the money arrives. Actions appear only when the server
// lists them in `actions`.

import {
  Alert,
  Anchor,
  Button,
  Card,
  Group,
  List,
  Progress,
  Skeleton,
  Stack,
  Text,
  Textarea,
  TextInput,
  Timeline,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { policyQuery } from "../../shared/api/policy";
import { uploadAttachments } from "../../shared/api/upload";
import { ApiError, fieldError } from "../../shared/api/problem";
import { formatDate, formatDateTime, formatMoney, zoneLabel } from "../../shared/format";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import { RequestStatusBadge } from "../../shared/ui/status";
import {
  answerQuestion,
  attachmentsQuery,
  messagesQuery,
  payoutsQuery,
  requestQuery,
  respondToAlternative,
  setPayoutDestination,
  type RefundRequest,
} from "./api";
import { DocumentsDropzone } from "./documents-dropzone";

export function RequestPage({ requestId }: { requestId: string }) {
  const { t } = useTranslation();
  const request = useQuery(requestQuery(requestId));
  if (request.isPending) {
    return (
      <Stack>
        <Skeleton height={40} width="60%" />
        <ListSkeleton rows={3} height={80} />
      </Stack>
    );
  }
  if (request.isError) {
    return <ErrorView error={request.error} onRetry={() => void request.refetch()} />;
  }
  const r = request.data;
  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Title order={1}>{t("request.title", { id: r.id })}</Title>
        <Group gap="xs">
          <RequestStatusBadge status={r.status ?? ""} />
          <Text size="sm">
            {t("request.about", {
              orderId: r.orderId,
              reason: t(`reason.${r.reason}.label` as "reason.other.label", {
                defaultValue: r.reason ?? "",
              }),
            })}
          </Text>
        </Group>
      </Stack>
      <StatusBanner request={r} />
      {(r.actions ?? []).includes("answer") ? <AnswerForm request={r} /> : null}
      <Decision request={r} />
      <AlternativeOffer request={r} />
      <Payouts requestId={requestId} />
      <Conversation request={r} />
      <Documents requestId={requestId} />
    </Stack>
  );
}

function StatusBanner({ request: r }: { request: RefundRequest }) {
  const { t } = useTranslation();
  const key = `request.next.${r.status}` as "request.next.submitted";
  return (
    <Alert color={r.waitingOn === "client" ? "orange" : "blue"} title={t("request.nextTitle")}>
      <Text size="sm">{t(key, { defaultValue: "" })}</Text>
      {r.waitingOn === "client" && r.openQuestion ? (
        <Text size="sm" mt="xs" fw={700}>
          {t("request.question", { question: r.openQuestion })}
        </Text>
      ) : null}
    </Alert>
  );
}

function AnswerForm({ request: r }: { request: RefundRequest }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [message, setMessage] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const [progress, setProgress] = useState<number | null>(null);
  const answer = useMutation({
    // The answer first (it names the request's version), then its documents.
    mutationFn: async () => {
      await answerQuestion(r.id ?? "", message, r.version ?? 0);
      if (files.length > 0) {
        setProgress(0);
        await uploadAttachments(r.id ?? "", files, setProgress);
      }
    },
    onSuccess: async () => {
      setMessage("");
      setFiles([]);
      setProgress(null);
      await queryClient.invalidateQueries({ queryKey: ["requests"] });
    },
  });
  return (
    <Card withBorder component="section" aria-labelledby="answer-heading">
      <Stack>
        <Title order={2} size="h4" id="answer-heading">
          {t("request.answerTitle")}
        </Title>
        <Textarea
          label={t("request.answerLabel")}
          autosize
          minRows={3}
          value={message}
          onChange={(e) => setMessage(e.currentTarget.value)}
          error={fieldError(answer.error, "message")}
        />
        <DocumentsDropzone files={files} onChange={setFiles} disabled={answer.isPending} />
        {progress === null ? null : (
          <Progress value={progress * 100} aria-label={t("upload.progress")} />
        )}
        <RefusalText error={answer.error} />
        <Group>
          <Button onClick={() => answer.mutate()} loading={answer.isPending}>
            {t("request.sendAnswer")}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** A refusal without a field (e.g. the request changed meanwhile), in words. */
function RefusalText({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (error === null || error === undefined) return null;
  if (error instanceof ApiError && (error.problem?.errors ?? []).length > 0) return null;
  const message =
    error instanceof ApiError && error.status === 409
      ? t("errors.changed")
      : error instanceof ApiError && error.problem !== null
        ? error.problem.detail
        : t("errors.network");
  return (
    <Alert color="red" role="alert">
      {message}
    </Alert>
  );
}

function Decision({ request: r }: { request: RefundRequest }) {
  const { t, i18n } = useTranslation();
  const policy = useQuery(policyQuery).data;
  const zone = policy?.parameters.timezone ?? null;
  const d = r.decision;
  if (d === null || d === undefined) return null;
  const clauses = r.recommendation?.clauses ?? [];
  const texts = clauses
    .map((id) => policy?.clauses.find((c) => c.id === id))
    .filter((c) => c !== undefined);
  return (
    <Card withBorder component="section" aria-labelledby="decision-heading">
      <Stack gap="xs">
        <Title order={2} size="h4" id="decision-heading">
          {t("request.decisionTitle")}
        </Title>
        <Text>
          {t(`request.outcome.${d.outcome}` as "request.outcome.approve", {
            defaultValue: d.outcome ?? "",
          })}
          {d.amount ? ` ${formatMoney(d.amount, i18n.language)}` : ""}
        </Text>
        {d.decidedAt ? (
          <Text size="sm">
            {t("request.decidedAt", { date: formatDateTime(d.decidedAt, i18n.language, zone) })}
          </Text>
        ) : null}
        {d.justification ? <Text size="sm">{d.justification}</Text> : null}
        {texts.length === 0 ? null : (
          <>
            <Text size="sm" fw={700}>
              {t("request.clausesTitle")}
            </Text>
            <List size="sm">
              {texts.map((c) => (
                <List.Item key={c.id}>{c.text}</List.Item>
              ))}
            </List>
            {i18n.language.startsWith("th") ? (
              <Text size="xs" c="dimmed">
                {t("request.clausesInEnglish")}
              </Text>
            ) : null}
          </>
        )}
      </Stack>
    </Card>
  );
}

function AlternativeOffer({ request: r }: { request: RefundRequest }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const respond = useMutation({
    mutationFn: (accept: boolean) => respondToAlternative(r.id ?? "", accept, r.version ?? 0),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["requests"] });
    },
  });
  const a = r.alternative;
  if (a === null || a === undefined) return null;
  const actions = r.actions ?? [];
  return (
    <Card withBorder component="section" aria-labelledby="alternative-heading">
      <Stack gap="xs">
        <Title order={2} size="h4" id="alternative-heading">
          {t("request.alternativeTitle")}
        </Title>
        <Text>{a.note}</Text>
        {a.accepted === true ? <Text>{t("request.alternativeAccepted")}</Text> : null}
        {a.accepted === false ? <Text>{t("request.alternativeDeclined")}</Text> : null}
        {actions.includes("accept_alternative") || actions.includes("decline_alternative") ? (
          <>
            <Text size="sm">{t("request.alternativeMeaning")}</Text>
            <Group>
              {actions.includes("accept_alternative") ? (
                <Button onClick={() => respond.mutate(true)} loading={respond.isPending}>
                  {t("request.accept")}
                </Button>
              ) : null}
              {actions.includes("decline_alternative") ? (
                <Button
                  variant="default"
                  onClick={() => respond.mutate(false)}
                  loading={respond.isPending}
                >
                  {t("request.decline")}
                </Button>
              ) : null}
            </Group>
          </>
        ) : null}
        <RefusalText error={respond.error} />
      </Stack>
    </Card>
  );
}

function Payouts({ requestId }: { requestId: string }) {
  const { t, i18n } = useTranslation();
  const zone = useQuery(policyQuery).data?.parameters.timezone ?? null;
  const payouts = useQuery(payoutsQuery(requestId));
  if (payouts.isPending) return <ListSkeleton rows={1} height={60} />;
  if (payouts.isError) {
    return <ErrorView error={payouts.error} onRetry={() => void payouts.refetch()} />;
  }
  const items = payouts.data.items ?? [];
  if (items.length === 0) return null;
  const lng = i18n.language;
  return (
    <Card withBorder component="section" aria-labelledby="payouts-heading">
      <Stack gap="sm">
        <Title order={2} size="h4" id="payouts-heading">
          {t("request.payoutsTitle")}
        </Title>
        {items.map((p) => (
          <Stack gap={2} key={p.id}>
            <Text fw={700}>
              {t("request.payoutLine", {
                amount: p.amount ? formatMoney(p.amount, lng) : "",
                method: t(`paymentMethod.${p.method}` as "paymentMethod.card", {
                  defaultValue: p.method ?? "",
                }),
              })}
            </Text>
            <Text size="sm">
              {p.stage !== undefined
                ? t(`payoutStage.${p.stage}` as "payoutStage.preparing")
                : t(`payoutStatus.${p.status}` as "payoutStatus.scheduled", {
                    defaultValue: p.status ?? "",
                  })}
            </Text>
            {(p.stage === "sent" || p.status === "succeeded") && p.succeededAt ? (
              <Text size="sm">
                {t("request.payoutSent", { date: formatDateTime(p.succeededAt, lng, zone) })}
              </Text>
            ) : p.dueEarliest && p.dueLatest ? (
              <Text size="sm">
                {t("request.payoutWindow", {
                  from: formatDate(p.dueEarliest, lng, zone),
                  to: formatDate(p.dueLatest, lng, zone),
                  zone: zone === null ? "" : zoneLabel(zone),
                })}
              </Text>
            ) : null}
            {(p.awaiting === "destination" ||
              (p.stage === "needs_your_details" && p.method === "crypto")) &&
            p.id !== undefined ? (
              <DestinationForm
                payoutId={p.id}
                version={p.version ?? 0}
                asset={p.amount?.currency}
              />
            ) : null}
            {p.stage === "delayed" || p.status === "failed" ? (
              <Text size="sm">{t("request.payoutFailed")}</Text>
            ) : null}
          </Stack>
        ))}
      </Stack>
    </Card>
  );
}

function Conversation({ request: r }: { request: RefundRequest }) {
  const { t, i18n } = useTranslation();
  const zone = useQuery(policyQuery).data?.parameters.timezone ?? null;
  const messages = useQuery(messagesQuery(r.id ?? ""));
  const lng = i18n.language;
  return (
    <Card withBorder component="section" aria-labelledby="conversation-heading">
      <Stack gap="sm">
        <Title order={2} size="h4" id="conversation-heading">
          {t("request.conversationTitle")}
        </Title>
        {messages.isPending ? (
          <ListSkeleton rows={2} height={40} />
        ) : messages.isError ? (
          <ErrorView error={messages.error} onRetry={() => void messages.refetch()} />
        ) : (
          <Timeline bulletSize={14} lineWidth={2}>
            <Timeline.Item title={t("request.submitted")}>
              <Text size="sm">{formatDateTime(r.submittedAt ?? "", lng, zone)}</Text>
              {r.description ? <Text size="sm">{r.description}</Text> : null}
            </Timeline.Item>
            {(messages.data.items ?? []).map((m) => (
              <Timeline.Item
                key={m.id}
                title={t(`request.messageKind.${m.kind}` as "request.messageKind.question", {
                  defaultValue: m.kind ?? "",
                })}
              >
                <Text size="sm">{formatDateTime(m.createdAt ?? "", lng, zone)}</Text>
                <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
                  {m.body}
                </Text>
              </Timeline.Item>
            ))}
          </Timeline>
        )}
      </Stack>
    </Card>
  );
}

function Documents({ requestId }: { requestId: string }) {
  const { t } = useTranslation();
  const files = useQuery(attachmentsQuery(requestId));
  if (files.isPending || files.isError || files.data.items.length === 0) return null;
  return (
    <Card withBorder component="section" aria-labelledby="documents-heading">
      <Stack gap="xs">
        <Title order={2} size="h4" id="documents-heading">
          {t("request.documentsTitle")}
        </Title>
        <List size="sm">
          {files.data.items.map((f) => (
            <List.Item key={f.id}>
              <Anchor href={`/api/v1/attachments/${encodeURIComponent(f.id)}`}>{f.name}</Anchor>
            </List.Item>
          ))}
        </List>
      </Stack>
    </Card>
  );
}

/** Where a crypto refund goes: the server says it waits on it (`awaiting: "destination"`). */
function DestinationForm({
  payoutId,
  version,
  asset,
}: {
  payoutId: string;
  version: number;
  asset: string | undefined;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [network, setNetwork] = useState("");
  const [address, setAddress] = useState("");
  const save = useMutation({
    mutationFn: () =>
      setPayoutDestination(payoutId, { network, address, expectedVersion: version }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["requests"] });
    },
  });
  return (
    <Stack gap="xs" mt="xs">
      <Text size="sm" fw={700}>
        {t("request.payoutNeedsDestination")}
      </Text>
      <TextInput
        label={t("request.destinationNetwork")}
        description={t("request.destinationNetworkHelp")}
        value={network}
        onChange={(e) => setNetwork(e.currentTarget.value)}
        error={fieldError(save.error, "network")}
      />
      <TextInput
        label={t("request.destinationAddress", { asset: asset ?? "" })}
        value={address}
        onChange={(e) => setAddress(e.currentTarget.value)}
        error={fieldError(save.error, "address")}
        autoComplete="off"
        spellCheck={false}
      />
      <RefusalText error={save.error} />
      <Group>
        <Button onClick={() => save.mutate()} loading={save.isPending}>
          {t("request.destinationSave")}
        </Button>
      </Group>
    </Stack>
  );
}
