// Typed translation keys: t("...") accepts only keys that exist in en.json, or, for the reports
// page, in reports.en.json (registered under `reports.*` when the page loads: ./reports.ts); the
// staff console's namespace `console` (console.en.json, added when the console loads:
// ./console.ts) is typed too, and read as t("console:...") where a page asks for it.
import "i18next";
import type en from "./en.json";
import type consoleEn from "./console.en.json";
import type reportsEn from "./reports.en.json";

declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "translation";
    resources: {
      translation: typeof en & { reports: typeof reportsEn };
      console: typeof consoleEn;
    };
  }
}
