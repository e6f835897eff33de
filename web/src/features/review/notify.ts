// Notifications of the console, with a named close button (Mantine's has no name by default).

import { notifications } from "@mantine/notifications";
import type { ReactNode } from "react";
import { i18n } from "../../shared/i18n";

export function notify(options: { color: "green" | "red"; message: ReactNode; title?: ReactNode }) {
  notifications.show({
    ...options,
    closeButtonProps: { "aria-label": i18n.t("console:dialog.close") },
  });
}
