export * from "./payouts.js";
export * from "./standing.js";
export * from "./client-view.js";
export * from "./way-forward.js";
export * from "./actions.js";
