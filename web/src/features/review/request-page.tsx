// A request as staff see it. The heading names it by its reference (REQ-...), with the client,
// the order, the status, whose move it is, the deadline flags and who has it. Then two columns
// (one on a phone): the recommendation, the decision and the actions the server allows first (in
// reading and keyboard order), beside the evidence timeline, the documents, the conversation with
// the internal notes, and the activity. The page also opens by reference: /staff/requests/REQ-...

import { Grid, Group, Skeleton, Stack, Text, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, type RefObject } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../shared/api/client";
import { usePolicyZone } from "../../shared/api/policy";
import { formatDateTime, zoneLabel } from "../../shared/format";
import { AnchorLink } from "../../shared/ui/links";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import { StaffStatusBadge } from "./status";
import { ActionsCard } from "./actions";
import { ActivityCard } from "./activity";
import { requestByReferenceQuery, staffRequestQuery, type StaffRequest } from "./api";
import { AssigneeText, AssignMenu, useCanAssign } from "./assignment";
import { ConversationCard } from "./conversation";
import { DocumentsCard } from "./documents";
import { EvidenceCard } from "./evidence-card";
import { useUserName } from "./people";
import { AlternativeCard, DecisionCard, RecommendationCard } from "./recommendation";
import { Tag } from "./tag";

const REFERENCE = /^REQ-[0-9A-F]{8}$/i;

export function StaffRequestPage({ requestId }: { requestId: string }) {
  if (REFERENCE.test(requestId)) return <ByReference reference={requestId.toUpperCase()} />;
  return <StaffRequestView requestId={requestId} />;
}

function ByReference({ reference }: { reference: string }) {
  const found = useQuery(requestByReferenceQuery(reference));
  if (found.isPending) return <PageSkeleton />;
  if (found.isError) return <ErrorView error={found.error} onRetry={() => void found.refetch()} />;
  return <StaffRequestView requestId={found.data.id} />;
}

function PageSkeleton() {
  const { t } = useTranslation(["translation", "console"]);
  return (
    <Stack aria-busy="true" aria-label={t("common.loading")}>
      <Skeleton height={36} width="50%" />
      <Skeleton height={20} width="70%" />
      <Grid>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <ListSkeleton rows={2} height={160} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <ListSkeleton rows={3} height={120} />
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

function StaffRequestView({ requestId }: { requestId: string }) {
  const request = useQuery(staffRequestQuery(requestId));
  const queryClient = useQueryClient();
  if (request.isPending) return <PageSkeleton />;
  if (request.isError) {
    return <ErrorView error={request.error} onRetry={() => void request.refetch()} />;
  }
  const reload = () => {
    void queryClient.invalidateQueries({ queryKey: ["requests", requestId] });
  };
  return <Loaded request={request.data} onReload={reload} />;
}

function Loaded({ request: r, onReload }: { request: StaffRequest; onReload: () => void }) {
  const { t } = useTranslation(["translation", "console"]);
  const zone = usePolicyZone();
  const heading = useRef<HTMLHeadingElement>(null);
  const reference = r.reference ?? r.id;
  // A keyboard user who opened the request from the queue starts reading at its heading.
  useEffect(() => {
    heading.current?.focus();
  }, [r.id]);
  return (
    <Stack gap="md">
      <AnchorLink to="/staff/queue" size="sm">
        {t("console:request.back")}
      </AnchorLink>
      <Header request={r} zone={zone} heading={heading} reference={reference} />
      <Grid gutter="md">
        <Grid.Col span={{ base: 12, md: 5 }} order={{ base: 1, md: 2 }}>
          <Stack gap="md">
            <ActionsCard request={r} onReload={onReload} />
            <RecommendationCard request={r} zone={zone} />
            <DecisionCard request={r} zone={zone} />
            <AlternativeCard request={r} zone={zone} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }} order={{ base: 2, md: 1 }}>
          <Stack gap="md">
            <EvidenceCard request={r} zone={zone} />
            <DocumentsCard requestId={r.id} zone={zone} />
            <ConversationCard request={r} zone={zone} />
            <ActivityCard requestId={r.id} zone={zone} />
          </Stack>
        </Grid.Col>
      </Grid>
      {zone === null ? null : (
        <Text size="sm" c="dimmed" component="footer">
          {t("common.timesIn", { zone: zoneLabel(zone) })}
        </Text>
      )}
    </Stack>
  );
}

function Header({
  request: r,
  zone,
  heading,
  reference,
}: {
  request: StaffRequest;
  zone: string | null;
  heading: RefObject<HTMLHeadingElement | null>;
  reference: string;
}) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const lng = i18n.language;
  const canAssign = useCanAssign();
  const reviewer = useUserName(r.reviewerId);
  const client = useQuery({
    queryKey: ["clients", r.clientId],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/clients/{id}", { params: { path: { id: r.clientId } } })),
    staleTime: 5 * 60_000,
  });
  return (
    <Stack gap={6}>
      <Title order={1} ref={heading} tabIndex={-1} style={{ outline: "none" }}>
        {t("console:request.title", { reference })}
      </Title>
      <Text size="sm">
        {t("console:request.about", {
          client: client.data?.name ?? "…",
          orderId: r.orderId,
          reason: r.reason === null ? t("reasonPending") : t(`reason.${r.reason}.label`),
        })}
      </Text>
      <Group gap="xs" wrap="wrap">
        <StaffStatusBadge status={r.status} />
        <Text size="sm">{t(`console:waitingShort.${r.waitingOn ?? "nobody"}`)}</Text>
        {r.flags?.replyOverdue ? (
          <Tag color="red" size="md">
            {t("console:flags.replyOverdue")}
          </Tag>
        ) : null}
        {r.flags?.atRisk ? (
          <Tag color="orange" borderStyle="dashed" size="md">
            {t("console:flags.atRisk")}
          </Tag>
        ) : null}
        {r.waitingSince ? (
          <Text size="sm" c="dimmed">
            {t("console:request.waitingSince", { date: formatDateTime(r.waitingSince, lng, zone) })}
          </Text>
        ) : null}
      </Group>
      <Group gap="xs" wrap="wrap">
        <Text size="sm" fw={500}>
          {t("console:request.reviewer")}
        </Text>
        <AssigneeText id={r.reviewerId} name={r.reviewerId === null ? null : reviewer} />
        {canAssign && r.closedAt === null ? (
          <AssignMenu
            requestId={r.id}
            reference={reference}
            assigneeId={r.reviewerId}
            version={r.version}
          />
        ) : null}
      </Group>
    </Stack>
  );
}
