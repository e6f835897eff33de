// Components of the account routes (see ../openapi/components.ts).
import type { Component } from "../openapi/components.js";

export const ACCOUNT_COMPONENTS: readonly Component[] = [];
