// The web app's words: English is complete; Thai covers every group a client reads (the staff
// console may fall back to English), with the same {{placeholders}} as the English text, so a
// Thai sentence never loses the date, amount or name it is about.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const DIR = join(import.meta.dirname, "..", "..", "web", "src", "shared", "i18n");
type Tree = { [key: string]: string | Tree };
const read = (name: string) => JSON.parse(readFileSync(join(DIR, name), "utf8")) as Tree;

/** Every leaf as `a.b.c` -> text. */
function leaves(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix === "" ? k : `${prefix}.${k}`;
    if (typeof v === "string") out.set(key, v);
    else for (const [kk, vv] of leaves(v, key)) out.set(kk, vv);
  }
  return out;
}

/** The groups of en.json a client reads (the client portal and the account pages). */
const CLIENT_GROUPS = [
  "app",
  "common",
  "auth",
  "errors",
  "status",
  "paymentMethod",
  "payoutStage",
  "reason",
  "orders",
  "requests",
  "newRequest",
  "upload",
  "request",
  "payout",
  "appeal",
  "reply",
  "reopen",
  "withdraw",
  "alternative",
  "timeline",
  "clause",
  "policy",
  "account",
];
const CLIENT_NAV = ["nav.label", "nav.myRequests", "nav.myOrders", "nav.policy"];

const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe("web app translations", () => {
  const en = leaves(read("en.json"));
  const th = leaves(read("th.json"));
  const clientKeys = [...en.keys()].filter(
    (k) => CLIENT_GROUPS.includes(k.split(".")[0] ?? "") || CLIENT_NAV.includes(k),
  );

  it("Thai has every key of the client portal", () => {
    expect(clientKeys.length).toBeGreaterThan(200);
    expect(clientKeys.filter((k) => !th.has(k))).toEqual([]);
  });

  it("Thai has no key English lacks (a typo would never be shown)", () => {
    expect([...th.keys()].filter((k) => !en.has(k))).toEqual([]);
  });

  it("a Thai text names the same placeholders as its English text", () => {
    const differ = clientKeys.filter(
      (k) =>
        JSON.stringify(placeholders(en.get(k) ?? "")) !==
        JSON.stringify(placeholders(th.get(k) ?? "")),
    );
    expect(differ).toEqual([]);
  });

  it("no Thai text is left in English", () => {
    // Texts that are the same in both languages on purpose: names, codes, formats.
    const same = new Set(["app.name", "upload.size", "payout.iban", "requests.linkLabel"]);
    const untranslated = clientKeys.filter(
      (k) => !same.has(k) && th.get(k) === en.get(k) && /[a-z]{3,}/.test(en.get(k) ?? ""),
    );
    expect(untranslated).toEqual([]);
  });
});
