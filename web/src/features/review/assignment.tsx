// Who has a request, and the menu that changes it: take it (claim), give it to a reviewer, or put it
// back in the unassigned queue. Shown when the session's abilities include request.assign (the
// server's word); a refusal (a closed request, an appeal for its denier) comes back in words.

import { Button, Menu, Text } from "@mantine/core";
import { notify } from "./notify";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ApiError } from "../../shared/api/problem";
import { sessionQuery } from "../../shared/api/session";
import { assignRequest, claimRequest, reviewersQuery, unassignRequest } from "./api";

type Change = { mode: "claim" } | { mode: "assign"; userId: string } | { mode: "unassign" };

export function useCanAssign(): boolean {
  const session = useQuery(sessionQuery).data;
  return session?.abilities.includes("request.assign") ?? false;
}

/** The assignment menu of one request (its reference names it for screen readers). */
export function AssignMenu({
  requestId,
  reference,
  assigneeId,
  version,
  size = "xs",
}: {
  requestId: string;
  reference: string;
  assigneeId: string | null;
  /** The version read, when the caller wants a stale page refused (the request page). */
  version?: number;
  size?: "xs" | "sm";
}) {
  const { t } = useTranslation(["translation", "console"]);
  const queryClient = useQueryClient();
  const session = useQuery(sessionQuery).data;
  const reviewers = useQuery(reviewersQuery);
  const me = session?.user?.id ?? null;
  const change = useMutation({
    mutationFn: (c: Change) =>
      c.mode === "claim"
        ? claimRequest(requestId, version)
        : c.mode === "assign"
          ? assignRequest(requestId, c.userId, version)
          : unassignRequest(requestId, version),
    onSuccess: async (_view, c) => {
      const name =
        c.mode === "assign" ? (reviewers.data?.find((u) => u.id === c.userId)?.name ?? "") : "";
      notify({
        color: "green",
        message:
          c.mode === "claim"
            ? t("console:assign.claimed", { reference })
            : c.mode === "assign"
              ? t("console:assign.assigned", { reference, name })
              : t("console:assign.unassigned", { reference }),
      });
      await queryClient.invalidateQueries({ queryKey: ["requests"] });
    },
    onError: (error) => {
      notify({
        color: "red",
        title: t("console:assign.refused", { reference }),
        message:
          error instanceof ApiError && error.problem !== null
            ? error.problem.detail
            : t("errors.network"),
      });
    },
  });
  const others = (reviewers.data ?? []).filter((u) => u.id !== assigneeId && u.id !== me);
  return (
    <Menu position="bottom-end" withinPortal shadow="md">
      <Menu.Target>
        <Button
          variant="default"
          size={size}
          loading={change.isPending}
          aria-label={t("console:assign.menuLabel", { reference })}
        >
          {t("console:assign.menu")}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        {assigneeId !== me ? (
          <Menu.Item onClick={() => change.mutate({ mode: "claim" })}>
            {t("console:assign.claim")}
          </Menu.Item>
        ) : null}
        {others.length > 0 ? <Menu.Label>{t("console:assign.giveTo")}</Menu.Label> : null}
        {others.map((u) => (
          <Menu.Item key={u.id} onClick={() => change.mutate({ mode: "assign", userId: u.id })}>
            {u.name}
          </Menu.Item>
        ))}
        {assigneeId !== null ? (
          <>
            <Menu.Divider />
            <Menu.Item onClick={() => change.mutate({ mode: "unassign" })}>
              {t("console:assign.unassign")}
            </Menu.Item>
          </>
        ) : null}
      </Menu.Dropdown>
    </Menu>
  );
}

/** The assignee in words: a name, "you", or unassigned. */
export function AssigneeText({ id, name }: { id: string | null; name: string | null }) {
  const { t } = useTranslation(["translation", "console"]);
  const me = useQuery(sessionQuery).data?.user?.id ?? null;
  if (id === null) {
    return (
      <Text size="sm" c="dimmed">
        {t("console:assign.nobody")}
      </Text>
    );
  }
  return <Text size="sm">{id === me ? t("console:assign.you", { name }) : (name ?? id)}</Text>;
}
