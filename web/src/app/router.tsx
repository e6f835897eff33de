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
import { NotFoundView } from "../shared/ui/states";
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

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/sign-in",
  validateSearch: (search: Record<string, unknown>): { redirect?: string } =>
    // Only a path on this site: never an open redirect.
    typeof search["redirect"] === "string" && /^\/(?!\/)/.test(search["redirect"])
      ? { redirect: search["redirect"] }
      : {},
  component: lazyRouteComponent(() => import("../features/auth/sign-in-page"), "SignInPage"),
});

// ---- Client portal -------------------------------------------------------------------------

const clientLayoutRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "client",
  beforeLoad: async ({ context, location }) => {
    const session = await requireSession(context, location.href);
    if (session.role !== "client") throw redirect({ href: landingPath(session) });
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
  import("../features/review-queue/queue-page").then((m) => ({ default: m.QueuePage })),
);
const queueRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/queue",
  component: QueuePage,
});

const PayoutsPage = lazy(() =>
  import("../features/payouts/payouts-page").then((m) => ({ default: m.PayoutsPage })),
);
const payoutsRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/payouts",
  component: PayoutsPage,
});

const PeoplePage = lazy(() =>
  import("../features/admin/people-page").then((m) => ({ default: m.PeoplePage })),
);
const peopleRoute = createRoute({
  getParentRoute: () => staffLayoutRoute,
  path: "/staff/people",
  component: PeoplePage,
});

const routeTree = rootRoute.addChildren([
  indexRoute,
  signInRoute,
  clientLayoutRoute.addChildren([ordersRoute, requestsRoute, newRequestRoute, requestRoute]),
  staffLayoutRoute.addChildren([queueRoute, payoutsRoute, peopleRoute]),
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
