// Every named schema of the API, registered on the server (`addSchema`) before the routes, so the
// routes' `{ $ref: "Name#" }` resolve to them and @fastify/swagger publishes them as components.
// A route group with components of its own lists them here.

import type { FastifyInstance } from "fastify";
import { COMMON_COMPONENTS, type Component } from "./components.js";
import { WebhookEvent } from "./guide.js";
import { ORDER_COMPONENTS } from "../routes/order-schemas.js";
import { REQUEST_COMPONENTS } from "../routes/request-schemas.js";
import { PAYOUT_COMPONENTS } from "../routes/payout-schemas.js";
import { ACCOUNT_COMPONENTS } from "../routes/account-schemas.js";
import { MISC_COMPONENTS } from "../routes/misc-schemas.js";
import { PEOPLE_COMPONENTS } from "../routes/people-schemas.js";
import { AUDIT_COMPONENTS } from "../routes/audit-schemas.js";
import { REPORT_COMPONENTS } from "../routes/report-schemas.js";
import { PRIVACY_COMPONENTS } from "../routes/privacy-schemas.js";
import { POLICY_COMPONENTS } from "../routes/policy-schemas.js";
import { IMPORT_COMPONENTS } from "../routes/import-schemas.js";
import { SIMULATION_COMPONENTS } from "../routes/simulation-schemas.js";
import { INBOUND_MAIL_COMPONENTS } from "../routes/inbound-mail-schemas.js";
import { DISPUTE_COMPONENTS } from "../routes/dispute-schemas.js";

export const ALL_COMPONENTS: readonly Component[] = [
  ...COMMON_COMPONENTS,
  WebhookEvent,
  ...ORDER_COMPONENTS,
  ...REQUEST_COMPONENTS,
  ...PAYOUT_COMPONENTS,
  ...ACCOUNT_COMPONENTS,
  ...MISC_COMPONENTS,
  ...PEOPLE_COMPONENTS,
  ...AUDIT_COMPONENTS,
  ...REPORT_COMPONENTS,
  ...PRIVACY_COMPONENTS,
  ...POLICY_COMPONENTS,
  ...IMPORT_COMPONENTS,
  ...SIMULATION_COMPONENTS,
  ...INBOUND_MAIL_COMPONENTS,
  ...DISPUTE_COMPONENTS,
];

/** Registers every component on the root instance (visible to every route group). */
export function registerComponents(app: FastifyInstance): void {
  for (const schema of ALL_COMPONENTS) app.addSchema(schema);
}

/** A component by name (for the document's transform). */
export function componentByName(name: string): Component | undefined {
  return ALL_COMPONENTS.find((c) => c.$id === name);
}
