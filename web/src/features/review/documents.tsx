// The request's documents: each previewed in the page (PDF in a frame, images as images, text as
// text) and downloadable. The preview reads the file's bytes through the API (the session's
// cookie) into an object URL of its stored type: the download URL itself answers as an attachment
// in a sandbox, which a frame would not show.

import { Anchor, Button, Card, Group, Skeleton, Stack, Text, Title } from "@mantine/core";
import { useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { formatDateTime } from "../../shared/format";
import { ErrorView } from "../../shared/ui/states";
import { attachmentsQuery } from "../../shared/api/pages";
import { attachmentUrl, fetchAttachmentBlob, type Attachment } from "./api";

const TEXT_PREVIEW_CHARS = 20_000;

export function DocumentsCard({ requestId, zone }: { requestId: string; zone: string | null }) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const files = useQuery(attachmentsQuery(requestId));
  // One preview at a time, opened by the reviewer: a PDF viewer is heavy to load unasked.
  const [open, setShown] = useState<string | null>(null);
  const items = files.data?.items ?? [];
  return (
    <Card withBorder component="section" aria-labelledby="documents-heading">
      <Stack gap="sm">
        <Title order={2} size="h4" id="documents-heading">
          {t("console:docs.title", { count: items.length })}
        </Title>
        {files.isPending ? (
          <Skeleton height={48} />
        ) : files.isError ? (
          <ErrorView error={files.error} onRetry={() => void files.refetch()} />
        ) : items.length === 0 ? (
          <Text size="sm">{t("console:docs.none")}</Text>
        ) : (
          <Stack gap="md" component="ul" p={0} m={0} style={{ listStyle: "none" }}>
            {items.map((f) => (
              <li key={f.id}>
                <Group justify="space-between" wrap="wrap" gap="xs">
                  <Stack gap={0}>
                    <Text size="sm" fw={700}>
                      {f.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {t("console:docs.meta", {
                        type: t(`console:docs.type.${typeKey(f.contentType)}`),
                        size: formatSize(f.sizeBytes, i18n.language),
                        date: formatDateTime(f.uploadedAt, i18n.language, zone),
                      })}
                    </Text>
                  </Stack>
                  <Group gap="xs">
                    <Button
                      size="xs"
                      variant="default"
                      aria-expanded={open === f.id}
                      aria-controls={`preview-${f.id}`}
                      onClick={() => setShown(open === f.id ? null : f.id)}
                    >
                      {open === f.id
                        ? t("console:docs.hide", { name: f.name })
                        : t("console:docs.preview", { name: f.name })}
                    </Button>
                    <Anchor href={attachmentUrl(f.id)} download={f.name} size="sm">
                      {t("console:docs.download", { name: f.name })}
                    </Anchor>
                  </Group>
                </Group>
                {open === f.id ? (
                  <div id={`preview-${f.id}`}>
                    <Preview file={f} />
                  </div>
                ) : null}
              </li>
            ))}
          </Stack>
        )}
      </Stack>
    </Card>
  );
}

function typeKey(contentType: Attachment["contentType"]): "pdf" | "image" | "text" | "csv" {
  if (contentType === "application/pdf") return "pdf";
  if (contentType === "text/csv") return "csv";
  if (contentType.startsWith("image/")) return "image";
  return "text";
}

function formatSize(bytes: number, language: string): string {
  return new Intl.NumberFormat(language.startsWith("th") ? "th-TH" : "en-GB", {
    style: "unit",
    unit: bytes < 1024 * 1024 ? "kilobyte" : "megabyte",
    maximumFractionDigits: 1,
  }).format(bytes < 1024 * 1024 ? bytes / 1024 : bytes / (1024 * 1024));
}

/** Object URLs live as long as their cached query: revoked when the cache drops the entry. */
const revoking = new WeakSet<QueryClient>();
function useRevokeObjectUrls(): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    // Once per cache, for the cache's lifetime (entries outlive the previews that made them).
    if (revoking.has(queryClient)) return;
    revoking.add(queryClient);
    queryClient.getQueryCache().subscribe((event) => {
      if (event.type !== "removed" || event.query.queryKey[0] !== PREVIEW_KEY) return;
      const data = event.query.state.data as PreviewData | undefined;
      if (data?.url !== undefined) URL.revokeObjectURL(data.url);
    });
  }, [queryClient]);
}

const PREVIEW_KEY = "attachment-preview";
interface PreviewData {
  url?: string;
  text?: string;
}

/** One document shown in the page. */
function Preview({ file }: { file: Attachment }) {
  const { t } = useTranslation(["translation", "console"]);
  useRevokeObjectUrls();
  const kind = typeKey(file.contentType);
  const blob = useQuery({
    queryKey: [PREVIEW_KEY, file.id],
    queryFn: async (): Promise<PreviewData> => {
      const bytes = await fetchAttachmentBlob(file);
      return kind === "text" || kind === "csv"
        ? { text: (await bytes.text()).slice(0, TEXT_PREVIEW_CHARS) }
        : { url: URL.createObjectURL(bytes) };
    },
    staleTime: Infinity,
    gcTime: 60_000,
  });
  const url = blob.data?.url ?? null;
  const text = blob.data?.text ?? null;
  if (blob.isError) {
    return (
      <Text size="sm" c="red.9" mt="xs" role="alert">
        {t("console:docs.previewFailed")}
      </Text>
    );
  }
  if (kind === "text" || kind === "csv") {
    return text === null ? (
      <Skeleton height={160} mt="xs" />
    ) : (
      <Text
        component="pre"
        size="xs"
        mt="xs"
        p="xs"
        style={{
          whiteSpace: "pre-wrap",
          maxHeight: 320,
          overflow: "auto",
          border: "1px solid var(--mantine-color-gray-4)",
          borderRadius: 4,
        }}
        tabIndex={0}
        aria-label={t("console:docs.previewOf", { name: file.name })}
      >
        {text}
      </Text>
    );
  }
  if (url === null) return <Skeleton height={kind === "pdf" ? 480 : 240} mt="xs" />;
  return kind === "pdf" ? (
    <iframe
      src={url}
      title={t("console:docs.previewOf", { name: file.name })}
      style={{
        width: "100%",
        height: 480,
        border: "1px solid var(--mantine-color-gray-4)",
        borderRadius: 4,
        marginTop: 8,
      }}
    />
  ) : (
    <img
      src={url}
      alt={t("console:docs.previewOf", { name: file.name })}
      style={{ maxWidth: "100%", maxHeight: 480, marginTop: 8, display: "block" }}
    />
  );
}
