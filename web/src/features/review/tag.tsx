// A short label on a coloured outline (flags, outcomes, kinds): the text is always in the body's
// colour, so it reads at 4.5:1 whatever the hue; the colour and the border style only add to it.

import { Badge, type BadgeProps } from "@mantine/core";
import type { ReactNode } from "react";

export function Tag({
  color,
  borderStyle = "solid",
  size = "sm",
  children,
}: {
  color: string;
  borderStyle?: "solid" | "dashed" | "dotted";
  size?: BadgeProps["size"];
  children: ReactNode;
}) {
  return (
    <Badge
      color={color}
      variant="outline"
      size={size}
      radius="sm"
      style={{ borderStyle, borderWidth: 2 }}
      styles={{ label: { color: "var(--mantine-color-text)" } }}
    >
      {children}
    </Badge>
  );
}
