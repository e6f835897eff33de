// Ask for a refund, one question per step: the order, the reason (each with one plain line from
// the policy and what documents help), then the description and documents. The server decides;
// nothing here promises an outcome.

import {
  Alert,
  Button,
  Group,
  Progress,
  Radio,
  Select,
  Stack,
  Stepper,
  Text,
  Textarea,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { AnchorLink } from "../../shared/ui/links";
import { ApiError, fieldError } from "../../shared/api/problem";
import { uploadAttachments } from "../../shared/api/upload";
import { ErrorView, ListSkeleton } from "../../shared/ui/states";
import { fileRequest, ordersForFilingQuery, REASONS, type Reason } from "./api";
import { DocumentsDropzone } from "./documents-dropzone";

export function NewRequestPage({ orderId: initialOrderId }: { orderId: string | undefined }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const orders = useQuery(ordersForFilingQuery);
  const [step, setStep] = useState(initialOrderId === undefined ? 0 : 1);
  const [orderId, setOrderId] = useState<string | null>(initialOrderId ?? null);
  const [reason, setReason] = useState<Reason | null>(null);
  const [description, setDescription] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const [progress, setProgress] = useState<number | null>(null);
  const [created, setCreated] = useState<{ id: string; reference: string } | null>(null);

  const upload = useMutation({
    mutationFn: async (requestId: string) => {
      setProgress(0);
      await uploadAttachments(requestId, files, setProgress);
    },
  });

  const submit = useMutation({
    mutationFn: async () => {
      if (orderId === null || reason === null) throw new Error("incomplete");
      return fileRequest({ orderId, reason, description, attachmentsCount: files.length });
    },
    onSuccess: async (request) => {
      const id = request.id ?? "";
      setCreated({ id, reference: request.reference ?? id });
      await queryClient.invalidateQueries({ queryKey: ["requests"] });
      if (files.length > 0) upload.mutate(id);
    },
  });

  if (orders.isPending) return <ListSkeleton rows={2} height={120} />;
  if (orders.isError)
    return <ErrorView error={orders.error} onRetry={() => void orders.refetch()} />;

  if (created !== null) {
    return (
      <Stack>
        <Title order={1}>{t("newRequest.sentTitle")}</Title>
        <Text>{t("newRequest.sent", { id: created.reference })}</Text>
        {progress === null ? null : (
          <Progress value={progress * 100} aria-label={t("upload.progress")} />
        )}
        {upload.isError ? (
          <Alert color="red" role="alert">
            <Stack gap="xs">
              <Text size="sm">{uploadMessage(upload.error, t)}</Text>
              <Group>
                <Button variant="default" onClick={() => upload.mutate(created.id)}>
                  {t("common.retry")}
                </Button>
              </Group>
            </Stack>
          </Alert>
        ) : null}
        {upload.isSuccess ? <Text>{t("upload.done", { count: files.length })}</Text> : null}
        <AnchorLink to="/requests/$requestId" params={{ requestId: created.id }}>
          {t("newRequest.openRequest")}
        </AnchorLink>
      </Stack>
    );
  }

  const error = submit.error;
  const orderOptions = orders.data.items.map((o) => ({
    value: o.id,
    label: `${o.service.name} (${o.id})`,
  }));

  return (
    <Stack>
      <Title order={1}>{t("newRequest.title")}</Title>
      <Stepper active={step} onStepClick={setStep} allowNextStepsSelect={false} size="sm">
        <Stepper.Step label={t("newRequest.stepOrder")}>
          <Stack mt="md">
            <Select
              label={t("newRequest.order")}
              placeholder={t("newRequest.orderPlaceholder")}
              data={orderOptions}
              value={orderId}
              onChange={setOrderId}
              error={fieldError(error, "orderId")}
              allowDeselect={false}
            />
            <Group>
              <Button onClick={() => setStep(1)} disabled={orderId === null}>
                {t("common.next")}
              </Button>
            </Group>
          </Stack>
        </Stepper.Step>
        <Stepper.Step label={t("newRequest.stepReason")}>
          <Stack mt="md">
            <Radio.Group
              label={t("newRequest.reason")}
              value={reason ?? ""}
              onChange={(v) => setReason(v as Reason)}
              error={fieldError(error, "reason")}
            >
              <Stack gap="sm" mt="xs">
                {REASONS.map((r) => (
                  <Radio
                    key={r}
                    value={r}
                    label={t(`reason.${r}.label`)}
                    description={`${t(`reason.${r}.line`)} ${t(`reason.${r}.documents`)}`}
                  />
                ))}
              </Stack>
            </Radio.Group>
            <Group>
              <Button variant="default" onClick={() => setStep(0)}>
                {t("common.back")}
              </Button>
              <Button onClick={() => setStep(2)} disabled={reason === null}>
                {t("common.next")}
              </Button>
            </Group>
          </Stack>
        </Stepper.Step>
        <Stepper.Step label={t("newRequest.stepDetails")}>
          <Stack mt="md">
            <Textarea
              label={t("newRequest.description")}
              description={t("newRequest.descriptionHelp")}
              autosize
              minRows={4}
              value={description}
              onChange={(e) => setDescription(e.currentTarget.value)}
              error={fieldError(error, "description")}
            />
            <DocumentsDropzone files={files} onChange={setFiles} disabled={submit.isPending} />
            <Text size="sm">{t("newRequest.noPromise")}</Text>
            {error instanceof ApiError && (error.problem?.errors ?? []).length === 0 ? (
              <Alert color="red" role="alert">
                {error.problem?.detail ?? t("errors.server")}
              </Alert>
            ) : error !== null && !(error instanceof ApiError) ? (
              <Alert color="red" role="alert">
                {t("errors.network")}
              </Alert>
            ) : null}
            <Group>
              <Button variant="default" onClick={() => setStep(1)}>
                {t("common.back")}
              </Button>
              <Button onClick={() => submit.mutate()} loading={submit.isPending}>
                {t("newRequest.send")}
              </Button>
            </Group>
          </Stack>
        </Stepper.Step>
      </Stepper>
    </Stack>
  );
}

function uploadMessage(error: unknown, t: (key: "upload.failed" | "errors.network") => string) {
  if (error instanceof ApiError && error.problem !== null) return error.problem.detail;
  return error instanceof ApiError && error.status === 0 ? t("errors.network") : t("upload.failed");
}
