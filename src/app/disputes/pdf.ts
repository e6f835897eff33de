// Renders an evidence document (core/disputes/evidence.ts: a title and sections of lines) as a PDF
// with pdfkit, for upload to the card provider (issue 20). The standard Helvetica font covers the
// Latin-1 range; any other character is written as "?" rather than dropped silently.

import PDFDocument from "pdfkit";
import type { EvidenceDocument } from "../../core/disputes/index.js";

function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[^\x09\x0A\x20-\x7E\xA0-\xFF]/g, "?");
}

/** The document as PDF bytes; `at` (epoch ms) is its creation date, so a rendering repeats. */
export function renderEvidencePdf(doc: EvidenceDocument, at: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pdf = new PDFDocument({
      size: "A4",
      margin: 56,
      info: { Title: printable(doc.title), Producer: "Refund Desk", CreationDate: new Date(at) },
    });
    const chunks: Buffer[] = [];
    pdf.on("data", (c: Buffer) => chunks.push(c));
    pdf.on("end", () => resolve(Buffer.concat(chunks)));
    pdf.on("error", reject);
    pdf.font("Helvetica-Bold").fontSize(16).text(printable(doc.title));
    for (const section of doc.sections) {
      pdf.moveDown();
      pdf.font("Helvetica-Bold").fontSize(12).text(printable(section.heading));
      pdf.font("Helvetica").fontSize(10);
      for (const line of section.lines.length === 0 ? ["None."] : section.lines) {
        pdf.text(printable(line));
      }
    }
    pdf.end();
  });
}
