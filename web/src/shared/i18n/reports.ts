// The reports page's strings (English; staff pages are English, as ADR 0019 says), kept out of
// the client portal's first page: imported (for its effect) by the reports page only, which adds
// them to i18next under `reports.*` when its chunk loads. Thai falls back to English.

import { i18n } from "./index";
import reportsEn from "./reports.en.json";

i18n.addResourceBundle("en", "translation", { reports: reportsEn }, true, false);
