import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { parsePolicy, type InputError, type Policy, type Result } from "../core/policy/index.js";
import { PACKAGE_ROOT } from "../package-root.js";

/** The policy file shipped with the product (operators edit it, or pass another with --policy). */
export const DEFAULT_POLICY_PATH = join(PACKAGE_ROOT, "policy", "default-policy.yaml");

/** Parses policy file text (YAML, of which JSON is a subset) and validates it. */
export function parsePolicyText(text: string): Result<Policy, InputError> {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: false });
  } catch (e) {
    return {
      ok: false,
      error: { path: "(file)", message: `not valid YAML or JSON: ${(e as Error).message}` },
    };
  }
  return parsePolicy(doc);
}

/** Reads and validates a policy file; an unreadable file is reported like invalid content. */
export function loadPolicyFile(path: string = DEFAULT_POLICY_PATH): Result<Policy, InputError> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    return {
      ok: false,
      error: {
        path: "(file)",
        message: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      },
    };
  }
  return parsePolicyText(text);
}
