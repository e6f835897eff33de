// The routes (TanStack Router, code-based): bookmarkable URLs, one layout per side, and each page
// loaded as its own chunk, so the staff console's code is never in the client portal's first page.
// Route guards only choose where a person lands; the API decides what anyone may see or do.

import type { QueryClient } from "@tanstack/react-query";
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
  redirect,
  RouterProvider,
} from "@tanstack/react-router";
import { lazy } from "react";
import { landingPath, sessionQuery, type Session } from "../shared/api/session";
import { validatePayoutsSearch } from "../features/payouts/search";
import { NotFoundView } from "../shared/ui/states";
import { validateQueueSearch } from "../features/review/queue-search";
import { REPORT_VIEWS, validDay, type ReportView } from "../features/reports/period";
import { queryClient } from "./providers";

interface RouterContext {
  queryClient: QueryClient;
}

/** The signed-in session, or a redirect to the sign-in page that comes back here afterwards. */
async function requireSession(context: RouterContext, href: string): Promise<Session> {
  const session = await context.queryClient.ensureQueryData(sessionQuery);
  if (session === null) throw redirect({ to: "/sign-in", search: { redirect: href } });
  return session;
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: NotFoundView,
});

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/",
  beforeLoad: async ({ context, location }) => {
    const session = await requireSession(context, location.href);
    throw redirect({ href: landingPath(session) });
  },
});

// ---- Public pages: sign-in and the account pages (the links of invitation and reset e-mails) ----

const publicLayoutRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "public",
  component: lazyRouteComponent(() => import("./layouts/public-layout"), "PublicLayout"),
});

const signInRoute = createRoute({
  getParentRoute: () => publicLayoutRoute,
  path: "/sign-in",
  validateSearch: (search: Record<string, unknown>): { redirect?: string } =>
    // Only a path on this site: never an open redirect.
    typeof search["redirect"] === "string" && /^\/(?!\/)/.test(search["redirect"])
      ? { redirect: search["redirect"] }
      : {},
  component: lazyRouteComponent(() => import("../features/auth/sign-in-page"), "SignInPage"),
});

const setPasswordRoute = createRoute({
  getParentRoute: () => publicLayoutRoute,
  path: "/set-password",
  validateSearch: (search: Record<string, unknown>): { token?: string } =>
    typeof search["token"] === "string" && search["token"] !== "" ? { token: search["token"] } : {},
  component: lazyRouteComponent(
    () => import("../features/auth/set-password-page"),
    "SetPasswordRoutePage",
  ),
});

const resetPasswordRoute = createRoute({
  getParentRoute: () => publicLayoutRoute,
  path: "/reset-password",
  component: lazyRouteComponent(
    () => import("../features/auth/reset-password-page"),
    "ResetPasswordPage",
  ),
});

// ---- Client portal -------------------------------------------------------------------------

/**
 * Where a staff member goes from a client-portal address that e-mails also send to staff: a
 * request's page becomes the staff request page, a payout's the payout's page in the console.
 */
function staffPathFor(pathname: string): string | null {
  const request = /^\/requests\/(?!new$)([^/]+)$/.exec(pathname);
  if (request?.[1] !== undefined) return `/staff/requests/${request[1]}`;
  const payout = /^\/payouts\/([^/]+)$/.exec(pathname);
  if (payout?.[1] !== undefined) return `/staff/payouts/${payout[1]}`;
  return null;
}

const clientLayoutRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "client",
  beforeLoad: async ({ context, location }) => {
    const session = await requireSession(context, location.href);
    if (session.role !== "client") {
      throw redirect({ href: staffPathFor(location.pathname) ?? landingPath(session) });
    }
    return { session };
  },
  component: lazyRouteComponent(() => import("./layouts/client-layout"), "ClientLayout"),
});

const MyOrdersPage = lazy(() =>
  import("../features/orders/my-orders-page").then((m) => ({ default: m.MyOrdersPage })),
);
const ordersRoute = createRoute({
  getParentRoute: () => clientLayoutRoute,
  path: "/orders",
  component: MyOrdersPage,
});

const MyRequestsPage = lazy(() =>
  import("../features/requests/my-requests-page").then((m) => ({ default: m.MyRequestsPage })),
);
const requestsRoute = createRoute({
  getParentRoute: () => clientLayoutRoute,
  path: "/requests",
  component: MyRequestsPage,
});

const NewRequestPage = lazy(() =>
  import("../features/requests/new-request-page").then((m) => ({ default: m.NewRequestPage })),
);
const newRequestRoute = createRoute({
  getParentRoute: () => clientLayoutRoute,
  path: "/requests/new",
  validateSearch: (search: Record<string, unknown>): { orderId?: string } =>
    typeof search["orderId"] === "string" ? { orderId: search["orderId"] } : {},
  component: function NewRequestRoute() {
    const { orderId } = newRequestRoute.useSearch();
    return <NewRequestPage orderId={orderId} />;
  },
});

const RequestPage = lazy(() =>
  import("../features/requests/request-page").then((m) => ({ default: m.RequestPage })),
);
const requestRoute = createRoute({
  getParentRoute: () => clientLayoutRoute,
  path: "/requests/$requestId",
  component: function RequestRoute() {
    const { requestId } = requestRoute.useParams();
    return <RequestPage requestId={requestId} />;
  },
});

const PayoutPage = lazy(() =>
  import("../features/requests/payout-page").then((m) => ({ default: m.PayoutPage })),
);
const payoutRoute = createRoute({
  getParentRoute: () => clientLayoutRoute,
  path: "/payouts/$payoutId",
  component: function PayoutRoute() {
    const { payoutId } = payoutRoute.useParams();
    return <PayoutPage payoutId={payoutId} />;
  },
});

const PolicyPage = lazy(() =>
  import("../features/policy/policy-page").then((m) => ({ default: m.PolicyPage })),
);
const policyRoute = createRoute({
  getParentRoute: () => clientLayoutRoute,
  path: "/policy",
  component: PolicyPage,
});

// ---- Staff console (its own chunks) ----------------------------------------------------------

const staffLayoutRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "staff",
  beforeLoad: async ({ context, location }) => {
    const session = await requireSession(context, location.href);
    if (session.role === "client") throw redirect({ href: landingPath(session) });
    return { session };
  },
  component: lazyRouteComponent(() => import("./layouts/staff-layout"), "StaffLayout"),
});

const QueuePage = lazy(() =>
  import("../features/review/queue-page").then((m) => ({ default: m.QueuePage })),
);
const queueRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/queue",
  // Filters, sort and page live in the URL: a view can be bookmarked and shared.
  validateSearch: validateQueueSearch,
  component: function QueueRoute() {
    const search = queueRoute.useSearch();
    const navigate = queueRoute.useNavigate();
    return <QueuePage search={search} onSearch={(next) => void navigate({ search: next })} />;
  },
});

const StaffRequestPage = lazy(() =>
  import("../features/review/request-page").then((m) => ({ default: m.StaffRequestPage })),
);
const staffRequestRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/requests/$requestId",
  component: function StaffRequestRoute() {
    const { requestId } = staffRequestRoute.useParams();
    return <StaffRequestPage key={requestId} requestId={requestId} />;
  },
});

const MailTriagePage = lazy(() =>
  import("../features/review/mail-triage-page").then((m) => ({ default: m.MailTriagePage })),
);
const mailTriageRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/mail",
  component: MailTriagePage,
});

const PayoutsPage = lazy(() =>
  import("../features/payouts/payouts-page").then((m) => ({ default: m.PayoutsPage })),
);
const payoutsRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/payouts",
  validateSearch: validatePayoutsSearch,
  component: function PayoutsRoute() {
    const search = payoutsRoute.useSearch();
    const navigate = payoutsRoute.useNavigate();
    return <PayoutsPage search={search} onSearch={(next) => void navigate({ search: next })} />;
  },
});

const PayoutDetailPage = lazy(() =>
  import("../features/payouts/payout-detail-page").then((m) => ({
    default: m.PayoutDetailPage,
  })),
);
const staffPayoutRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/payouts/$payoutId",
  component: function StaffPayoutRoute() {
    const { payoutId } = staffPayoutRoute.useParams();
    return <PayoutDetailPage payoutId={payoutId} />;
  },
});

const DisputesPage = lazy(() =>
  import("../features/disputes/disputes-page").then((m) => ({ default: m.DisputesPage })),
);
const disputesRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/disputes",
  component: DisputesPage,
});

const DisputePage = lazy(() =>
  import("../features/disputes/dispute-page").then((m) => ({ default: m.DisputePage })),
);
const staffDisputeRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/disputes/$disputeId",
  component: function StaffDisputeRoute() {
    const { disputeId } = staffDisputeRoute.useParams();
    return <DisputePage key={disputeId} disputeId={disputeId} />;
  },
});

const PeoplePage = lazy(() =>
  import("../features/admin/people-page").then((m) => ({ default: m.PeoplePage })),
);
const peopleRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/people",
  component: PeoplePage,
});

const ClientsPage = lazy(() =>
  import("../features/admin/clients-page").then((m) => ({ default: m.ClientsPage })),
);
const clientsRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/clients",
  component: ClientsPage,
});

const ClientPage = lazy(() =>
  import("../features/admin/clients-page").then((m) => ({ default: m.ClientPage })),
);
const clientRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/clients/$clientId",
  component: function ClientRoute() {
    const { clientId } = clientRoute.useParams();
    return <ClientPage clientId={clientId} />;
  },
});

const AdminPolicyPage = lazy(() =>
  import("../features/admin/policy-admin-page").then((m) => ({ default: m.AdminPolicyPage })),
);
const adminPolicyRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/policy",
  component: AdminPolicyPage,
});

const SimulationsPage = lazy(() =>
  import("../features/admin/simulations-page").then((m) => ({ default: m.SimulationsPage })),
);
const simulationsRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/simulations",
  component: SimulationsPage,
});

const SimulationPage = lazy(() =>
  import("../features/admin/simulations-page").then((m) => ({ default: m.SimulationPage })),
);
const simulationRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/simulations/$simulationId",
  component: function SimulationRoute() {
    const { simulationId } = simulationRoute.useParams();
    return <SimulationPage simulationId={simulationId} />;
  },
});

const AuditPage = lazy(() =>
  import("../features/admin/audit-page").then((m) => ({ default: m.AuditPage })),
);
const auditRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/audit",
  validateSearch: (search: Record<string, unknown>): { requestId?: string; userId?: string } =>
    typeof search["requestId"] === "string" && search["requestId"] !== ""
      ? { requestId: search["requestId"] }
      : typeof search["userId"] === "string" && search["userId"] !== ""
        ? { userId: search["userId"] }
        : {},
  component: function AuditRoute() {
    const search = auditRoute.useSearch();
    const subject =
      search.requestId !== undefined
        ? { requestId: search.requestId }
        : search.userId !== undefined
          ? { userId: search.userId }
          : null;
    return <AuditPage subject={subject} />;
  },
});

const IntegrationsPage = lazy(() =>
  import("../features/admin/integrations-page").then((m) => ({ default: m.IntegrationsPage })),
);
const integrationsRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/integrations",
  component: IntegrationsPage,
});

const ReportsPage = lazy(() =>
  import("../features/reports/reports-page").then((m) => ({ default: m.ReportsPage })),
);
const reportsRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/reports",
  // The tab and the period live in the URL: a view can be bookmarked and shared.
  validateSearch: (
    search: Record<string, unknown>,
  ): { view?: ReportView; from?: string; to?: string } => {
    const view = REPORT_VIEWS.find((v) => v === search["view"]);
    const from = validDay(search["from"]);
    const to = validDay(search["to"]);
    return {
      ...(view === undefined ? {} : { view }),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
    };
  },
  component: function ReportsRoute() {
    const search = reportsRoute.useSearch();
    const navigate = reportsRoute.useNavigate();
    return <ReportsPage search={search} onSearch={(next) => void navigate({ search: next })} />;
  },
});

const routeTree = rootRoute.addChildren([
  indexRoute,
  publicLayoutRoute.addChildren([signInRoute, setPasswordRoute, resetPasswordRoute]),
  clientLayoutRoute.addChildren([
    ordersRoute,
    requestsRoute,
    newRequestRoute,
    requestRoute,
    payoutRoute,
    policyRoute,
  ]),
  staffLayoutRoute.addChildren([
    queueRoute,
    staffRequestRoute,
    mailTriageRoute,
    payoutsRoute,
    disputesRoute,
    staffDisputeRoute,
    staffPayoutRoute,
    peopleRoute,
    clientsRoute,
    clientRoute,
    adminPolicyRoute,
    simulationsRoute,
    simulationRoute,
    auditRoute,
    integrationsRoute,
    reportsRoute,
  ]),
]);

export const router = createRouter({
  routeTree,
  context: { queryClient },
  defaultPreload: "intent",
  scrollRestoration: true,
});

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}

export function AppRouter() {
  return <RouterProvider router={router} />;
}
