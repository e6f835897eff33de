import { Document, isSeq } from "yaml";
import { CLAUSE_IDS, type Policy } from "../core/policy/index.js";
import { DEFAULT_PAYOUTS, DEFAULT_WORKFLOW } from "../core/policy/policy-file.js";
import { EXIT_OK, writeText, type CliIo } from "./io.js";

/** The policy as a policy-file document (version, parameters, clauses), loadable as it stands. */
export function policyDocument(policy: Policy): {
  version: string;
  parameters: Record<string, unknown>;
  payouts: { secondApprovalAbove: Record<string, string> };
  workflow: Record<string, number>;
  clauses: Record<string, string>;
} {
  const p = policy.params;
  const clauses: Record<string, string> = {};
  for (const id of CLAUSE_IDS) clauses[id] = policy.clauses[id];
  return {
    version: policy.version,
    parameters: {
      timezone: p.timezone,
      requestWindowDays: p.requestWindowDays,
      payoutBusinessDays: [...p.payoutBusinessDays],
      holidays: [...p.holidays],
      holidayCountry: p.holidayCountry,
      cryptoRefundValuation: p.cryptoRefundValuation,
      autoApprove: [...p.autoApprove],
    },
    payouts: {
      secondApprovalAbove: { ...(policy.payouts ?? DEFAULT_PAYOUTS).secondApprovalAbove },
    },
    workflow: { ...(policy.workflow ?? DEFAULT_WORKFLOW) },
    clauses,
  };
}

/** YAML with the parameters' lists in flow style (`[7, 14]`), as in the policy file. */
function toYaml(doc: ReturnType<typeof policyDocument>): string {
  const yaml = new Document(doc);
  for (const key of Object.keys(doc.parameters)) {
    const node = yaml.getIn(["parameters", key], true);
    if (isSeq(node)) node.flow = true;
  }
  return yaml.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** `policy show [--json]`: prints the policy in force as YAML (with its source) or JSON. */
export async function showPolicy(
  policy: Policy,
  source: string,
  json: boolean,
  io: CliIo,
): Promise<number> {
  const doc = policyDocument(policy);
  const text = json
    ? `${JSON.stringify(doc, null, 2)}\n`
    : `# The refund policy in force, loaded from ${source}\n${toYaml(doc)}`;
  await writeText(io.stdout, text);
  return EXIT_OK;
}
