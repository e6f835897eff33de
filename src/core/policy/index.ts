// Public surface of the policy engine (contract; implementations land in sibling files).
export * from "./types.js";
export { parsePolicy, DEFAULT_PARAMS } from "./policy-file.js";
export { parseCase } from "./parse-case.js";
export { decide, evaluateFacts, evaluateRefund } from "./evaluate.js";
export { decisionToJson, serializeDecision, type DecisionJson } from "./serialize.js";
export { policyDocument, type PolicyDocument } from "./document.js";
export {
  diffPolicies,
  type ClauseChange,
  type PolicyDiff,
  type PolicyValue,
  type SettingChange,
} from "./diff.js";
