// A payout's standing in words, the same everywhere in the console: its status, its deadline state
// and what it waits on (the API's enums mapped once to labels), never colour alone.

import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Payout } from "./api";

const DEADLINE_COLORS: Record<string, string> = {
  overdue: "red",
  needs_action: "red",
  due_today: "orange",
  at_risk: "yellow",
  on_track: "blue",
  settled: "green",
};

export function DeadlineBadge({ deadline }: { deadline: string | undefined }) {
  const { t } = useTranslation();
  if (deadline === undefined) return null;
  return (
    <Badge color={DEADLINE_COLORS[deadline] ?? "gray"} variant="dot" radius="sm">
      {t(`finance.deadline.${deadline}` as "finance.deadline.on_track", {
        defaultValue: deadline,
      })}
    </Badge>
  );
}

/** What the payout waits on, in words (or its status when it waits on nothing). */
export function useWaitsOn(): (p: Payout) => string {
  const { t } = useTranslation();
  return (p) => {
    if (p.parked === true) return t("finance.waitsOn.parked");
    if (p.awaiting !== null && p.awaiting !== undefined) {
      return t(`finance.waitsOn.${p.awaiting}` as "finance.waitsOn.approval", {
        defaultValue: p.awaiting,
      });
    }
    return t(`payoutStatus.${p.status ?? ""}` as "payoutStatus.scheduled", {
      defaultValue: p.status ?? "",
    });
  };
}

export function methodLabel(t: (key: string) => string, method: string): string {
  return t(`finance.method.${method}`);
}
