// What a client can do on its request, each shown only when the server allows it: answer an open
// question, write to the reviewers (with documents) while the request is open, contest a denial
// within its window (with documents), accept or decline an alternative, reopen an accepted
// alternative that was not delivered in time, and withdraw. Every write names the version the page
// read; a refusal is shown in words next to its field, or above the button.

import { Button, Card, Group, Modal, Progress, Stack, Text, Textarea, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { policyQuery } from "../../shared/api/policy";
import { fieldError } from "../../shared/api/problem";
import { uploadAttachments } from "../../shared/api/upload";
import { formatDateTime } from "../../shared/format";
import { RefusalAlert } from "../../shared/ui/refusal";
import {
  answerQuestion,
  appealDenial,
  postMessage,
  reopenRequest,
  respondToAlternative,
  withdrawRequest,
  type RefundRequest,
} from "./api";
import { DocumentsDropzone } from "./documents-dropzone";

/** Reloads everything the request page shows (after a write, or when it changed meanwhile). */
function useReload() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ["requests"] });
}

/**
 * A message with documents: the text first (the server checks the request is open, or that the
 * denial may still be contested), then the files, with progress.
 */
function MessageWithDocuments({
  id,
  title,
  intro,
  label,
  help,
  submitLabel,
  send,
  requestId,
  doneText,
}: {
  id: string;
  title: string;
  intro?: string | undefined;
  label: string;
  help?: string | undefined;
  submitLabel: string;
  send: (message: string) => Promise<unknown>;
  requestId: string;
  doneText?: string | undefined;
}) {
  const { t } = useTranslation();
  const reload = useReload();
  const [message, setMessage] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const [progress, setProgress] = useState<number | null>(null);
  const [done, setDone] = useState(false);
  const mutation = useMutation({
    mutationFn: async () => {
      await send(message);
      if (files.length > 0) {
        setProgress(0);
        await uploadAttachments(requestId, files, setProgress);
      }
    },
    onSuccess: async () => {
      setMessage("");
      setFiles([]);
      setProgress(null);
      setDone(true);
      await reload();
    },
    onError: () => setProgress(null),
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    mutation.mutate();
  };
  const headingId = `${id}-heading`;
  return (
    <Card withBorder component="section" aria-labelledby={headingId}>
      <form onSubmit={onSubmit} noValidate>
        <Stack>
          <Title order={2} size="h4" id={headingId}>
            {title}
          </Title>
          {intro === undefined ? null : <Text size="sm">{intro}</Text>}
          <Textarea
            label={label}
            description={help}
            autosize
            minRows={3}
            required
            value={message}
            onChange={(e) => setMessage(e.currentTarget.value)}
            error={fieldError(mutation.error, "message") ?? fieldError(mutation.error, "body")}
          />
          <DocumentsDropzone files={files} onChange={setFiles} disabled={mutation.isPending} />
          {progress === null ? null : (
            <Progress value={progress * 100} aria-label={t("upload.progress")} />
          )}
          <RefusalAlert
            error={mutation.error}
            fields={["message", "body"]}
            onReload={() => void reload()}
          />
          {done && doneText !== undefined ? (
            <Text size="sm" role="status">
              {doneText}
            </Text>
          ) : null}
          <Group>
            <Button type="submit" loading={mutation.isPending}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

export function AnswerForm({ request: r }: { request: RefundRequest }) {
  const { t } = useTranslation();
  return (
    <MessageWithDocuments
      id="answer"
      requestId={r.id}
      title={t("request.answerTitle")}
      label={t("request.answerLabel")}
      submitLabel={t("request.sendAnswer")}
      send={(message) => answerQuestion(r.id, message, r.version)}
    />
  );
}

export function ReplyForm({ request: r }: { request: RefundRequest }) {
  const { t } = useTranslation();
  return (
    <MessageWithDocuments
      id="reply"
      requestId={r.id}
      title={t("reply.title")}
      intro={t("reply.intro")}
      label={t("reply.label")}
      submitLabel={t("reply.send")}
      doneText={t("reply.sent")}
      send={(message) => postMessage(r.id, message)}
    />
  );
}

export function AppealForm({ request: r }: { request: RefundRequest }) {
  const { t, i18n } = useTranslation();
  const zone = useQuery(policyQuery).data?.parameters.timezone ?? null;
  const until = r.decision?.appealUntil ?? null;
  return (
    <MessageWithDocuments
      id="appeal"
      requestId={r.id}
      title={t("appeal.title")}
      intro={
        until === null
          ? t("appeal.introNoDate")
          : t("appeal.intro", { date: formatDateTime(until, i18n.language, zone) })
      }
      label={t("appeal.label")}
      help={t("appeal.help")}
      submitLabel={t("appeal.send")}
      send={(message) => appealDenial(r.id, message, r.version)}
    />
  );
}

export function ReopenForm({ request: r }: { request: RefundRequest }) {
  const { t } = useTranslation();
  return (
    <MessageWithDocuments
      id="reopen"
      requestId={r.id}
      title={t("reopen.title")}
      intro={t("reopen.intro")}
      label={t("reopen.label")}
      submitLabel={t("reopen.send")}
      send={(message) => reopenRequest(r.id, message, r.version)}
    />
  );
}

export function AlternativeOffer({ request: r }: { request: RefundRequest }) {
  const { t, i18n } = useTranslation();
  const zone = useQuery(policyQuery).data?.parameters.timezone ?? null;
  const reload = useReload();
  const respond = useMutation({
    mutationFn: (accept: boolean) => respondToAlternative(r.id, accept, r.version),
    onSuccess: async () => {
      await reload();
    },
  });
  const a = r.alternative;
  if (a === null) return null;
  const actions = r.actions ?? [];
  const canRespond =
    actions.includes("accept_alternative") || actions.includes("decline_alternative");
  return (
    <Card withBorder component="section" aria-labelledby="alternative-heading">
      <Stack gap="xs">
        <Title order={2} size="h4" id="alternative-heading">
          {t("request.alternativeTitle")}
        </Title>
        <Text fw={700}>
          {t(`alternative.${a.kind}` as "alternative.re-delivery", { defaultValue: a.kind })}
        </Text>
        <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
          {a.note}
        </Text>
        <Text size="xs" c="dimmed">
          {t("request.alternativeOfferedOn", {
            date: formatDateTime(a.offeredAt, i18n.language, zone),
          })}
        </Text>
        {a.accepted === true ? <Text>{t("request.alternativeAccepted")}</Text> : null}
        {a.accepted === false ? <Text>{t("request.alternativeDeclined")}</Text> : null}
        {canRespond ? (
          <>
            <Text size="sm">{t("request.alternativeMeaning")}</Text>
            <Group>
              {actions.includes("accept_alternative") ? (
                <Button onClick={() => respond.mutate(true)} loading={respond.isPending}>
                  {t("request.accept")}
                </Button>
              ) : null}
              {actions.includes("decline_alternative") ? (
                <Button
                  variant="default"
                  onClick={() => respond.mutate(false)}
                  loading={respond.isPending}
                >
                  {t("request.decline")}
                </Button>
              ) : null}
            </Group>
          </>
        ) : null}
        <RefusalAlert error={respond.error} onReload={() => void reload()} />
      </Stack>
    </Card>
  );
}

/** Withdraw, after saying what it means; the dialog returns focus to the button when closed. */
export function WithdrawButton({ request: r }: { request: RefundRequest }) {
  const { t } = useTranslation();
  const reload = useReload();
  const [opened, { open, close }] = useDisclosure(false);
  const withdraw = useMutation({
    mutationFn: () => withdrawRequest(r.id, r.version),
    onSuccess: async () => {
      close();
      await reload();
    },
  });
  return (
    <Group>
      <Button variant="default" color="red" onClick={open}>
        {t("withdraw.button")}
      </Button>
      <Modal opened={opened} onClose={close} title={t("withdraw.title")} centered>
        <Stack>
          <Text size="sm">{t("withdraw.meaning")}</Text>
          <RefusalAlert error={withdraw.error} onReload={() => void reload()} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t("withdraw.keep")}
            </Button>
            <Button color="red" onClick={() => withdraw.mutate()} loading={withdraw.isPending}>
              {t("withdraw.confirm")}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Group>
  );
}
