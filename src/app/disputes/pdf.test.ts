import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { renderEvidencePdf, scriptRuns } from "./pdf.js";

/** Every stream of the PDF, inflated where pdfkit compressed it (fonts' ToUnicode maps among them). */
function streams(pdf: Buffer): string[] {
  const text = pdf.toString("latin1");
  const out: string[] = [];
  for (const m of text.matchAll(/stream\r?\n/g)) {
    const start = m.index + m[0].length;
    const end = text.indexOf("endstream", start);
    const bytes = pdf.subarray(start, end);
    try {
      out.push(inflateSync(bytes).toString("latin1"));
    } catch {
      out.push(bytes.toString("latin1"));
    }
  }
  return out;
}

describe("evidence PDFs", () => {
  it("cut a line into runs by script, with ? for what neither face has", () => {
    expect(scriptRuns("Order ORD-1001: ขอคืนเงิน ค่าบริการ")).toEqual([
      { script: "latin", text: "Order ORD-1001: " },
      { script: "thai", text: "ขอคืนเงิน" },
      { script: "latin", text: " " },
      { script: "thai", text: "ค่าบริการ" },
    ]);
    expect(scriptRuns("Paid 1.234,50 € – “report”")).toEqual([
      { script: "latin", text: "Paid 1.234,50 € – “report”" },
    ]);
    expect(scriptRuns("日本 ok")).toEqual([{ script: "latin", text: "?? ok" }]);
    expect(scriptRuns("")).toEqual([]);
  });

  it("embed the Latin and Thai faces and map their glyphs back to the Thai text", async () => {
    const pdf = await renderEvidencePdf(
      {
        title: "Refund policy and the client's request",
        sections: [
          { heading: "Client's description", lines: ["รายงานไม่ครบตามสัญญา (ORD-1001)"] },
          { heading: "Documents", lines: [] },
        ],
      },
      Date.parse("2026-12-06T10:00:00Z"),
    );
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const raw = pdf.toString("latin1");
    expect(raw).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSans-Bold/);
    expect(raw).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSansThai-Regular/);
    expect(raw).not.toContain("/Helvetica");
    // The ToUnicode maps name every Thai letter of the line (so the text can be read and searched).
    const maps = streams(pdf)
      .filter((s) => s.includes("beginbfrange") || s.includes("beginbfchar"))
      .join("\n")
      .toLowerCase();
    for (const ch of "รายงานไม่ครบตามสัญญา") {
      const hex = ch.codePointAt(0)!.toString(16).padStart(4, "0");
      expect(maps, `U+${hex}`).toContain(`<${hex}>`);
    }
  });

  it("render the same bytes for the same document and instant", async () => {
    const doc = { title: "Service usage", sections: [{ heading: "Logins", lines: ["ok"] }] };
    const at = Date.parse("2026-12-06T10:00:00Z");
    expect((await renderEvidencePdf(doc, at)).equals(await renderEvidencePdf(doc, at))).toBe(true);
  });
});
