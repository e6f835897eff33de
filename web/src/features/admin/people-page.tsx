// People (admins): everyone with an account, their role and state. The admin invites a person
// (any role; a client's contact names its company), changes a role, disables or enables an
// account, lifts a sign-in lock, and sees where a person is signed in (their sessions), ending one
// or all of them. Refusals (the last admin, an address taken) show in words.

import {
  Button,
  Group,
  Menu,
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
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { usePolicyZone } from "../../shared/api/policy";
import { fieldError } from "../../shared/api/problem";
import { sessionQuery } from "../../shared/api/session";
import { formatDateTime } from "../../shared/format";
import { ActionDialog } from "../../shared/ui/action-dialog";
import { Refusal } from "../../shared/ui/staff-refusal";
import {
  clientsQuery,
  endUserSession,
  endUserSessions,
  inviteUser,
  liftSignInLock,
  ROLES,
  updateUser,
  userSessionsQuery,
  usersQuery,
  type Role,
  type User,
} from "./api";
import { QueryTable, RefusalRow } from "../../shared/ui/data-table";
import { ActiveBadge } from "../../shared/ui/status";

export function PeoplePage() {
  const { t } = useTranslation();
  const users = useQuery(usersQuery);
  const [inviting, invite] = useDisclosure(false);
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{t("admin.people.title")}</Title>
        <Button onClick={invite.open}>{t("admin.people.invite")}</Button>
      </Group>
      {notice === null ? null : (
        <Text role="status" size="sm">
          {notice}
        </Text>
      )}
      <InviteModal
        opened={inviting}
        onClose={invite.close}
        onInvited={(u) => {
          invite.close();
          setNotice(t("admin.people.invited", { name: u.name, email: u.email }));
        }}
      />
      <QueryTable
        query={users}
        label={t("admin.people.title")}
        minWidth={720}
        tableProps={{ striped: true }}
        skeletonRows={8}
        empty={t("admin.people.empty")}
        columns={[
          t("admin.people.name"),
          t("admin.people.email"),
          t("admin.people.role"),
          t("admin.people.state"),
          t("admin.people.actions"),
        ]}
      >
        {(items) => items.map((u) => <PersonRow key={u.id} user={u} onNotice={setNotice} />)}
      </QueryTable>
    </Stack>
  );
}

function PersonRow({ user, onNotice }: { user: User; onNotice: (m: string) => void }) {
  const { t } = useTranslation(["translation", "console"]);
  const [showSessions, sessionsModal] = useDisclosure(false);
  const queryClient = useQueryClient();
  const me = useQuery(sessionQuery).data?.user?.id;
  const navigate = useNavigate();
  const reload = () => queryClient.invalidateQueries({ queryKey: ["admin", "users"] });
  const change = useMutation({
    mutationFn: (body: { role?: Role; disabled?: boolean }) => updateUser(user.id, body),
    onSuccess: async (u, body) => {
      onNotice(
        body.role !== undefined
          ? t("admin.people.roleChanged", { name: u.name, role: t(`admin.roles.${u.role}`) })
          : u.disabled
            ? t("admin.people.disabledDone", { name: u.name })
            : t("admin.people.enabledDone", { name: u.name }),
      );
      await reload();
    },
  });
  const unlock = useMutation({
    mutationFn: () => liftSignInLock(user.id),
    onSuccess: (r) =>
      onNotice(
        r.lifted > 0
          ? t("admin.people.lockLifted", { name: user.name })
          : t("admin.people.noLock", { name: user.name }),
      ),
  });
  const error = change.error ?? unlock.error;
  // A client's contact stays a client (their company's data); staff roles change among themselves.
  const roles =
    user.role === "client" ? (["client"] as const) : ROLES.filter((r) => r !== "client");
  return (
    <>
      <Table.Tr>
        <Table.Td>{user.name}</Table.Td>
        <Table.Td>{user.email}</Table.Td>
        <Table.Td>
          <NativeSelect
            size="xs"
            aria-label={t("admin.people.roleOf", { name: user.name })}
            value={user.role}
            disabled={change.isPending || user.role === "client" || user.id === me}
            data={roles.map((r) => ({ value: r, label: t(`admin.roles.${r}`) }))}
            onChange={(e) => change.mutate({ role: e.currentTarget.value as Role })}
          />
        </Table.Td>
        <Table.Td>
          <ActiveBadge
            active={!user.disabled}
            activeLabel={t("admin.people.active")}
            inactiveLabel={t("admin.people.disabled")}
          />
        </Table.Td>
        <Table.Td>
          <Menu position="bottom-end">
            <Menu.Target>
              <Button
                size="xs"
                variant="default"
                aria-label={t("admin.people.actionsFor", { name: user.name })}
                loading={change.isPending || unlock.isPending}
              >
                {t("admin.people.actions")}
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              {user.id === me ? null : (
                <Menu.Item onClick={() => change.mutate({ disabled: !user.disabled })}>
                  {user.disabled ? t("admin.people.enable") : t("admin.people.disable")}
                </Menu.Item>
              )}
              <Menu.Item onClick={() => unlock.mutate()}>{t("admin.people.liftLock")}</Menu.Item>
              <Menu.Item onClick={sessionsModal.open}>{t("console:sessions.menu")}</Menu.Item>
              <Menu.Item
                onClick={() => void navigate({ to: "/staff/audit", search: { userId: user.id } })}
              >
                {t("admin.people.auditTrail")}
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Table.Td>
      </Table.Tr>
      <RefusalRow error={error} colSpan={5} onReload={() => void reload()} />
      {showSessions ? (
        <SessionsModal user={user} onClose={sessionsModal.close} onNotice={onNotice} />
      ) : null}
    </>
  );
}

function InviteModal({
  opened,
  onClose,
  onInvited,
}: {
  opened: boolean;
  onClose: () => void;
  onInvited: (u: User) => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("qa");
  const [clientId, setClientId] = useState("");
  const clients = useQuery({ ...clientsQuery("exclude"), enabled: opened && role === "client" });
  const mutation = useMutation({
    mutationFn: () => inviteUser({ email, name, role, clientId: clientId || null }),
    onSuccess: async (r) => {
      setEmail("");
      setName("");
      setClientId("");
      await queryClient.invalidateQueries({ queryKey: ["admin", "users"] });
      onInvited(r.user);
    },
  });
  return (
    <ActionDialog
      opened={opened}
      onClose={onClose}
      title={t("admin.people.inviteTitle")}
      mutation={mutation}
      submitLabel={t("admin.people.sendInvitation")}
      fields={["name", "email", "role", "clientId"]}
    >
      <Text size="sm">{t("admin.people.inviteHelp")}</Text>
      <TextInput
        label={t("admin.people.name")}
        required
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        error={fieldError(mutation.error, "name")}
      />
      <TextInput
        label={t("admin.people.email")}
        type="email"
        required
        value={email}
        onChange={(e) => setEmail(e.currentTarget.value)}
        error={fieldError(mutation.error, "email")}
      />
      <NativeSelect
        label={t("admin.people.role")}
        value={role}
        data={ROLES.map((r) => ({ value: r, label: t(`admin.roles.${r}`) }))}
        onChange={(e) => setRole(e.currentTarget.value as Role)}
        error={fieldError(mutation.error, "role")}
      />
      {role === "client" ? (
        <NativeSelect
          label={t("admin.people.client")}
          required
          value={clientId}
          data={[
            { value: "", label: t("admin.people.chooseClient") },
            ...(clients.data?.items ?? []).map((c) => ({ value: c.id, label: c.name })),
          ]}
          onChange={(e) => setClientId(e.currentTarget.value)}
          error={fieldError(mutation.error, "clientId")}
        />
      ) : null}
    </ActionDialog>
  );
}

/** Where a person is signed in: each session's start and end, ended one at a time or all at once. */
function SessionsModal({
  user,
  onClose,
  onNotice,
}: {
  user: User;
  onClose: () => void;
  onNotice: (m: string) => void;
}) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const zone = usePolicyZone();
  const queryClient = useQueryClient();
  const sessions = useQuery(userSessionsQuery(user.id));
  const reload = () =>
    queryClient.invalidateQueries({ queryKey: ["admin", "users", user.id, "sessions"] });
  const endOne = useMutation({
    mutationFn: (sessionId: string) => endUserSession(user.id, sessionId),
    onSuccess: async () => {
      onNotice(t("console:sessions.endedOne", { name: user.name }));
      await reload();
    },
  });
  const endAll = useMutation({
    mutationFn: () => endUserSessions(user.id),
    onSuccess: async (r) => {
      onNotice(t("console:sessions.endedAll", { name: user.name, count: r.ended }));
      await reload();
    },
  });
  const when = (iso: string) => formatDateTime(iso, i18n.language, zone);
  return (
    <Modal
      opened
      onClose={onClose}
      size="lg"
      title={t("console:sessions.title", { name: user.name })}
      closeButtonProps={{ "aria-label": t("admin.close") }}
    >
      <Stack gap="sm">
        <Text size="sm">{t("console:sessions.help")}</Text>
        <Refusal error={endOne.error ?? endAll.error} onReload={() => void reload()} />
        <QueryTable
          query={sessions}
          label={t("console:sessions.title", { name: user.name })}
          minWidth={300}
          tableProps={{ striped: true }}
          skeletonRows={2}
          empty={t("console:sessions.none", { name: user.name })}
          columns={[
            t("console:sessions.started"),
            t("console:sessions.expires"),
            t("admin.people.actions"),
          ]}
        >
          {(items) =>
            items.map((s) => (
              <Table.Tr key={s.id}>
                <Table.Td>
                  {when(s.createdAt)}
                  {s.current ? ` · ${t("console:sessions.yours")}` : ""}
                </Table.Td>
                <Table.Td>{when(s.expiresAt)}</Table.Td>
                <Table.Td>
                  <Button
                    size="xs"
                    variant="default"
                    color="red"
                    loading={endOne.isPending && endOne.variables === s.id}
                    onClick={() => endOne.mutate(s.id)}
                    aria-label={t("console:sessions.endOneOf", { started: when(s.createdAt) })}
                  >
                    {t("console:sessions.endOne")}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))
          }
        </QueryTable>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t("admin.close")}
          </Button>
          <Button
            color="red"
            loading={endAll.isPending}
            disabled={(sessions.data?.items.length ?? 0) === 0}
            onClick={() => endAll.mutate()}
          >
            {t("console:sessions.endAll")}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
