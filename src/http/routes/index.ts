// Every route group of the API, registered under /api/v1 by buildServer. Add new groups here.
import type { RoutePlugin } from "../server.js";
import { attachmentRoutes } from "./attachments.js";
import { auditRoutes } from "./audit.js";
import { authRoutes } from "./auth.js";
import { clientRoutes } from "./clients.js";
import { disputeRoutes } from "./disputes.js";
import { policyRoutes } from "./policy.js";
import { privacyRoutes } from "./privacy.js";
import { policySimulationRoutes } from "./policy-simulations.js";
import { orderRoutes } from "./orders.js";
import { paymentRoutes } from "./payments.js";
import { peopleRoutes } from "./people.js";
import { payoutRoutes } from "./payouts.js";
import { reportRoutes } from "./reports.js";
import { importRoutes } from "./imports.js";
import { inboundMailRoutes } from "./inbound-mail.js";
import { requestRoutes } from "./requests.js";
import { userRoutes } from "./users.js";
import { webhookEndpointRoutes } from "./webhook-endpoints.js";

export const ROUTES: RoutePlugin[] = [
  authRoutes,
  userRoutes,
  peopleRoutes,
  clientRoutes,
  attachmentRoutes,
  policyRoutes,
  policySimulationRoutes,
  orderRoutes,
  paymentRoutes,
  importRoutes,
  requestRoutes,
  inboundMailRoutes,
  payoutRoutes,
  disputeRoutes,
  reportRoutes,
  webhookEndpointRoutes,
  auditRoutes,
  privacyRoutes,
];
