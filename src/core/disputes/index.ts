export * from "./disputes.js";
export * from "./evidence.js";
