// The audit trail (admins): one request's entries (its own, its payouts' and files') or one
// person's (what they did, and what was done to their account), oldest first, in words: when, who
// (by name), what, on what, and the change in brief. Above it, the chain's verification: run on
// request (it reads the whole log), answering ok with the count, or the entry it breaks at.

import {
  Alert,
  Button,
  Card,
  Code,
  Group,
  NativeSelect,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { usePolicyZone } from "../../shared/api/policy";
import { formatDateTime } from "../../shared/format";
import { RefusalAlert } from "../../shared/ui/refusal";
import { QueryTable } from "../../shared/ui/data-table";
import {
  auditTrailQuery,
  requestIdOf,
  usersQuery,
  verifyAuditChain,
  type AuditEntry,
  type AuditSubject,
} from "./api";

export function AuditPage({ subject }: { subject: AuditSubject | null }) {
  const { t } = useTranslation();
  return (
    <Stack>
      <Title order={1}>{t("admin.audit.title")}</Title>
      <ChainVerification />
      <SubjectForm subject={subject} />
      {subject === null ? <Text>{t("admin.audit.choose")}</Text> : <Trail subject={subject} />}
    </Stack>
  );
}

function ChainVerification() {
  const { t, i18n } = useTranslation();
  const zone = usePolicyZone();
  const verify = useMutation({ mutationFn: verifyAuditChain });
  const v = verify.data;
  return (
    <Card withBorder component="section" aria-labelledby="audit-chain">
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={2} size="h4" id="audit-chain">
            {t("admin.audit.chain")}
          </Title>
          <Button variant="default" loading={verify.isPending} onClick={() => verify.mutate()}>
            {t("admin.audit.verify")}
          </Button>
        </Group>
        <Text size="sm">{t("admin.audit.chainHelp")}</Text>
        <RefusalAlert error={verify.error} />
        {v === undefined ? null : v.ok ? (
          <Alert color="green" role="status" title={t("admin.audit.intact")}>
            <Text size="sm">
              {t("admin.audit.intactDetail", {
                count: v.count ?? 0,
                at: formatDateTime(v.checkedAt, i18n.language, zone),
              })}
            </Text>
            <Text size="sm">
              {t("admin.audit.head")} <Code>{v.headHash}</Code>
            </Text>
          </Alert>
        ) : (
          <Alert color="red" role="alert" title={t("admin.audit.broken")}>
            <Stack gap={4}>
              <Text size="sm">
                {t("admin.audit.brokenAt", {
                  seq: v.brokenAt?.seq,
                  reason: v.brokenAt?.reason,
                })}
              </Text>
              {v.brokenAt?.entry == null ? null : (
                <Text size="sm">
                  {t("admin.audit.brokenEntry", {
                    action: v.brokenAt.entry.action,
                    entity: `${v.brokenAt.entry.entityType} ${v.brokenAt.entry.entityId}`,
                    at: formatDateTime(v.brokenAt.entry.at, i18n.language, zone),
                  })}
                </Text>
              )}
            </Stack>
          </Alert>
        )}
      </Stack>
    </Card>
  );
}

function SubjectForm({ subject }: { subject: AuditSubject | null }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const users = useQuery(usersQuery);
  const [kind, setKind] = useState<"request" | "person">(
    subject !== null && "userId" in subject ? "person" : "request",
  );
  const [reference, setReference] = useState(
    subject !== null && "requestId" in subject ? subject.requestId : "",
  );
  const [userId, setUserId] = useState(
    subject !== null && "userId" in subject ? subject.userId : "",
  );
  const find = useMutation({
    mutationFn: async () =>
      kind === "request" ? { requestId: await requestIdOf(reference) } : { userId },
    onSuccess: (search) => void navigate({ to: "/staff/audit", search }),
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    find.mutate();
  };
  return (
    <form onSubmit={onSubmit} noValidate aria-label={t("admin.audit.whose")}>
      <Stack gap="sm">
        <SegmentedControl
          aria-label={t("admin.audit.whose")}
          value={kind}
          onChange={(v) => setKind(v as "request" | "person")}
          data={[
            { value: "request", label: t("admin.audit.aRequest") },
            { value: "person", label: t("admin.audit.aPerson") },
          ]}
          maw={360}
        />
        <Group align="flex-end">
          {kind === "request" ? (
            <TextInput
              label={t("admin.audit.reference")}
              description={t("admin.audit.referenceHelp")}
              value={reference}
              onChange={(e) => setReference(e.currentTarget.value)}
              required
            />
          ) : (
            <NativeSelect
              label={t("admin.audit.person")}
              value={userId}
              onChange={(e) => setUserId(e.currentTarget.value)}
              data={[
                { value: "", label: t("admin.audit.choosePerson") },
                ...(users.data?.items ?? []).map((u) => ({
                  value: u.id,
                  label: `${u.name} (${u.email})`,
                })),
              ]}
            />
          )}
          <Button
            type="submit"
            loading={find.isPending}
            disabled={kind === "request" ? reference.trim() === "" : userId === ""}
          >
            {t("admin.audit.show")}
          </Button>
        </Group>
        <RefusalAlert error={find.error} />
      </Stack>
    </form>
  );
}

function Trail({ subject }: { subject: AuditSubject }) {
  const { t, i18n } = useTranslation();
  const zone = usePolicyZone();
  const trail = useQuery(auditTrailQuery(subject));
  const users = useQuery(usersQuery);
  const names = new Map((users.data?.items ?? []).map((u) => [`user:${u.id}`, u.name]));
  const who = (actor: string) =>
    names.get(actor) ??
    (actor === "system"
      ? t("admin.audit.system")
      : actor.startsWith("token:")
        ? t("admin.audit.token", { id: actor.slice(6) })
        : actor);
  return (
    <QueryTable
      query={trail}
      label={t("admin.audit.entries")}
      minWidth={760}
      empty={t("admin.audit.empty")}
      tableProps={{ striped: true }}
      caption={(items) => (
        <Table.Caption>{t("admin.audit.count", { count: items.length })}</Table.Caption>
      )}
      columns={[
        t("admin.audit.seq"),
        t("admin.audit.when"),
        t("admin.audit.who"),
        t("admin.audit.what"),
        t("admin.audit.on"),
        t("admin.audit.change"),
      ]}
    >
      {(items) =>
        items.map((e) => (
          <Table.Tr key={e.seq}>
            <Table.Td>{e.seq}</Table.Td>
            <Table.Td style={{ whiteSpace: "nowrap" }}>
              {formatDateTime(e.at, i18n.language, zone)}
            </Table.Td>
            <Table.Td>{who(e.actor)}</Table.Td>
            <Table.Td>{readableAction(e.action)}</Table.Td>
            <Table.Td>
              <Text size="xs">{e.entityType.replace(/_/g, " ")}</Text>
              <Code>{e.entityId}</Code>
            </Table.Td>
            <Table.Td>
              <Summary entry={e} />
            </Table.Td>
          </Table.Tr>
        ))
      }
    </QueryTable>
  );
}

/** `request.review_started` → "request: review started". */
function readableAction(action: string): string {
  const [subject, ...rest] = action.split(".");
  return rest.length === 0
    ? action.replace(/_/g, " ")
    : `${subject ?? ""}: ${rest.join(" ").replace(/_/g, " ")}`;
}

/** The change in brief, one `key: value` per line (nested values as compact JSON). */
function Summary({ entry }: { entry: AuditEntry }) {
  const s = entry.summary;
  if (s === null || typeof s !== "object" || Array.isArray(s)) {
    return <Text size="xs">{JSON.stringify(s)}</Text>;
  }
  return (
    <Stack gap={0}>
      {Object.entries(s as Record<string, unknown>).map(([k, v]) => (
        <Text size="xs" key={k}>
          <Text span fw={600} size="xs">
            {k.replace(/_/g, " ")}
          </Text>
          {": "}
          {typeof v === "string" ? v : JSON.stringify(v)}
        </Text>
      ))}
    </Stack>
  );
}
