// Every route group of the API, registered under /api/v1 by buildServer. Add new groups here.
import type { RoutePlugin } from "../server.js";
import { attachmentRoutes } from "./attachments.js";
import { authRoutes } from "./auth.js";
import { clientRoutes } from "./clients.js";
import { policyRoutes } from "./policy.js";
import { orderRoutes } from "./orders.js";
import { paymentRoutes } from "./payments.js";
import { peopleRoutes } from "./people.js";
import { payoutRoutes } from "./payouts.js";
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
  orderRoutes,
  paymentRoutes,
  requestRoutes,
  payoutRoutes,
  webhookEndpointRoutes,
];
