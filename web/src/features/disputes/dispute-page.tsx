// One card dispute as finance answers it: the amount, the bank's reason, where it stands and the
// due-by first; then the evidence draft in Stripe's fields (the desk's text, editable, saved with
// the version read) and the documents that become PDFs; then Submit, which says what it sends.

import {
  Alert,
  Button,
  Card,
  Group,
  List,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../shared/api/client";
import { usePolicyZone } from "../../shared/api/policy";
import { formatDateTime, formatMoney } from "../../shared/format";
import { Refusal } from "../../shared/ui/staff-refusal";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import {
  disputeQuery,
  FILE_FIELDS,
  TEXT_FIELDS,
  type DisputeDetail,
  type EvidenceField,
} from "./api";
import { StandingBadge } from "./disputes-page";

function Draft({ d }: { d: DisputeDetail }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [text, setText] = useState<Partial<Record<EvidenceField, string>>>({});
  const editable = d.awaitingEvidence;
  const after = (next: DisputeDetail) => {
    client.setQueryData(disputeQuery(d.id).queryKey, next);
    void client.invalidateQueries({ queryKey: ["disputes", "list"] });
    setText({});
  };
  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PATCH("/api/v1/disputes/{id}/evidence", {
          params: { path: { id: d.id } },
          body: {
            expectedVersion: d.version,
            text: Object.fromEntries(
              Object.entries(text).map(([k, v]) => [k, v === "" ? null : v]),
            ),
          },
        }),
      ),
    onSuccess: after,
  });
  const submit = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/disputes/{id}/submit", {
          params: { path: { id: d.id } },
          body: { expectedVersion: d.version },
        }),
      ),
    onSuccess: after,
  });
  const changed = Object.keys(text).length > 0;
  const reload = () => void client.invalidateQueries({ queryKey: ["disputes", "one", d.id] });
  return (
    <Stack>
      <Title order={2}>{t("disputes.draft.title")}</Title>
      {TEXT_FIELDS.map((f) => (
        <Textarea
          key={f}
          label={t(`disputes.field.${f}`)}
          description={d.evidence.edited.includes(f) ? t("disputes.draft.edited") : undefined}
          autosize
          minRows={f === "service_date" ? 1 : 3}
          readOnly={!editable}
          value={text[f] ?? d.evidence.text[f] ?? ""}
          onChange={(e) => setText({ ...text, [f]: e.currentTarget.value })}
        />
      ))}
      <Title order={3}>{t("disputes.draft.documents")}</Title>
      {FILE_FIELDS.map((field) => [field, d.evidence.documents[field]] as const).map(
        ([field, doc]) => (
          <Card key={field} withBorder>
            <Text fw={600}>
              {t(`disputes.field.${field}`)}: {doc.title}
            </Text>
            {doc.sections.map((s) => (
              <Stack key={s.heading} gap={2} mt="xs">
                <Text size="sm" fw={500}>
                  {s.heading}
                </Text>
                <List size="sm">
                  {s.lines.map((line, i) => (
                    <List.Item key={i}>{line}</List.Item>
                  ))}
                </List>
              </Stack>
            ))}
            {d.evidence.files[field] === undefined ? null : (
              <Text size="sm" c="dimmed">
                {t("disputes.draft.uploaded", { id: d.evidence.files[field] })}
              </Text>
            )}
          </Card>
        ),
      )}
      <Refusal error={save.error ?? submit.error} onReload={reload} subject="dispute" />
      {editable ? (
        <Group>
          <Button
            variant="default"
            disabled={!changed}
            loading={save.isPending}
            onClick={() => save.mutate()}
          >
            {t("disputes.draft.save")}
          </Button>
          <Button disabled={changed} loading={submit.isPending} onClick={() => submit.mutate()}>
            {t("disputes.draft.submit")}
          </Button>
          <Text size="sm" c="dimmed">
            {changed ? t("disputes.draft.saveFirst") : t("disputes.draft.submitSays")}
          </Text>
        </Group>
      ) : (
        <Alert>{t("disputes.draft.closed")}</Alert>
      )}
    </Stack>
  );
}

export function DisputePage({ disputeId }: { disputeId: string }) {
  const { t, i18n } = useTranslation();
  const zone = usePolicyZone();
  const q = useQuery(disputeQuery(disputeId));
  if (q.isPending) {
    return (
      <Stack>
        <Title order={1}>{t("disputes.one.title")}</Title>
        <ListSkeleton rows={4} height={60} />
      </Stack>
    );
  }
  if (q.isError) return <ErrorView error={q.error} onRetry={() => void q.refetch()} />;
  const d = q.data;
  const at = (iso: string | null) =>
    iso === null ? "-" : formatDateTime(iso, i18n.language, zone);
  return (
    <Stack>
      <Group>
        <Title order={1}>
          {t("disputes.one.heading", { amount: formatMoney(d.amount, i18n.language) })}
        </Title>
        <StandingBadge d={d} />
      </Group>
      <Table>
        <Table.Tbody>
          {(
            [
              ["reason", d.reason],
              ["status", d.status],
              ["dueBy", at(d.dueBy)],
              ["charge", d.chargeRef],
              ["payment", d.paymentId],
              ["fundsWithdrawn", at(d.fundsWithdrawnAt)],
              ["submitted", at(d.evidenceSubmittedAt)],
              ["closed", at(d.closedAt)],
            ] as const
          ).map(([k, v]) => (
            <Table.Tr key={k}>
              <Table.Th scope="row" w="40%">
                {t(`disputes.one.${k}`)}
              </Table.Th>
              <Table.Td style={{ overflowWrap: "anywhere" }}>{v}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Draft key={d.version} d={d} />
    </Stack>
  );
}
