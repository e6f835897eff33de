// Components of the misc routes (see ../openapi/components.ts).
import type { Component } from "../openapi/components.js";

export const MISC_COMPONENTS: readonly Component[] = [];
