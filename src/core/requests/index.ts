// Public surface of the refund-request state machine.
export * from "./types.js";
export * from "./transition.js";
export * from "./intake.js";
export * from "./deadlines.js";
export * from "./reference.js";
