// Components of the payout routes (see ../openapi/components.ts).
import type { Component } from "../openapi/components.js";

export const PAYOUT_COMPONENTS: readonly Component[] = [];
