// Every route group of the API, registered under /api/v1 by buildServer. Add new groups here.
import type { RoutePlugin } from "../server.js";

export const ROUTES: RoutePlugin[] = [];
