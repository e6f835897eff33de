// Documents by drag and drop (Mantine Dropzone), with the limits said before anything is chosen.

import "@mantine/dropzone/styles.css";
import { ActionIcon, Group, List, Stack, Text } from "@mantine/core";
import { Dropzone } from "@mantine/dropzone";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { ATTACHMENT_LIMITS } from "../../shared/api/upload";

const MB = 1024 * 1024;

export function DocumentsDropzone({
  files,
  onChange,
  disabled,
}: {
  files: File[];
  onChange: (files: File[]) => void;
  disabled?: boolean;
}) {
  const { t } = useTranslation();
  const [rejected, setRejected] = useState<string[]>([]);
  // Several dropzones may share a page (answer, reply, appeal): ids must stay unique.
  const limitsId = `upload-limits-${useId().replace(/:/g, "")}`;
  const limitText = t("upload.limits", {
    count: ATTACHMENT_LIMITS.maxFiles,
    perFile: ATTACHMENT_LIMITS.maxFileBytes / MB,
    total: ATTACHMENT_LIMITS.maxTotalBytes / MB,
  });
  return (
    <Stack gap="xs">
      <Text size="sm" id={limitsId}>
        {limitText}
      </Text>
      <Dropzone
        onDrop={(added) => {
          setRejected([]);
          const next = [...files, ...added].slice(0, ATTACHMENT_LIMITS.maxFiles);
          const total = next.reduce((s, f) => s + f.size, 0);
          if (total > ATTACHMENT_LIMITS.maxTotalBytes) {
            setRejected([t("upload.tooLargeTogether")]);
            return;
          }
          if (files.length + added.length > ATTACHMENT_LIMITS.maxFiles) {
            setRejected([t("upload.tooMany", { count: ATTACHMENT_LIMITS.maxFiles })]);
          }
          onChange(next);
        }}
        onReject={(rejections) =>
          setRejected(
            rejections.map((r) =>
              t("upload.rejected", {
                name: r.file.name,
                reason:
                  r.errors[0]?.code === "file-too-large"
                    ? t("upload.fileTooLarge", { size: ATTACHMENT_LIMITS.maxFileBytes / MB })
                    : t("upload.wrongType"),
              }),
            ),
          )
        }
        maxSize={ATTACHMENT_LIMITS.maxFileBytes}
        maxFiles={ATTACHMENT_LIMITS.maxFiles}
        accept={[...ATTACHMENT_LIMITS.types]}
        disabled={disabled ?? false}
        aria-describedby={limitsId}
        aria-label={t("upload.dropLabel")}
        inputProps={{ "aria-label": t("upload.dropLabel"), "aria-describedby": limitsId }}
      >
        <Group justify="center" mih={100} style={{ pointerEvents: "none" }}>
          <Stack gap={4} align="center">
            <Text fw={700}>{t("upload.drop")}</Text>
            <Text size="sm">{t("upload.orClick")}</Text>
          </Stack>
        </Group>
      </Dropzone>
      {rejected.length === 0 ? null : (
        <List size="sm" c="red.8" role="alert">
          {rejected.map((r) => (
            <List.Item key={r}>{r}</List.Item>
          ))}
        </List>
      )}
      {files.length === 0 ? null : (
        <List size="sm" aria-label={t("upload.chosen")}>
          {files.map((f, i) => (
            <List.Item key={`${f.name}-${i}`}>
              <Group gap="xs">
                <Text size="sm">
                  {f.name} ({t("upload.size", { size: Math.max(1, Math.round(f.size / 1024)) })})
                </Text>
                <ActionIcon
                  variant="subtle"
                  color="red"
                  size="sm"
                  aria-label={t("upload.remove", { name: f.name })}
                  onClick={() => onChange(files.filter((_, j) => j !== i))}
                  disabled={disabled ?? false}
                >
                  ×
                </ActionIcon>
              </Group>
            </List.Item>
          ))}
        </List>
      )}
    </Stack>
  );
}
