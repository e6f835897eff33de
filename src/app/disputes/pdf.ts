// Renders an evidence document (core/disputes/evidence.ts: a title and sections of lines) as a PDF
// with pdfkit, for upload to the card provider (issue 20). A request's own words may be Thai (the
// client portal is in English and Thai), so the text is set in Noto Sans for Latin and Noto Sans
// Thai for Thai, the fonts the web app already ships (@fontsource; pdfkit reads WOFF and embeds
// the glyphs used). Each line is cut into runs by script, one font per run. A character neither
// font covers is written as "?" rather than dropped silently.

import { createRequire } from "node:module";
import PDFDocument from "pdfkit";
import type { EvidenceDocument } from "../../core/disputes/index.js";

const fontFile = createRequire(import.meta.url).resolve;

/** The four faces, by the name pdfkit registers them under. */
const FONTS = {
  latin: fontFile("@fontsource/noto-sans/files/noto-sans-latin-400-normal.woff"),
  "latin-bold": fontFile("@fontsource/noto-sans/files/noto-sans-latin-700-normal.woff"),
  thai: fontFile("@fontsource/noto-sans-thai/files/noto-sans-thai-thai-400-normal.woff"),
  "thai-bold": fontFile("@fontsource/noto-sans-thai/files/noto-sans-thai-thai-700-normal.woff"),
} as const;

/** Thai letters, vowels, tone marks and digits (the Thai face's block; it has no space). */
const THAI = /[\u0E01-\u0E5B]/;
/** What the Latin face covers (its subset's ranges: Latin-1, general punctuation, euro, trade mark). */
const LATIN =
  // eslint-disable-next-line no-control-regex
  /[\x09\x0A\x20-\x7E\xA0-\xFF\u0131\u0152\u0153\u2010-\u2027\u2030-\u205E\u20AC\u2122]/;

export interface Run {
  readonly script: "latin" | "thai";
  readonly text: string;
}

/** A line cut into runs of one script each; characters neither face has become "?". */
export function scriptRuns(text: string): Run[] {
  const runs: Run[] = [];
  for (const ch of text) {
    const script = THAI.test(ch) ? "thai" : "latin";
    const shown = script === "thai" || LATIN.test(ch) ? ch : "?";
    const last = runs.at(-1);
    if (last?.script === script) runs[runs.length - 1] = { script, text: last.text + shown };
    else runs.push({ script, text: shown });
  }
  return runs;
}

/** The document as PDF bytes; `at` (epoch ms) is its creation date, so a rendering repeats. */
export function renderEvidencePdf(doc: EvidenceDocument, at: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pdf = new PDFDocument({
      size: "A4",
      margin: 56,
      info: { Title: doc.title, Producer: "Refund Desk", CreationDate: new Date(at) },
    });
    const chunks: Buffer[] = [];
    pdf.on("data", (c: Buffer) => chunks.push(c));
    pdf.on("end", () => resolve(Buffer.concat(chunks)));
    pdf.on("error", reject);
    for (const [name, file] of Object.entries(FONTS)) pdf.registerFont(name, file);

    const line = (text: string, size: number, bold: boolean) => {
      const runs = scriptRuns(text);
      if (runs.length === 0) runs.push({ script: "latin", text: " " });
      pdf.fontSize(size);
      runs.forEach((run, i) => {
        pdf.font(bold ? `${run.script}-bold` : run.script);
        pdf.text(run.text, { continued: i < runs.length - 1 });
      });
    };
    line(doc.title, 16, true);
    for (const section of doc.sections) {
      pdf.moveDown();
      line(section.heading, 12, true);
      for (const text of section.lines.length === 0 ? ["None."] : section.lines) {
        line(text, 10, false);
      }
    }
    pdf.end();
  });
}
