export * from "./payouts.js";
