// The policy's versions on the admin policy page (ADR 0025): each with its state and when it takes
// effect, a scheduled one withdrawn before its instant, a new one published from a policy file and
// a future instant (the API's refusals shown by the field: the document's path, the instant), and
// the settings and clause texts that differ between two versions, side by side.

import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Input,
  List,
  Modal,
  NativeSelect,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, fieldError } from "../../shared/api/problem";
import { usePolicyZone } from "../../shared/api/policy";
import { formatDateTime } from "../../shared/format";
import "../../shared/i18n/console";
import { RefusalAlert } from "../../shared/ui/refusal";
import { QueryTable, ScrollTable } from "../../shared/ui/data-table";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import {
  policyDiffQuery,
  policyVersionsQuery,
  publishPolicyVersion,
  withdrawPolicyVersion,
  type PolicyDiff,
  type PolicyVersionSummary,
} from "./api";

const STATUS_COLOR: Record<PolicyVersionSummary["status"], string> = {
  in_force: "green",
  scheduled: "blue",
  superseded: "gray",
  withdrawn: "gray",
};

/** The first version is effective from the epoch: people read "from the first start". */
const EPOCH = "1970-01-01T00:00:00.000Z";

export function PolicyVersions() {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const zone = usePolicyZone();
  const queryClient = useQueryClient();
  const versions = useQuery(policyVersionsQuery);
  const [publishing, publish] = useDisclosure(false);
  const [note, setNote] = useState<string | null>(null);
  const withdraw = useMutation({
    mutationFn: (id: string) => withdrawPolicyVersion(id),
    onSuccess: async (v) => {
      setNote(t("console:policyVersions.withdrawn", { id: v.id }));
      await queryClient.invalidateQueries({ queryKey: ["admin", "policy-versions"] });
      await queryClient.invalidateQueries({ queryKey: ["policy"] });
    },
  });
  const when = (iso: string) => formatDateTime(iso, i18n.language, zone);
  return (
    <Stack>
      <Card withBorder component="section" aria-labelledby="admin-policy-versions">
        <Stack gap="sm">
          <Group justify="space-between">
            <Title order={2} size="h4" id="admin-policy-versions">
              {t("console:policyVersions.title")}
            </Title>
            <Button onClick={publish.open}>{t("console:policyVersions.publish")}</Button>
          </Group>
          <Text size="sm">{t("console:policyVersions.help")}</Text>
          {note === null ? null : (
            <Alert
              color="green"
              role="status"
              withCloseButton
              closeButtonLabel={t("admin.close")}
              onClose={() => setNote(null)}
            >
              {note}
            </Alert>
          )}
          <RefusalAlert error={withdraw.error} />
          <QueryTable
            query={versions}
            label={t("console:policyVersions.title")}
            minWidth={640}
            skeletonRows={3}
            columns={[
              t("console:policyVersions.id"),
              t("console:policyVersions.state"),
              t("console:policyVersions.effective"),
              t("console:policyVersions.published"),
              t("console:policyVersions.actions"),
            ]}
          >
            {(items) =>
              items.map((v) => (
                <Table.Tr key={v.id}>
                  <Table.Td>{v.id}</Table.Td>
                  <Table.Td style={{ minWidth: 130 }}>
                    <Badge color={STATUS_COLOR[v.status]} variant="light">
                      {t(`console:policyVersions.status.${v.status}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {v.effectiveAt === EPOCH
                      ? t("console:policyVersions.fromTheStart")
                      : when(v.effectiveAt)}
                  </Table.Td>
                  <Table.Td>
                    {t("console:policyVersions.publishedBy", {
                      date: when(v.publishedAt),
                      who: v.publishedBy,
                    })}
                  </Table.Td>
                  <Table.Td>
                    {v.status === "scheduled" ? (
                      <Button
                        size="xs"
                        variant="default"
                        color="red"
                        aria-label={t("console:policyVersions.withdrawLabel", { id: v.id })}
                        loading={withdraw.isPending && withdraw.variables === v.id}
                        onClick={() => withdraw.mutate(v.id)}
                      >
                        {t("console:policyVersions.withdraw")}
                      </Button>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))
            }
          </QueryTable>
        </Stack>
      </Card>
      <PublishModal
        opened={publishing}
        onClose={publish.close}
        onPublished={(v) =>
          setNote(
            t("console:policyVersions.published_note", { id: v.id, date: when(v.effectiveAt) }),
          )
        }
      />
      {versions.data !== undefined && versions.data.items.length > 1 ? (
        <DiffSection versions={versions.data.items} />
      ) : null}
    </Stack>
  );
}

function PublishModal({
  opened,
  onClose,
  onPublished,
}: {
  opened: boolean;
  onClose: () => void;
  onPublished: (v: PolicyVersionSummary) => void;
}) {
  const { t } = useTranslation(["translation", "console"]);
  const queryClient = useQueryClient();
  const fileId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [effectiveAt, setEffectiveAt] = useState("");
  const [missing, setMissing] = useState<{ file?: string; effectiveAt?: string }>({});
  const mutation = useMutation({
    mutationFn: async () =>
      publishPolicyVersion({ document: await (file as File).text(), effectiveAt }),
    onSuccess: async (v) => {
      await queryClient.invalidateQueries({ queryKey: ["admin", "policy-versions"] });
      await queryClient.invalidateQueries({ queryKey: ["policy"] });
      onPublished(v);
      close();
    },
  });
  const close = () => {
    setFile(null);
    setEffectiveAt("");
    setMissing({});
    mutation.reset();
    onClose();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next = {
      ...(file === null ? { file: t("console:policyVersions.fileRequired") } : {}),
      ...(effectiveAt.trim() === ""
        ? { effectiveAt: t("console:policyVersions.effectiveAtRequired") }
        : {}),
    };
    setMissing(next);
    if (Object.keys(next).length === 0) mutation.mutate();
  };
  // The document's own fields (`document.parameters.requestWindowDays`), listed under the file.
  const documentErrors =
    mutation.error instanceof ApiError
      ? (mutation.error.problem?.errors ?? []).filter(
          (e) => e.path === "document" || e.path.startsWith("document."),
        )
      : [];
  const instantError = fieldError(mutation.error, "effectiveAt") ?? missing.effectiveAt;
  // Anything the fields above do not show (a taken version id, the server) goes in one alert.
  const errors = mutation.error instanceof ApiError ? (mutation.error.problem?.errors ?? []) : [];
  const alertShown =
    errors.length === 0 ||
    errors.some((e) => !(e.path === "effectiveAt" || e.path.startsWith("document")));
  return (
    <Modal
      opened={opened}
      onClose={close}
      title={t("console:policyVersions.publishTitle")}
      closeButtonProps={{ "aria-label": t("admin.close") }}
    >
      <form onSubmit={submit} noValidate>
        <Stack>
          <Text size="sm">{t("console:policyVersions.publishHelp")}</Text>
          <Input.Wrapper
            label={t("console:policyVersions.file")}
            id={fileId}
            required
            error={
              missing.file ??
              (documentErrors.length === 0 ? undefined : (
                <Stack gap={2}>
                  <span>{t("console:policyVersions.fileErrors")}</span>
                  <List size="xs">
                    {documentErrors.map((e) => (
                      <List.Item
                        key={e.path}
                      >{`${e.path.replace(/^document\.?/, "") || "document"}: ${e.message}`}</List.Item>
                    ))}
                  </List>
                </Stack>
              ))
            }
          >
            <input
              id={fileId}
              type="file"
              accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml"
              aria-invalid={missing.file !== undefined || documentErrors.length > 0}
              onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
              style={{ display: "block", marginTop: 4 }}
            />
          </Input.Wrapper>
          <TextInput
            label={t("console:policyVersions.effectiveAt")}
            description={t("console:policyVersions.effectiveAtHelp")}
            placeholder="2027-01-01T00:00:00+07:00"
            required
            value={effectiveAt}
            onChange={(e) => setEffectiveAt(e.currentTarget.value)}
            error={instantError}
          />
          {alertShown ? <RefusalAlert error={mutation.error} fields={["effectiveAt"]} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t("console:policyVersions.cancel")}
            </Button>
            <Button type="submit" loading={mutation.isPending}>
              {t("console:policyVersions.submit")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function DiffSection({ versions }: { versions: readonly PolicyVersionSummary[] }) {
  const { t } = useTranslation(["translation", "console"]);
  const live = versions.filter((v) => v.status !== "withdrawn");
  const inForce = live.find((v) => v.status === "in_force") ?? live[0] ?? versions[0];
  const newest = live.at(-1) ?? versions.at(-1);
  const [a, setA] = useState(inForce?.id ?? "");
  const [b, setB] = useState(newest?.id ?? "");
  const diff = useQuery({ ...policyDiffQuery(a, b), enabled: a !== "" && b !== "" });
  const options = versions.map((v) => ({
    value: v.id,
    label: `${v.id} (${t(`console:policyVersions.status.${v.status}`)})`,
  }));
  return (
    <Card withBorder component="section" aria-labelledby="admin-policy-diff">
      <Stack gap="sm">
        <Title order={2} size="h4" id="admin-policy-diff">
          {t("console:policyVersions.diffTitle")}
        </Title>
        <Group grow>
          <NativeSelect
            label={t("console:policyVersions.diffA")}
            data={options}
            value={a}
            onChange={(e) => setA(e.currentTarget.value)}
          />
          <NativeSelect
            label={t("console:policyVersions.diffB")}
            data={options}
            value={b}
            onChange={(e) => setB(e.currentTarget.value)}
          />
        </Group>
        {diff.isPending ? (
          <ListSkeleton rows={2} height={36} />
        ) : diff.isError ? (
          <ErrorView error={diff.error} onRetry={() => void diff.refetch()} />
        ) : (
          <DiffTables diff={diff.data} />
        )}
      </Stack>
    </Card>
  );
}

function DiffTables({ diff }: { diff: PolicyDiff }) {
  const { t } = useTranslation(["translation", "console"]);
  if (diff.settings.length === 0 && diff.clauses.length === 0) {
    return <Text size="sm">{t("console:policyVersions.diffSame")}</Text>;
  }
  const show = (v: unknown) =>
    v === undefined ? t("console:policyVersions.diffNone") : JSON.stringify(v);
  return (
    <Stack gap="sm">
      <DiffTable
        caption={t("console:policyVersions.diffSettings")}
        keyColumn={t("console:policyVersions.diffPath")}
        diff={diff}
        rows={diff.settings.map((s) => ({ key: s.path, a: show(s.a), b: show(s.b) }))}
      />
      <DiffTable
        caption={t("console:policyVersions.diffClauses")}
        keyColumn={t("console:policyVersions.diffClause")}
        diff={diff}
        rows={diff.clauses.map((c) => ({ key: c.id, a: c.a, b: c.b }))}
        preWrap
      />
    </Stack>
  );
}

/** One part of the difference (settings, clause texts): a row a key, its value in `a` and `b`. */
function DiffTable({
  caption,
  keyColumn,
  diff,
  rows,
  preWrap = false,
}: {
  /** Captions the table and names its scrolling region. */
  caption: string;
  keyColumn: string;
  diff: PolicyDiff;
  rows: readonly { key: string; a: string; b: string }[];
  /** Keep the values' line breaks (clause texts). */
  preWrap?: boolean;
}) {
  if (rows.length === 0) return null;
  const style = preWrap ? { whiteSpace: "pre-wrap" as const } : undefined;
  return (
    <ScrollTable
      label={caption}
      minWidth={480}
      tableProps={{ captionSide: "top" }}
      caption={<caption style={{ textAlign: "start", fontWeight: 600 }}>{caption}</caption>}
      columns={[keyColumn, diff.a.id, diff.b.id]}
    >
      {rows.map((r) => (
        <Table.Tr key={r.key}>
          <Table.Td>
            <code>{r.key}</code>
          </Table.Td>
          <Table.Td style={style}>{r.a}</Table.Td>
          <Table.Td style={style}>{r.b}</Table.Td>
        </Table.Tr>
      ))}
    </ScrollTable>
  );
}
