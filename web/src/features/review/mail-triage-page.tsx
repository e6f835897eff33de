// /staff/mail (issue 19): the e-mail the desk could not file by itself, oldest first, for QA:
// who wrote, what about, why it waits (in words), and one Resolve dialog per row with the four
// actions (say the reason and order, say whose it is, attach it to a request, discard it). The
// server makes the request or the message; the row then leaves the list.

import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  NativeSelect,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { usePolicyZone } from "../../shared/api/policy";
import { fieldError } from "../../shared/api/problem";
import { formatDateTime } from "../../shared/format";
import { ActionDialog } from "../../shared/ui/action-dialog";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import { clientsQuery } from "./api";
import {
  resolveMail,
  triageQuery,
  type InboundMail,
  type Reason,
  type TriageInput,
} from "./mail-api";
import { QUEUE_REASONS } from "./queue-search";

type ActionName = TriageInput["action"];
const ACTIONS: readonly ActionName[] = [
  "classify-reason",
  "assign-to-client",
  "attach-to-request",
  "discard",
];

export function MailTriagePage() {
  const { t } = useTranslation(["translation", "console"]);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const query = useQuery(triageQuery(cursor));
  const [open, setOpen] = useState<InboundMail | null>(null);
  const [done, setDone] = useState<InboundMail | null>(null);
  return (
    <Stack>
      <Title order={1}>{t("console:mail.title")}</Title>
      <Text>{t("console:mail.intro")}</Text>
      {done === null ? null : (
        <Alert color="green" role="status" title={t("console:mail.resolved")}>
          {t(`console:mail.outcome.${done.status}`, {
            defaultValue: t("console:mail.outcome.other"),
          })}
        </Alert>
      )}
      {query.isPending ? (
        <ListSkeleton rows={6} height={48} />
      ) : query.isError ? (
        <ErrorView error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <Text>{t("console:mail.empty")}</Text>
      ) : (
        <MailTable items={query.data.items} onResolve={setOpen} />
      )}
      <Group>
        {cursors.length > 1 ? (
          <Button variant="default" onClick={() => setCursors(cursors.slice(0, -1))}>
            {t("console:mail.previous")}
          </Button>
        ) : null}
        {query.data?.nextCursor ? (
          <Button
            variant="default"
            onClick={() => setCursors([...cursors, query.data.nextCursor ?? null])}
          >
            {t("console:mail.next")}
          </Button>
        ) : null}
      </Group>
      {open === null ? null : (
        <ResolveDialog
          mail={open}
          onClose={() => setOpen(null)}
          onDone={(after) => {
            setOpen(null);
            setDone(after);
          }}
        />
      )}
    </Stack>
  );
}

function MailTable({
  items,
  onResolve,
}: {
  items: readonly InboundMail[];
  onResolve: (mail: InboundMail) => void;
}) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const zone = usePolicyZone();
  return (
    <Table.ScrollContainer
      minWidth={860}
      scrollAreaProps={{
        viewportProps: { tabIndex: 0, role: "region", "aria-label": t("console:mail.tableLabel") },
      }}
    >
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t("console:mail.col.received")}</Table.Th>
            <Table.Th>{t("console:mail.col.from")}</Table.Th>
            <Table.Th>{t("console:mail.col.message")}</Table.Th>
            <Table.Th>{t("console:mail.col.why")}</Table.Th>
            <Table.Th>{t("console:mail.col.action")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((m) => (
            <Table.Tr key={m.id}>
              <Table.Td>{formatDateTime(m.receivedAt, i18n.language, zone)}</Table.Td>
              <Table.Td>
                <Text size="sm">{m.from ?? t("console:mail.noSender")}</Text>
                {m.authentication === null ? null : (
                  <Text size="xs" c="dimmed">
                    {t("console:mail.auth", m.authentication)}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Text size="sm" fw={600}>
                  {m.subject === null || m.subject === "" ? t("console:mail.noSubject") : m.subject}
                </Text>
                {m.excerpt === null ? null : (
                  <Text size="sm" lineClamp={3}>
                    {m.excerpt}
                  </Text>
                )}
                {m.orderId === null ? null : (
                  <Text size="xs">{t("console:mail.order", { order: m.orderId })}</Text>
                )}
              </Table.Td>
              <Table.Td>
                <Badge variant="light" color={m.status === "triage" ? "blue" : "red"}>
                  {t(`console:mail.status.${m.status}`)}
                </Badge>
                <Text size="sm">
                  {t(`console:mail.kind.${m.triageKind ?? m.outcome ?? "other"}`, {
                    defaultValue: t("console:mail.kind.other"),
                  })}
                </Text>
                {m.note === null ? null : (
                  <Text size="xs" c="dimmed">
                    {m.note}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Button
                  size="xs"
                  variant="default"
                  onClick={() => onResolve(m)}
                  aria-label={t("console:mail.resolveLabel", {
                    subject: m.subject ?? "",
                    from: m.from ?? "",
                  })}
                >
                  {t("console:mail.resolve")}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function ResolveDialog({
  mail,
  onClose,
  onDone,
}: {
  mail: InboundMail;
  onClose: () => void;
  onDone: (after: InboundMail) => void;
}) {
  const { t } = useTranslation(["translation", "console"]);
  const queryClient = useQueryClient();
  const [action, setAction] = useState<ActionName>(
    mail.clientId === null ? "assign-to-client" : "classify-reason",
  );
  const [reason, setReason] = useState<Reason>("not_delivered");
  const [orderId, setOrderId] = useState(mail.orderId ?? "");
  const [clientId, setClientId] = useState(mail.clientId ?? "");
  const [requestId, setRequestId] = useState(mail.requestId ?? "");
  const [note, setNote] = useState("");
  const clients = useQuery({ ...clientsQuery, enabled: action === "assign-to-client" });
  const mutation = useMutation({
    mutationFn: () =>
      resolveMail(
        mail.id,
        action === "classify-reason"
          ? { action, reason, orderId }
          : action === "assign-to-client"
            ? { action, clientId }
            : action === "attach-to-request"
              ? { action, requestId }
              : { action, note },
      ),
    onSuccess: async (after) => {
      await queryClient.invalidateQueries({ queryKey: ["inbound-mail"] });
      onDone(after);
    },
  });
  return (
    <ActionDialog
      title={t("console:mail.dialogTitle", { from: mail.from ?? t("console:mail.noSender") })}
      onClose={onClose}
      mutation={mutation}
      submitLabel={t(`console:mail.submit.${action}`)}
      submitColor={action === "discard" ? "red" : undefined}
      fields={["reason", "orderId", "clientId", "requestId", "note"]}
    >
      <NativeSelect
        label={t("console:mail.action")}
        value={action}
        onChange={(e) => {
          mutation.reset();
          setAction(e.currentTarget.value as ActionName);
        }}
        data={ACTIONS.map((a) => ({ value: a, label: t(`console:mail.actions.${a}`) }))}
      />
      <Text size="sm">{t(`console:mail.help.${action}`)}</Text>
      {action === "classify-reason" ? (
        <>
          <NativeSelect
            label={t("console:mail.reason")}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value as Reason)}
            data={QUEUE_REASONS.map((r) => ({ value: r, label: t(`reason.${r}.label`) }))}
            error={fieldError(mutation.error, "reason")}
          />
          <TextInput
            label={t("console:mail.orderId")}
            description={t("console:mail.orderIdHelp")}
            value={orderId}
            onChange={(e) => setOrderId(e.currentTarget.value)}
            error={fieldError(mutation.error, "orderId")}
          />
        </>
      ) : action === "assign-to-client" ? (
        <NativeSelect
          label={t("console:mail.client")}
          value={clientId}
          onChange={(e) => setClientId(e.currentTarget.value)}
          data={[
            { value: "", label: t("console:mail.chooseClient"), disabled: true },
            ...(clients.data ?? []).map((c) => ({ value: c.id, label: c.name })),
          ]}
          error={fieldError(mutation.error, "clientId")}
        />
      ) : action === "attach-to-request" ? (
        <TextInput
          label={t("console:mail.requestId")}
          description={t("console:mail.requestIdHelp")}
          value={requestId}
          onChange={(e) => setRequestId(e.currentTarget.value)}
          error={fieldError(mutation.error, "requestId")}
        />
      ) : (
        <Textarea
          label={t("console:mail.note")}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
          error={fieldError(mutation.error, "note")}
        />
      )}
      {mail.requestId === null ? null : (
        <Anchor href={`/staff/requests/${mail.requestId}`}>{t("console:mail.openRequest")}</Anchor>
      )}
    </ActionDialog>
  );
}
