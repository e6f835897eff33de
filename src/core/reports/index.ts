// Public surface of the reports' pure parts: periods and buckets in the policy's zone, the
// reports' columns, and their rows from the queries' aggregates.
export * from "./period.js";
export * from "./reports.js";
