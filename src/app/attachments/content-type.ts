// What an uploaded file is, decided by its content; the name and the declared type may only agree.
// Pure (no I/O): the upload streams each file through a ContentInspector, then asks
// decideAttachmentType with what it saw and what the client declared.
//
// Accepted, by content:
// - PDF: starts with `%PDF-`; PNG: the 8-byte PNG signature; JPEG: FF D8 FF.
// - Plain text: valid UTF-8, no NUL byte, and at most 1% other control characters (tab, line
//   breaks and form feed do not count).
// - CSV: plain text that is declared as CSV (a `.csv` name or a CSV content type) and whose first
//   line holds a comma, a semicolon or a tab. No deeper parsing: the file is kept as sent.
// A name's extension (when it has one) must be one of ours and name the same type as the content;
// a declared content type must too, except `application/octet-stream` (no claim). Anything else
// is refused (415).

import { TextDecoder } from "node:util";

/** The types an attachment may have. */
export const ATTACHMENT_TYPES = {
  pdf: "application/pdf",
  png: "image/png",
  jpeg: "image/jpeg",
  text: "text/plain",
  csv: "text/csv",
} as const;
export type AttachmentKind = keyof typeof ATTACHMENT_TYPES;
export type AttachmentContentType = (typeof ATTACHMENT_TYPES)[AttachmentKind];

const EXTENSIONS: Readonly<Record<string, AttachmentKind>> = {
  pdf: "pdf",
  png: "png",
  jpg: "jpeg",
  jpeg: "jpeg",
  jpe: "jpeg",
  txt: "text",
  text: "text",
  log: "text",
  csv: "csv",
};

// Declared types a browser or client may send for our kinds (Windows often calls a CSV Excel's).
const DECLARED: Readonly<Record<string, AttachmentKind>> = {
  "application/pdf": "pdf",
  "application/x-pdf": "pdf",
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/pjpeg": "jpeg",
  "text/plain": "text",
  "text/x-log": "text",
  "text/csv": "csv",
  "text/x-csv": "csv",
  "application/csv": "csv",
  "text/comma-separated-values": "csv",
  "application/vnd.ms-excel": "csv",
};

const PDF_MAGIC = Buffer.from("%PDF-", "latin1");
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);
const HEAD_BYTES = 8;
const FIRST_LINE_MAX = 4096;

/** What the inspector saw in a file's bytes. */
export interface ContentFacts {
  readonly size: number;
  /** The first bytes (up to 8). */
  readonly head: Buffer;
  /** Set when the bytes are valid UTF-8 without NUL. */
  readonly text: {
    readonly chars: number;
    /** Control characters other than tab, LF, CR and FF (C0, DEL and C1). */
    readonly controls: number;
    /** The first line (up to 4,096 characters). */
    readonly firstLine: string;
  } | null;
}

/** Collects a file's facts chunk by chunk, in constant memory. */
export class ContentInspector {
  private size = 0;
  private head = Buffer.alloc(0);
  private decoder: TextDecoder | null = new TextDecoder("utf-8", { fatal: true });
  private chars = 0;
  private controls = 0;
  private firstLine = "";
  private firstLineDone = false;

  /** Feeds the next chunk. */
  update(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.head.length < HEAD_BYTES) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
    }
    if (this.decoder === null) return;
    if (chunk.includes(0)) {
      this.decoder = null;
      return;
    }
    try {
      this.scan(this.decoder.decode(chunk, { stream: true }));
    } catch {
      this.decoder = null;
    }
  }

  /** The facts, once every chunk was fed. */
  finish(): ContentFacts {
    if (this.decoder !== null) {
      try {
        this.scan(this.decoder.decode());
      } catch {
        this.decoder = null; // ends inside a multi-byte sequence
      }
    }
    return {
      size: this.size,
      head: this.head,
      text:
        this.decoder === null
          ? null
          : { chars: this.chars, controls: this.controls, firstLine: this.firstLine },
    };
  }

  private scan(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      this.chars++;
      if (
        (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) ||
        (c >= 0x7f && c <= 0x9f)
      ) {
        this.controls++;
      }
    }
    if (!this.firstLineDone) {
      const end = s.search(/[\r\n]/);
      this.firstLine += end === -1 ? s : s.slice(0, end);
      if (end !== -1 || this.firstLine.length >= FIRST_LINE_MAX) {
        this.firstLineDone = true;
        this.firstLine = this.firstLine.slice(0, FIRST_LINE_MAX);
      }
    }
  }
}

/** What the client said about the file. */
export interface DeclaredFile {
  readonly filename: string;
  /** The part's Content-Type, if any. */
  readonly mimetype: string | undefined;
}

export type TypeDecision =
  | {
      readonly ok: true;
      readonly kind: AttachmentKind;
      readonly contentType: AttachmentContentType;
    }
  | { readonly ok: false; readonly status: 400 | 415; readonly message: string };

function startsWith(head: Buffer, magic: Buffer): boolean {
  return head.length >= magic.length && head.subarray(0, magic.length).equals(magic);
}

/** The kind the bytes show, or null when they are none of ours. */
export function sniffKind(facts: ContentFacts): "pdf" | "png" | "jpeg" | "text" | null {
  if (startsWith(facts.head, PDF_MAGIC)) return "pdf";
  if (startsWith(facts.head, PNG_MAGIC)) return "png";
  if (startsWith(facts.head, JPEG_MAGIC)) return "jpeg";
  const t = facts.text;
  if (t !== null && t.chars > 0 && t.controls * 100 <= t.chars) return "text";
  return null;
}

/** The extension of a file name, lower case, without the dot ("" when there is none). */
export function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf(".");
  return dot <= 0 ? "" : filename.slice(dot + 1).toLowerCase();
}

const LABEL: Readonly<Record<AttachmentKind, string>> = {
  pdf: "a PDF",
  png: "a PNG image",
  jpeg: "a JPEG image",
  text: "plain text",
  csv: "CSV",
};

function refuse(message: string): TypeDecision {
  return { ok: false, status: 415, message };
}

/** Decides the stored type from the content, refusing a name or declared type that disagrees. */
export function decideAttachmentType(facts: ContentFacts, declared: DeclaredFile): TypeDecision {
  if (facts.size === 0) return { ok: false, status: 400, message: "the file is empty" };
  const ext = extensionOf(declared.filename);
  const byName = ext === "" ? null : (EXTENSIONS[ext] ?? undefined);
  if (byName === undefined) {
    return refuse(`files named .${ext} are not accepted (PDF, PNG, JPEG, plain text or CSV)`);
  }
  const mime = declared.mimetype?.split(";")[0]?.trim().toLowerCase() ?? "";
  const byType =
    mime === "" || mime === "application/octet-stream" ? null : (DECLARED[mime] ?? undefined);
  if (byType === undefined) return refuse(`declared type ${mime} is not accepted`);

  const sniffed = sniffKind(facts);
  if (sniffed === null) {
    return refuse("the content is not a PDF, PNG, JPEG, plain text or CSV");
  }
  const claims = [byName, byType].filter((k): k is AttachmentKind => k !== null);
  let kind: AttachmentKind = sniffed;
  if (sniffed === "text") {
    // Text and CSV are one family: a CSV claim makes text a CSV; the name decides between them.
    const textClaim = byName ?? byType;
    if (textClaim === "csv") kind = "csv";
  }
  for (const claim of claims) {
    const agrees =
      claim === sniffed || (sniffed === "text" && (claim === "text" || claim === "csv"));
    if (!agrees) {
      return refuse(`the file claims to be ${LABEL[claim]} but its content is ${LABEL[sniffed]}`);
    }
  }
  if (kind === "csv" && !/[,;\t]/.test(facts.text?.firstLine ?? "")) {
    return refuse("the file claims to be CSV but its first line has no comma, semicolon or tab");
  }
  return { ok: true, kind, contentType: ATTACHMENT_TYPES[kind] };
}

// Bidirectional controls (U+202A-U+202E, U+2066-U+2069) can make "cod.exe" look like "exe.doc".
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const NAME_MAX = 200;

/**
 * A client's file name made safe to keep and show: its last path segment, NFC, without control or
 * bidirectional characters, leading dots or surrounding spaces, at most 200 characters (keeping the
 * extension); "attachment" when nothing is left.
 */
export function sanitizeFileName(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? "";
  let name = base
    .replace(LONE_SURROGATE, "")
    .normalize("NFC")
    .replace(UNSAFE_CHARS, "")
    .trim()
    .replace(/^\.+/, "")
    .trim();
  if (name.length > NAME_MAX) {
    const ext = extensionOf(name);
    const keep = ext.length > 0 && ext.length <= 10 ? `.${ext}` : "";
    // Slicing may split a surrogate pair: drop a lone high surrogate at the cut.
    name = name.slice(0, NAME_MAX - keep.length).replace(/[\ud800-\udbff]$/, "") + keep;
  }
  return name === "" ? "attachment" : name;
}

/**
 * `Content-Disposition: attachment` with an ASCII fallback `filename` and the exact name as
 * `filename*` (RFC 6266 / RFC 8187).
 */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
