// Public surface of the access rules.
export * from "./access.js";
