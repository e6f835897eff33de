// A request's status in the staff console's words (the client portal says "Waiting for your
// answer" where staff read "Question to the client"): text on a badge, never colour alone.

import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { QueueStatus } from "./queue-search";

const COLORS: Record<QueueStatus, string> = {
  triage: "yellow",
  submitted: "blue",
  in_review: "indigo",
  info_requested: "orange",
  approved: "green",
  denied: "red",
  alternative_offered: "grape",
  alternative_accepted: "teal",
  withdrawn: "gray",
};

export function StaffStatusBadge({ status }: { status: QueueStatus }) {
  const { t } = useTranslation(["translation", "console"]);
  return (
    <Badge color={COLORS[status]} variant="dot" radius="sm" size="md" style={{ flexShrink: 0 }}>
      {t(`console:status.${status}`)}
    </Badge>
  );
}
