// The conversation with the client (the description, questions, answers, messages) and the
// internal notes beside it, which the client never sees; staff whose abilities include
// request.note write notes here.

import { Button, Card, Group, Stack, Text, Textarea, Title } from "@mantine/core";
import { notify } from "./notify";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { fieldError } from "../../shared/api/problem";
import { sessionQuery } from "../../shared/api/session";
import { formatDateTime } from "../../shared/format";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import { messagesQuery } from "../../shared/api/pages";
import { writeNote, type StaffRequest } from "./api";
import { useNames } from "./people";
import { Refusal } from "../../shared/ui/staff-refusal";
import { Tag } from "./tag";

export function ConversationCard({
  request: r,
  zone,
}: {
  request: StaffRequest;
  zone: string | null;
}) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const lng = i18n.language;
  const name = useNames();
  const messages = useQuery(messagesQuery(r.id));
  const canNote = useQuery(sessionQuery).data?.abilities.includes("request.note") ?? false;
  return (
    <Card withBorder component="section" aria-labelledby="conversation-heading">
      <Stack gap="sm">
        <Title order={2} size="h4" id="conversation-heading">
          {t("console:talk.title")}
        </Title>
        <Stack gap={2}>
          <Text size="xs" c="dimmed">
            {t("console:talk.description", { date: formatDateTime(r.submittedAt, lng, zone) })}
          </Text>
          <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
            {r.description}
          </Text>
        </Stack>
        {messages.isPending ? (
          <ListSkeleton rows={2} height={48} />
        ) : messages.isError ? (
          <ErrorView error={messages.error} onRetry={() => void messages.refetch()} />
        ) : (
          <Stack gap="sm" component="ol" p={0} m={0} style={{ listStyle: "none" }}>
            {messages.data.items.map((m) => (
              <li key={m.id}>
                <Stack
                  gap={2}
                  p="xs"
                  style={{
                    borderLeft: `3px ${m.internal ? "dashed" : "solid"} var(--mantine-color-${
                      m.internal ? "yellow-7" : m.author?.side === "client" ? "blue-7" : "gray-5"
                    })`,
                  }}
                >
                  <Group gap="xs">
                    {m.internal ? (
                      <Tag color="yellow" borderStyle="dashed">
                        {t("console:talk.internal")}
                      </Tag>
                    ) : null}
                    <Text size="xs" fw={700}>
                      {t(`console:talk.kind.${m.kind ?? "note"}`)}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {t("console:talk.byAt", {
                        name: name(m.author?.userId ?? null),
                        date: formatDateTime(m.createdAt ?? "", lng, zone),
                      })}
                    </Text>
                  </Group>
                  <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
                    {m.body}
                  </Text>
                </Stack>
              </li>
            ))}
          </Stack>
        )}
        {r.openQuestion ? (
          <Text size="sm" fw={700}>
            {r.replyBy
              ? t("console:talk.openQuestionBy", {
                  date: formatDateTime(r.replyBy, lng, zone),
                })
              : t("console:talk.openQuestion")}
          </Text>
        ) : null}
        {canNote ? <NoteForm requestId={r.id} /> : null}
      </Stack>
    </Card>
  );
}

function NoteForm({ requestId }: { requestId: string }) {
  const { t } = useTranslation(["translation", "console"]);
  const queryClient = useQueryClient();
  const [body, setBody] = useState("");
  const note = useMutation({
    mutationFn: () => writeNote(requestId, body),
    onSuccess: async () => {
      setBody("");
      notify({ color: "green", message: t("console:talk.noteSaved") });
      await queryClient.invalidateQueries({ queryKey: ["requests", requestId] });
    },
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        note.mutate();
      }}
    >
      <Stack gap="xs">
        <Textarea
          label={t("console:talk.noteLabel")}
          description={t("console:talk.noteHelp")}
          autosize
          minRows={2}
          value={body}
          onChange={(e) => setBody(e.currentTarget.value)}
          error={fieldError(note.error, "body")}
        />
        <Refusal error={note.error} fields={["body"]} />
        <Group>
          <Button type="submit" variant="default" loading={note.isPending}>
            {t("console:talk.addNote")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
