// The Mantine theme: self-hosted Noto Sans (Latin and Thai), shades dark enough for WCAG AA text
// contrast, and a line height that leaves room for Thai vowels and tone marks.

import { createTheme, type CSSVariablesResolver } from "@mantine/core";

export const theme = createTheme({
  fontFamily: '"Noto Sans", "Noto Sans Thai", system-ui, sans-serif',
  headings: { fontFamily: '"Noto Sans", "Noto Sans Thai", system-ui, sans-serif' },
  primaryColor: "blue",
  // Shade 8 on white (and white on shade 8) passes 4.5:1; the default shade 6 does not.
  primaryShade: { light: 8, dark: 8 },
  lineHeights: { xs: "1.6", sm: "1.6", md: "1.65", lg: "1.65", xl: "1.65" },
  defaultRadius: "md",
  focusRing: "always",
});

export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  // Dimmed text at gray 7 (the default gray 6 is under 4.5:1 on white), and the text of the
  // "light" variants (alerts) at shade 9, or darker for orange, for 4.5:1 on their tinted fill.
  light: {
    "--mantine-color-dimmed": "var(--mantine-color-gray-7)",
    "--mantine-color-error": "var(--mantine-color-red-9)",
    "--mantine-color-blue-light-color": "var(--mantine-color-blue-9)",
    "--mantine-color-red-light-color": "var(--mantine-color-red-9)",
    "--mantine-color-green-light-color": "#1e6b2f",
    "--mantine-color-orange-light-color": "#8a3200",
  },
  dark: {},
});
