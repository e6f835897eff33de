import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { parsePolicy, type InputError, type Policy, type Result } from "../core/policy/index.js";

/** The policy file shipped with the product (operators edit it, or pass another with --policy). */
export const DEFAULT_POLICY_PATH = join(packageRoot(), "policy", "default-policy.yaml");

/** The project's root: the nearest folder above this module with a package.json (src or dist). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("refund-desk: cannot find the package root");
    dir = up;
  }
  return dir;
}

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
