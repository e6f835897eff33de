import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvField, parseCsv } from "./csv.js";

function rows(text: string) {
  const r = parseCsv(text);
  if (!r.ok) throw new Error(`line ${r.line}: ${r.message}`);
  return r.records;
}

describe("parseCsv (RFC 4180)", () => {
  it("splits plain fields and records, with or without a final line break", () => {
    expect(rows("a,b,c\n1,2,3\n")).toEqual([
      { line: 1, fields: ["a", "b", "c"] },
      { line: 2, fields: ["1", "2", "3"] },
    ]);
    expect(rows("a,b\r\n1,2")).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["1", "2"] },
    ]);
  });

  it("keeps empty fields, including a trailing one", () => {
    expect(rows("a,,c,\n")[0]?.fields).toEqual(["a", "", "c", ""]);
    expect(rows(",\n")[0]?.fields).toEqual(["", ""]);
  });

  it("reads commas, doubled quotes and line breaks inside quoted fields", () => {
    const text = 'id,note\n1,"Blocked, waiting on ""VPN"" access\nsince Monday"\n2,"x"\n';
    expect(rows(text)).toEqual([
      { line: 1, fields: ["id", "note"] },
      { line: 2, fields: ["1", 'Blocked, waiting on "VPN" access\nsince Monday'] },
      { line: 4, fields: ["2", "x"] },
    ]);
  });

  it("keeps CRLF inside a quoted field and counts it as one line", () => {
    expect(rows('a\r\n"x\r\ny"\r\nz\r\n')).toEqual([
      { line: 1, fields: ["a"] },
      { line: 2, fields: ["x\r\ny"] },
      { line: 4, fields: ["z"] },
    ]);
  });

  it("distinguishes an empty quoted field from a skipped empty line", () => {
    expect(rows('a\n\n""\n')).toEqual([
      { line: 1, fields: ["a"] },
      { line: 3, fields: [""] },
    ]);
  });

  it("reports an unclosed quote at the line it opened", () => {
    expect(parseCsv('a,b\n1,"open\n2,3\n')).toEqual({
      ok: false,
      line: 2,
      message: "a quoted field is not closed",
    });
  });

  it("reports a stray quote and text after a closing quote", () => {
    const stray = parseCsv('a\nab"c\n');
    expect(stray.ok).toBe(false);
    if (!stray.ok) expect(stray.line).toBe(2);
    const after = parseCsv('"a"b,c\n');
    expect(after.ok).toBe(false);
    if (!after.ok) expect(after.message).toMatch(/after a closing quote/);
  });

  it("reads back whatever csvField writes (property)", () => {
    const field = fc.string({ unit: fc.constantFrom("a", " ", ",", '"', "\n", "\r", "é", "1") });
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 8 }),
        fc.constantFrom("\n", "\r\n"),
        (table, eol) => {
          const text = table.map((r) => r.map(csvField).join(",")).join(eol) + eol;
          expect(rows(text).map((r) => r.fields)).toEqual(table);
        },
      ),
    );
  });
});
