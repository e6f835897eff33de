// Components of the request routes (see ../openapi/components.ts).
import type { Component } from "../openapi/components.js";

export const REQUEST_COMPONENTS: readonly Component[] = [];
