// A request's status in words (the API's enum mapped once to a label per language), never colour
// alone.

import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";

const COLORS: Record<string, string> = {
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

export function RequestStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Badge color={COLORS[status] ?? "gray"} variant="dot" radius="sm" size="lg">
      {t(`status.${status}` as "status.submitted", { defaultValue: status })}
    </Badge>
  );
}

/** An account's or a company's state: active (green), or disabled / archived (grey), in words. */
export function ActiveBadge({
  active,
  activeLabel,
  inactiveLabel,
}: {
  active: boolean;
  activeLabel: string;
  inactiveLabel: string;
}) {
  return active ? (
    <Badge color="green" variant="dot" radius="sm">
      {activeLabel}
    </Badge>
  ) : (
    <Badge color="gray" variant="dot" radius="sm">
      {inactiveLabel}
    </Badge>
  );
}
