// The staff console's strings (English; staff pages are English, as ADR 0019 says), kept out of
// the client portal's first page: the namespace `console`, added when the console's code loads
// (this module is imported for its effect by the console only). Thai falls back to English.

import { i18n } from "./index";
import consoleEn from "./console.en.json";

i18n.addResourceBundle("en", "console", consoleEn, true, false);
