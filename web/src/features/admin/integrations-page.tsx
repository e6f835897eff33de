// Integrations (admins): API tokens for the company's systems (created with scopes; the token is
// shown once, with a copy button; revoked at once) and webhook endpoints (created with the events
// they receive, the signing secret shown once; edited later: URL, events, description, enabled),
// each endpoint's deliveries, and a parked (failed) delivery sent again.

import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  CopyButton,
  Group,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { fieldError } from "../../shared/api/problem";
import { usePolicyZone } from "../../shared/api/policy";
import { formatDateTime } from "../../shared/format";
import { ActionDialog } from "../../shared/ui/action-dialog";
import { RefusalAlert } from "../../shared/ui/refusal";
import {
  createToken,
  createWebhook,
  deliveriesQuery,
  retryDelivery,
  revokeToken,
  TOKEN_SCOPES,
  tokensQuery,
  webhooksQuery,
  type TokenScope,
  type WebhookEndpoint,
  type WebhookEvent,
  updateWebhook,
} from "./api";
import { QueryStates, QueryTable, ScrollTable } from "../../shared/ui/data-table";

const WEBHOOK_EVENTS: readonly WebhookEvent[] = [
  "*",
  "request_received",
  "question_asked",
  "reply_reminder",
  "decision",
  "alternative_offered",
  "client_answered",
  "alternative_accepted",
  "alternative_declined",
  "request_withdrawn",
  "message_posted",
  "refund_sent",
  "refund_failed",
  "payout_overdue",
  "payout_needs_action",
  "destination_needed",
  "destination_reminder",
];

export function IntegrationsPage() {
  const { t } = useTranslation();
  return (
    <Stack>
      <Title order={1}>{t("admin.integrations.title")}</Title>
      <TokensSection />
      <WebhooksSection />
    </Stack>
  );
}

/** A secret shown once: the value, a copy button, and the warning that it will not be shown again. */
function SecretOnce({ label, value }: { label: string; value: string }) {
  const { t } = useTranslation();
  return (
    <Alert color="blue" role="status" title={label}>
      <Stack gap="xs">
        <Text size="sm">{t("admin.integrations.shownOnce")}</Text>
        <Group gap="xs" wrap="nowrap">
          <Code style={{ wordBreak: "break-all" }}>{value}</Code>
          <CopyButton value={value}>
            {({ copied, copy }) => (
              <Button size="xs" variant="default" onClick={copy}>
                {copied ? t("admin.integrations.copied") : t("admin.integrations.copy")}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Alert>
  );
}

function TokensSection() {
  const { t, i18n } = useTranslation();
  const zone = usePolicyZone();
  const queryClient = useQueryClient();
  const tokens = useQuery(tokensQuery);
  const [opened, modal] = useDisclosure(false);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<TokenScope[]>([]);
  const create = useMutation({
    mutationFn: () => createToken({ name, scopes }),
    onSuccess: async () => {
      setName("");
      setScopes([]);
      modal.close();
      await queryClient.invalidateQueries({ queryKey: ["admin", "tokens"] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => revokeToken(id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["admin", "tokens"] }),
  });
  return (
    <Card withBorder component="section" aria-labelledby="tokens-title">
      <Stack>
        <Group justify="space-between">
          <Title order={2} size="h3" id="tokens-title">
            {t("admin.integrations.tokens")}
          </Title>
          <Button onClick={modal.open}>{t("admin.integrations.newToken")}</Button>
        </Group>
        {create.data === undefined ? null : (
          <SecretOnce
            label={t("admin.integrations.tokenCreated", { name: create.data.name })}
            value={create.data.token}
          />
        )}
        <RefusalAlert error={revoke.error} />
        <QueryTable
          query={tokens}
          label={t("admin.integrations.tokens")}
          minWidth={640}
          tableProps={{ striped: true }}
          skeletonRows={3}
          empty={t("admin.integrations.noTokens")}
          columns={[
            t("admin.integrations.name"),
            t("admin.integrations.scopes"),
            t("admin.integrations.lastUsed"),
            t("admin.integrations.state"),
          ]}
        >
          {(items) =>
            items.map((tok) => (
              <Table.Tr key={tok.id}>
                <Table.Td>{tok.name}</Table.Td>
                <Table.Td>{tok.scopes.join(", ")}</Table.Td>
                <Table.Td>
                  {tok.lastUsedAt === null
                    ? t("admin.integrations.never")
                    : formatDateTime(tok.lastUsedAt, i18n.language, zone)}
                </Table.Td>
                <Table.Td>
                  {tok.revokedAt !== null ? (
                    t("admin.integrations.revokedOn", {
                      date: formatDateTime(tok.revokedAt, i18n.language, zone),
                    })
                  ) : (
                    <Button
                      size="xs"
                      variant="default"
                      color="red"
                      loading={revoke.isPending && revoke.variables === tok.id}
                      onClick={() => revoke.mutate(tok.id)}
                      aria-label={t("admin.integrations.revokeOf", { name: tok.name })}
                    >
                      {t("admin.integrations.revoke")}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))
          }
        </QueryTable>
      </Stack>
      <ActionDialog
        opened={opened}
        onClose={modal.close}
        title={t("admin.integrations.newToken")}
        mutation={create}
        submitLabel={t("admin.integrations.createToken")}
        fields={["name", "scopes"]}
      >
        <TextInput
          label={t("admin.integrations.name")}
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={fieldError(create.error, "name")}
        />
        <Checkbox.Group
          label={t("admin.integrations.scopes")}
          value={scopes}
          onChange={(v) => setScopes(v as TokenScope[])}
          error={fieldError(create.error, "scopes")}
        >
          <Stack gap={4} mt={4}>
            {TOKEN_SCOPES.map((sc) => (
              <Checkbox key={sc} value={sc} label={sc} />
            ))}
          </Stack>
        </Checkbox.Group>
      </ActionDialog>
    </Card>
  );
}

function WebhooksSection() {
  const { t } = useTranslation(["translation", "console"]);
  const endpoints = useQuery(webhooksQuery);
  const [creating, createModal] = useDisclosure(false);
  const [created, setCreated] = useState<{ url: string; secret: string } | null>(null);
  const [editing, setEditing] = useState<WebhookEndpoint | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <Card withBorder component="section" aria-labelledby="webhooks-title">
      <Stack>
        <Group justify="space-between">
          <Title order={2} size="h3" id="webhooks-title">
            {t("admin.integrations.webhooks")}
          </Title>
          <Button onClick={createModal.open}>{t("admin.integrations.newWebhook")}</Button>
        </Group>
        {created === null ? null : (
          <SecretOnce
            label={t("admin.integrations.webhookCreated", { url: created.url })}
            value={created.secret}
          />
        )}
        <QueryStates query={endpoints} skeletonRows={3} empty={t("admin.integrations.noWebhooks")}>
          {(items) => (
            <Stack gap="sm">
              {items.map((ep) => (
                <Card key={ep.id} withBorder padding="sm">
                  <Group justify="space-between" wrap="wrap">
                    <Stack gap={2}>
                      <Text fw={600} style={{ wordBreak: "break-all" }}>
                        {ep.url}
                      </Text>
                      {ep.description === null ? null : <Text size="sm">{ep.description}</Text>}
                      <Text size="sm">
                        {t("admin.integrations.events")}:{" "}
                        {ep.events.includes("*")
                          ? t("admin.integrations.allEvents")
                          : ep.events.join(", ")}
                      </Text>
                      {ep.disabled ? (
                        <Badge color="gray" variant="dot" radius="sm">
                          {t("admin.integrations.disabled")}
                        </Badge>
                      ) : null}
                    </Stack>
                    <Group gap="xs">
                      <Button
                        size="xs"
                        variant="default"
                        onClick={() => setEditing(ep)}
                        aria-label={t("console:webhookEdit.editOf", { url: ep.url })}
                      >
                        {t("console:webhookEdit.edit")}
                      </Button>
                      <Button
                        size="xs"
                        variant="default"
                        aria-expanded={open === ep.id}
                        onClick={() => setOpen(open === ep.id ? null : ep.id)}
                      >
                        {open === ep.id
                          ? t("admin.integrations.hideDeliveries")
                          : t("admin.integrations.showDeliveries")}
                      </Button>
                    </Group>
                  </Group>
                  {open === ep.id ? <Deliveries endpoint={ep} /> : null}
                </Card>
              ))}
            </Stack>
          )}
        </QueryStates>
      </Stack>
      <WebhookDialog
        key="new"
        opened={creating}
        endpoint={null}
        onClose={createModal.close}
        onCreated={(c) => {
          setCreated(c);
          createModal.close();
        }}
      />
      {editing === null ? null : (
        <WebhookDialog
          key={editing.id}
          opened
          endpoint={editing}
          onClose={() => setEditing(null)}
          onCreated={() => setEditing(null)}
        />
      )}
    </Card>
  );
}

/**
 * Registers a webhook endpoint (`endpoint` null: URL, description, events; the secret is shown
 * once by the caller) or changes one (the same fields, and whether it is enabled).
 */
function WebhookDialog({
  opened,
  endpoint,
  onClose,
  onCreated,
}: {
  opened: boolean;
  endpoint: WebhookEndpoint | null;
  onClose: () => void;
  onCreated: (created: { url: string; secret: string }) => void;
}) {
  const { t } = useTranslation(["translation", "console"]);
  const queryClient = useQueryClient();
  const [url, setUrl] = useState(endpoint?.url ?? "");
  const [description, setDescription] = useState(endpoint?.description ?? "");
  const [events, setEvents] = useState<WebhookEvent[]>(endpoint?.events ?? []);
  const [enabled, setEnabled] = useState(endpoint === null ? true : !endpoint.disabled);
  const save = useMutation({
    mutationFn: async () => {
      const desc = description.trim() === "" ? null : description.trim();
      if (endpoint === null) {
        const made = await createWebhook({ url, events, description: desc });
        return { url: made.url, secret: made.secret };
      }
      await updateWebhook(endpoint.id, { url, events, description: desc, disabled: !enabled });
      return null;
    },
    onSuccess: async (made) => {
      if (made !== null) {
        setUrl("");
        setDescription("");
        setEvents([]);
      }
      await queryClient.invalidateQueries({ queryKey: ["admin", "webhooks"] });
      if (made !== null) onCreated(made);
      else onClose();
    },
  });
  return (
    <ActionDialog
      opened={opened}
      onClose={onClose}
      title={
        endpoint === null
          ? t("admin.integrations.newWebhook")
          : t("console:webhookEdit.title", { url: endpoint.url })
      }
      mutation={save}
      submitLabel={
        endpoint === null ? t("admin.integrations.createWebhook") : t("console:webhookEdit.save")
      }
      fields={["url", "description", "events", "disabled"]}
    >
      <TextInput
        label={t("admin.integrations.url")}
        required
        type="url"
        value={url}
        onChange={(e) => setUrl(e.currentTarget.value)}
        error={fieldError(save.error, "url")}
      />
      <TextInput
        label={t("admin.integrations.description")}
        value={description}
        onChange={(e) => setDescription(e.currentTarget.value)}
        error={fieldError(save.error, "description")}
      />
      <Checkbox.Group
        label={t("admin.integrations.events")}
        value={events}
        onChange={(v) => setEvents(v as WebhookEvent[])}
        error={fieldError(save.error, "events")}
      >
        <Stack gap={4} mt={4}>
          {WEBHOOK_EVENTS.map((ev) => (
            <Checkbox
              key={ev}
              value={ev}
              label={ev === "*" ? t("admin.integrations.allEvents") : ev}
            />
          ))}
        </Stack>
      </Checkbox.Group>
      {endpoint === null ? null : (
        <Switch
          label={t("console:webhookEdit.enabled")}
          description={t("console:webhookEdit.enabledHelp")}
          checked={enabled}
          onChange={(e) => setEnabled(e.currentTarget.checked)}
          error={fieldError(save.error, "disabled")}
        />
      )}
    </ActionDialog>
  );
}

function Deliveries({ endpoint }: { endpoint: WebhookEndpoint }) {
  const { t, i18n } = useTranslation();
  const zone = usePolicyZone();
  const queryClient = useQueryClient();
  const deliveries = useQuery(deliveriesQuery(endpoint.id));
  const retry = useMutation({
    mutationFn: (deliveryId: string) => retryDelivery(endpoint.id, deliveryId),
    onSuccess: () =>
      queryClient.invalidateQueries({ queryKey: ["admin", "webhooks", endpoint.id] }),
  });
  return (
    <QueryStates
      query={deliveries}
      skeletonRows={2}
      skeletonHeight={32}
      empty={<Text size="sm">{t("admin.integrations.noDeliveries")}</Text>}
    >
      {(items) => (
        <Stack gap="xs" mt="sm">
          <RefusalAlert error={retry.error} />
          <ScrollTable
            label={t("admin.integrations.deliveriesOf", { url: endpoint.url })}
            minWidth={640}
            columns={[
              t("admin.integrations.event"),
              t("admin.integrations.status"),
              t("admin.integrations.attempts"),
              t("admin.integrations.lastAttempt"),
              t("admin.integrations.actions"),
            ]}
          >
            {items.map((d) => (
              <Table.Tr key={d.id}>
                <Table.Td>{d.eventType}</Table.Td>
                <Table.Td>
                  {t(`admin.integrations.delivery.${d.status}`)}
                  {d.lastError === null ? null : (
                    <Text size="xs">
                      {d.lastStatus === null ? d.lastError : `${d.lastStatus}: ${d.lastError}`}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{d.attempts}</Table.Td>
                <Table.Td>
                  {d.lastAttemptAt === null
                    ? "—"
                    : formatDateTime(d.lastAttemptAt, i18n.language, zone)}
                </Table.Td>
                <Table.Td>
                  {d.status === "failed" ? (
                    <Button
                      size="xs"
                      variant="default"
                      loading={retry.isPending && retry.variables === d.id}
                      onClick={() => retry.mutate(d.id)}
                    >
                      {t("admin.integrations.sendAgain")}
                    </Button>
                  ) : null}
                </Table.Td>
              </Table.Tr>
            ))}
          </ScrollTable>
        </Stack>
      )}
    </QueryStates>
  );
}
