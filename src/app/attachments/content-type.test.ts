import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ContentInspector,
  contentDisposition,
  decideAttachmentType,
  sanitizeFileName,
  sniffKind,
  type ContentFacts,
} from "./content-type.js";

function facts(bytes: Buffer | string, chunk = 3): ContentFacts {
  const buf = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes;
  const inspector = new ContentInspector();
  for (let i = 0; i < buf.length; i += chunk) inspector.update(buf.subarray(i, i + chunk));
  return inspector.finish();
}

const PDF = Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "latin1");
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);

function decide(bytes: Buffer | string, filename: string, mimetype?: string) {
  return decideAttachmentType(facts(bytes), { filename, mimetype });
}

describe("attachment types are decided by content", () => {
  it.each([
    [PDF, "scan.pdf", "application/pdf", "application/pdf"],
    [PNG, "photo.PNG", "image/png", "image/png"],
    [JPEG, "photo.jpeg", "image/jpeg", "image/jpeg"],
    [JPEG, "photo.jpg", undefined, "image/jpeg"],
    ["Hello, Zoë — ünïcode ✓\r\nline two\ttab\n", "notes.txt", "text/plain", "text/plain"],
    ["id,amount\n1,2.50\n", "table.csv", "text/csv", "text/csv"],
    ["id;amount\n1;2,50\n", "table.csv", "application/vnd.ms-excel", "text/csv"],
    ["id,amount\n", "export", "text/csv", "text/csv"],
    ["just words", "README", undefined, "text/plain"],
    [PDF, "no-extension", "application/octet-stream", "application/pdf"],
  ])("%#: %s as %s (%s) -> %s", (bytes, name, mime, expected) => {
    expect(decide(bytes, name, mime)).toMatchObject({ ok: true, contentType: expected });
  });

  it("refuses a name or declared type that disagrees with the content", () => {
    expect(decide("not a pdf at all", "invoice.pdf")).toMatchObject({ ok: false, status: 415 });
    expect(decide("plain", "x.txt", "application/pdf")).toMatchObject({ ok: false, status: 415 });
    expect(decide(PNG, "x.jpg")).toMatchObject({ ok: false, status: 415 });
    expect(decide(PDF, "x.txt", "text/plain")).toMatchObject({ ok: false, status: 415 });
    expect(decide(JPEG, "x.csv")).toMatchObject({ ok: false, status: 415 });
  });

  it("refuses unknown content, unknown extensions and unknown declared types", () => {
    const gif = Buffer.from("GIF89a\x01\x00\x01\x00\x00\x00\x00", "latin1");
    expect(decide(gif, "a.gif")).toMatchObject({ ok: false, status: 415 });
    expect(decide(gif, "a")).toMatchObject({ ok: false, status: 415 });
    expect(decide("<script>alert(1)</script>", "page.html")).toMatchObject({ status: 415 });
    expect(decide("<svg/>", "x.txt", "image/svg+xml")).toMatchObject({ status: 415 });
    expect(decide("MZ\x90\x00", "tool.exe")).toMatchObject({ status: 415 });
  });

  it("text must be valid UTF-8, without NUL, and mostly printable", () => {
    expect(sniffKind(facts(Buffer.from([0x61, 0x00, 0x62])))).toBeNull();
    expect(sniffKind(facts(Buffer.from([0x61, 0xc3, 0x28])))).toBeNull(); // broken sequence
    expect(sniffKind(facts(Buffer.from([0x61, 0xe2, 0x82])))).toBeNull(); // cut at the end
    expect(sniffKind(facts("a".repeat(99) + "\x1b"))).toBe("text"); // 1%
    expect(sniffKind(facts("a".repeat(98) + "\x1b\x1b"))).toBeNull(); // 2%
    // A multi-byte character split across chunks is still text.
    expect(sniffKind(facts(Buffer.from("€€€", "utf8"), 1))).toBe("text");
  });

  it("a CSV's first line must hold a delimiter", () => {
    expect(decide("just one column\n1\n", "t.csv")).toMatchObject({ ok: false, status: 415 });
    expect(decide("a\tb\n1\t2", "t.csv")).toMatchObject({ ok: true, contentType: "text/csv" });
  });

  it("an empty file is refused with 400", () => {
    expect(decide("", "empty.txt")).toMatchObject({ ok: false, status: 400 });
  });

  it("the inspector sees the same facts however the bytes are chunked", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 9 }), (arr, n) => {
        const buf = Buffer.from(arr);
        expect(facts(buf, n)).toEqual(facts(buf, 64));
      }),
    );
  });
});

describe("file names", () => {
  it("keeps the last path segment, without control, bidi or leading dots", () => {
    expect(sanitizeFileName("../../etc/passwd")).toBe("passwd");
    expect(sanitizeFileName("C:\\Users\\me\\scan.pdf")).toBe("scan.pdf");
    expect(sanitizeFileName("in\u202Efdp.exe")).toBe("infdp.exe");
    expect(sanitizeFileName("a\u0000b\nc.txt")).toBe("abc.txt");
    expect(sanitizeFileName(".hidden.txt")).toBe("hidden.txt");
    expect(sanitizeFileName("   ")).toBe("attachment");
    expect(sanitizeFileName("")).toBe("attachment");
    const long = sanitizeFileName(`${"é".repeat(300)}.pdf`);
    expect(long).toHaveLength(200);
    expect(long.endsWith(".pdf")).toBe(true);
  });

  it("Content-Disposition carries an ASCII fallback and the exact UTF-8 name", () => {
    expect(contentDisposition('Rech"nung (März)*.pdf')).toBe(
      `attachment; filename="Rech_nung (M_rz)*.pdf"; filename*=UTF-8''Rech%22nung%20%28M%C3%A4rz%29%2A.pdf`,
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "grapheme", maxLength: 40 }),
          fc.string({ unit: "binary", maxLength: 40 }),
        ),
        (s) => {
          const name = sanitizeFileName(s);
          const header = contentDisposition(name);
          expect(header).toMatch(
            /^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''[\x21-\x7e]*$/,
          );
          const encoded = header.split("UTF-8''")[1] ?? "";
          expect(decodeURIComponent(encoded)).toBe(name);
        },
      ),
    );
  });
});
