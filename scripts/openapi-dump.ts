// Writes the API's OpenAPI document (JSON) without a database or a server listening:
//   node --import ./test/support/register-ts.js scripts/openapi-dump.ts [out.json]
// (`npm run openapi` runs it and generates the TypeScript types from the result.)
// Default output: openapi/openapi.json.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { buildOpenApiDocument } from "../src/http/openapi/dump.js";

const out = resolve(process.argv[2] ?? "openapi/openapi.json");
const document = await buildOpenApiDocument();
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(document, null, 2) + "\n");
process.stdout.write(`wrote ${out}\n`);
