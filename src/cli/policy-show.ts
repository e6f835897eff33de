import { Document, isSeq } from "yaml";
import { policyDocument, type Policy, type PolicyDocument } from "../core/policy/index.js";
import { EXIT_OK, writeText, type CliIo } from "./io.js";

/** YAML with the parameters' lists in flow style (`[7, 14]`), as in the policy file. */
function toYaml(doc: PolicyDocument): string {
  const yaml = new Document(doc);
  for (const key of Object.keys(doc.parameters)) {
    const node = yaml.getIn(["parameters", key], true);
    if (isSeq(node)) node.flow = true;
  }
  return yaml.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** `policy show [--json]`: prints a policy as YAML (with where it came from) or JSON. */
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
