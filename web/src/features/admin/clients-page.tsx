// Client companies (admins): create one, rename it, archive it (its history stays; it takes no new
// requests) or restore it, and open its contacts (the people who sign in for it).

import {
  Button,
  Group,
  SegmentedControl,
  Stack,
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
import { formatDate } from "../../shared/format";
import { ActionDialog } from "../../shared/ui/action-dialog";
import { AnchorLink } from "../../shared/ui/links";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import {
  clientContactsQuery,
  clientQuery,
  clientsQuery,
  createClient,
  updateClient,
  type ArchivedFilter,
  type ClientCompany,
} from "./api";
import { QueryTable, RefusalRow } from "../../shared/ui/data-table";
import { ActiveBadge } from "../../shared/ui/status";

export function ClientsPage() {
  const { t } = useTranslation();
  const [archived, setArchived] = useState<ArchivedFilter>("exclude");
  const clients = useQuery(clientsQuery(archived));
  const [creating, create] = useDisclosure(false);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{t("admin.clients.title")}</Title>
        <Button onClick={create.open}>{t("admin.clients.create")}</Button>
      </Group>
      <SegmentedControl
        aria-label={t("admin.clients.show")}
        value={archived}
        onChange={(v) => setArchived(v as ArchivedFilter)}
        data={[
          { value: "exclude", label: t("admin.clients.current") },
          { value: "only", label: t("admin.clients.archivedOnly") },
          { value: "include", label: t("admin.clients.all") },
        ]}
      />
      <ClientFormModal opened={creating} onClose={create.close} client={null} />
      <QueryTable
        query={clients}
        label={t("admin.clients.title")}
        minWidth={600}
        tableProps={{ striped: true }}
        empty={t("admin.clients.empty")}
        columns={[
          t("admin.clients.name"),
          t("admin.clients.email"),
          t("admin.clients.state"),
          t("admin.clients.actions"),
        ]}
      >
        {(items) => items.map((c) => <ClientRow key={c.id} client={c} />)}
      </QueryTable>
    </Stack>
  );
}

function ClientRow({ client }: { client: ClientCompany }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [renaming, rename] = useDisclosure(false);
  const archive = useMutation({
    mutationFn: () => updateClient(client.id, { archived: !client.archived }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["admin", "clients"] }),
  });
  return (
    <>
      <Table.Tr>
        <Table.Td>
          <AnchorLink to="/staff/clients/$clientId" params={{ clientId: client.id }}>
            {client.name}
          </AnchorLink>
        </Table.Td>
        <Table.Td>{client.email ?? "—"}</Table.Td>
        <Table.Td>
          <ActiveBadge
            active={!client.archived}
            activeLabel={t("admin.clients.active")}
            inactiveLabel={t("admin.clients.archived")}
          />
        </Table.Td>
        <Table.Td>
          <Group gap="xs" wrap="nowrap">
            <Button
              size="xs"
              variant="default"
              onClick={rename.open}
              aria-label={t("admin.clients.renameOf", { name: client.name })}
            >
              {t("admin.clients.rename")}
            </Button>
            <Button
              size="xs"
              variant="default"
              loading={archive.isPending}
              onClick={() => archive.mutate()}
              aria-label={
                client.archived
                  ? t("admin.clients.restoreOf", { name: client.name })
                  : t("admin.clients.archiveOf", { name: client.name })
              }
            >
              {client.archived ? t("admin.clients.restore") : t("admin.clients.archive")}
            </Button>
          </Group>
          <ClientFormModal opened={renaming} onClose={rename.close} client={client} />
        </Table.Td>
      </Table.Tr>
      <RefusalRow error={archive.error} colSpan={4} />
    </>
  );
}

/** Creates a client company (name and contact address), or renames one (`client` given). */
function ClientFormModal({
  opened,
  onClose,
  client,
}: {
  opened: boolean;
  onClose: () => void;
  client: ClientCompany | null;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState(client?.name ?? "");
  const [email, setEmail] = useState("");
  const mutation = useMutation({
    mutationFn: () =>
      client === null
        ? createClient({ name, email: email === "" ? null : email })
        : updateClient(client.id, { name }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["admin"] });
      if (client === null) {
        setName("");
        setEmail("");
      }
      onClose();
    },
  });
  return (
    <ActionDialog
      opened={opened}
      onClose={onClose}
      title={client === null ? t("admin.clients.createTitle") : t("admin.clients.renameTitle")}
      mutation={mutation}
      submitLabel={t("admin.save")}
      fields={["name", "email"]}
    >
      <TextInput
        label={t("admin.clients.name")}
        required
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        error={fieldError(mutation.error, "name")}
      />
      {client === null ? (
        <TextInput
          label={t("admin.clients.email")}
          type="email"
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
          error={fieldError(mutation.error, "email")}
        />
      ) : null}
    </ActionDialog>
  );
}

/** One client company: its details and its contacts. */
export function ClientPage({ clientId }: { clientId: string }) {
  const { t, i18n } = useTranslation();
  const zone = usePolicyZone();
  const client = useQuery(clientQuery(clientId));
  const contacts = useQuery(clientContactsQuery(clientId));
  if (client.isPending) return <ListSkeleton rows={4} height={36} />;
  if (client.isError)
    return <ErrorView error={client.error} onRetry={() => void client.refetch()} />;
  const c = client.data;
  return (
    <Stack>
      <Title order={1}>{c.name}</Title>
      <Text size="sm">
        {c.email ?? t("admin.clients.noEmail")} ·{" "}
        {c.archived && c.archivedAt !== null
          ? t("admin.clients.archivedSince", {
              date: formatDate(c.archivedAt, i18n.language, zone),
            })
          : t("admin.clients.since", { date: formatDate(c.createdAt, i18n.language, zone) })}
      </Text>
      <Title order={2} size="h3">
        {t("admin.clients.contacts")}
      </Title>
      <QueryTable
        query={contacts}
        label={t("admin.clients.contacts")}
        minWidth={480}
        tableProps={{ striped: true }}
        skeletonRows={3}
        empty={t("admin.clients.noContacts")}
        columns={[t("admin.people.name"), t("admin.people.email"), t("admin.people.state")]}
      >
        {(items) =>
          items.map((u) => (
            <Table.Tr key={u.id}>
              <Table.Td>{u.name}</Table.Td>
              <Table.Td>{u.email}</Table.Td>
              <Table.Td>
                {u.disabled ? t("admin.people.disabled") : t("admin.people.active")}
              </Table.Td>
            </Table.Tr>
          ))
        }
      </QueryTable>
    </Stack>
  );
}
