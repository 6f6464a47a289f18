/**
 * Pure helpers of artifact previews and downloads: what a file is (from its name, its recorded
 * media type and its first bytes) and bounded parsing of CSV/TSV, JSON and text. No I/O: the
 * caller reads at most PREVIEW_LIMITS.readBytes from the store and hands the bytes over.
 */
import { mediaTypeOfFileName } from "@trellis/artifacts";

export const PREVIEW_LIMITS = {
  /** Bytes read from the start of a file for any preview. */
  readBytes: 256 * 1024,
  /** Text previews show at most this much. */
  textBytes: 64 * 1024,
  /** JSON is parsed only when the whole file is at most this big (else it is shown as text). */
  jsonBytes: 256 * 1024,
  csvRows: 50,
  csvColumns: 200,
  cellChars: 1000,
} as const;

export type PreviewFormat = "csv" | "tsv" | "json" | "text" | "image" | "binary";


/** Images the browser shows through <img> from the content endpoint (SVG too: an <img> runs no script). */
const PREVIEWABLE_IMAGES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml", "image/bmp"]);

/** The media type a file name suggests (null: no known extension); the table the worker records with. */
export function mediaTypeFromName(name: string | null | undefined): string | null {
  return name ? mediaTypeOfFileName(name) : null;
}

/** Bytes that are valid UTF-8 text without NUL characters (a cut multi-byte sequence at the very end is fine). */
export function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  // Drop up to 3 trailing bytes of a sequence the read limit may have cut.
  let end = bytes.length;
  for (let i = Math.max(0, bytes.length - 3); i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b >= 0xc2 && b <= 0xf4) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      if (i + need > bytes.length) end = i;
    }
  }
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

const IMAGE_MAGIC: [string, number[]][] = [
  ["image/png", [0x89, 0x50, 0x4e, 0x47]],
  ["image/jpeg", [0xff, 0xd8, 0xff]],
  ["image/gif", [0x47, 0x49, 0x46, 0x38]],
];

function sniffImage(bytes: Uint8Array): string | null {
  for (const [type, magic] of IMAGE_MAGIC) if (magic.every((b, i) => bytes[i] === b)) return type;
  if (bytes.length >= 12 && String.fromCharCode(...bytes.subarray(0, 4)) === "RIFF" && String.fromCharCode(...bytes.subarray(8, 12)) === "WEBP") return "image/webp";
  return null;
}

/** The separator a text's first lines use consistently (comma or tab), or null when it is not a table. */
export function sniffDelimiter(text: string): "," | "\t" | null {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0).slice(0, 6);
  if (lines.length < 2) return null;
  for (const delimiter of ["\t", ","] as const) {
    const counts = lines.map((l) => parseCsvRecords(l, delimiter, 1).rows[0]?.length ?? 0);
    // The last line may be cut by the read limit: the others must agree, with at least 2 fields.
    const whole = counts.slice(0, -1);
    if (whole[0]! >= 2 && whole.every((c) => c === whole[0])) return delimiter;
  }
  return null;
}

export interface Detected {
  format: PreviewFormat;
  mediaType: string;
}

/**
 * What a file is, for previews and the Content-Type of downloads. A recorded media type wins,
 * then the file name's extension, then the first bytes (image signatures, JSON, CSV/TSV, text).
 */
export function detectFormat(input: { name?: string | null; mediaType?: string | null; head: Uint8Array }): Detected {
  const declared = input.mediaType?.split(";")[0]?.trim().toLowerCase() || null;
  const fromName = mediaTypeFromName(input.name);
  // A name like model.pkl says binary; a recorded octet-stream may just be a default: sniff it.
  if (!declared && fromName === "application/octet-stream") return { format: "binary", mediaType: fromName };
  const mediaType = declared ?? fromName;
  if (mediaType) {
    if (mediaType === "text/csv") return { format: "csv", mediaType };
    if (mediaType === "text/tab-separated-values") return { format: "tsv", mediaType };
    if (mediaType === "application/json" || mediaType.endsWith("+json")) return { format: "json", mediaType };
    if (PREVIEWABLE_IMAGES.has(mediaType)) return { format: "image", mediaType };
    if (mediaType.startsWith("image/")) return { format: "binary", mediaType };
    if (mediaType.startsWith("text/") || ["application/yaml", "application/xml", "application/x-ndjson"].includes(mediaType)) {
      return { format: "text", mediaType };
    }
    if (mediaType !== "application/octet-stream") return { format: "binary", mediaType };
  }
  const image = sniffImage(input.head);
  if (image) return { format: "image", mediaType: image };
  if (!looksLikeText(input.head)) return { format: "binary", mediaType: mediaType ?? "application/octet-stream" };
  const text = decodeText(input.head);
  const trimmed = text.trimStart();
  if ((trimmed.startsWith("{") || trimmed.startsWith("[")) && isJson(text)) return { format: "json", mediaType: "application/json" };
  const delimiter = sniffDelimiter(text);
  if (delimiter === ",") return { format: "csv", mediaType: "text/csv" };
  if (delimiter === "\t") return { format: "tsv", mediaType: "text/tab-separated-values" };
  return { format: "text", mediaType: "text/plain" };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** UTF-8 decoding that replaces invalid sequences (and a sequence cut at the end) instead of throwing. */
export function decodeText(bytes: Uint8Array): string {
  return new TextDecoder("utf-8").decode(bytes).replace(/\uFFFD$/, "");
}

export interface CsvRecords {
  rows: string[][];
  /** The input ended inside a record (a quoted field or a line without its newline) that was dropped. */
  cut: boolean;
}

/**
 * RFC 4180 records: quoted fields may hold the delimiter, newlines and doubled quotes; CRLF or
 * LF ends a record. Stops after `maxRecords`. With `complete` false (the text is only the start
 * of a file), a final record without its line end is dropped as possibly cut.
 */
export function parseCsvRecords(text: string, delimiter: string, maxRecords: number, complete = true): CsvRecords {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let fieldStarted = false;
  let i = 0;
  const n = text.length;
  const endRecord = () => {
    row.push(field);
    rows.push(row);
    row = [];
    field = "";
    fieldStarted = false;
  };
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark
  while (i < n && rows.length < maxRecords) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
      i++;
      continue;
    }
    if (c === delimiter) {
      row.push(field);
      field = "";
      fieldStarted = false;
      i++;
      continue;
    }
    if (c === "\r" && text[i + 1] === "\n") {
      endRecord();
      i += 2;
      continue;
    }
    if (c === "\n") {
      endRecord();
      i++;
      continue;
    }
    field += c;
    fieldStarted = true;
    i++;
  }
  if (rows.length < maxRecords && (fieldStarted || row.length > 0 || quoted)) {
    // A last record without a line end: whole when the text is the whole file and no quote is open.
    if (complete && !quoted) endRecord();
    else return { rows, cut: true };
  }
  return { rows, cut: false };
}

export interface TablePreview {
  columns: string[];
  rows: string[][];
  /** More rows (or columns, or longer cells) exist than are shown. */
  truncated: boolean;
}

/**
 * Header and the first PREVIEW_LIMITS.csvRows rows of a CSV/TSV, from the first bytes of the
 * file. `complete`: `head` is the whole file (so its last line is whole even without a newline).
 */
export function previewTable(head: Uint8Array, delimiter: string, complete: boolean): TablePreview {
  const text = decodeText(head);
  const { rows: records, cut } = parseCsvRecords(text, delimiter, PREVIEW_LIMITS.csvRows + 2, complete);
  const [header = [], ...body] = records;
  let truncated = !complete || cut;
  if (body.length > PREVIEW_LIMITS.csvRows) {
    body.length = PREVIEW_LIMITS.csvRows;
    truncated = true;
  } else if (!complete && !cut && body.length === PREVIEW_LIMITS.csvRows) {
    truncated = true;
  }
  const width = Math.min(PREVIEW_LIMITS.csvColumns, Math.max(header.length, ...body.map((r) => r.length)));
  const cell = (s: string) => {
    if (s.length <= PREVIEW_LIMITS.cellChars) return s;
    truncated = true;
    return `${s.slice(0, PREVIEW_LIMITS.cellChars)}…`;
  };
  if (header.length > width || body.some((r) => r.length > width)) truncated = true;
  const columns = Array.from({ length: width }, (_, i) => cell(header[i] ?? `column ${i + 1}`));
  const rows = body.map((r) => Array.from({ length: width }, (_, i) => cell(r[i] ?? "")));
  return { columns, rows, truncated };
}

/** The first PREVIEW_LIMITS.textBytes of a text, cut at a line end when one is near. */
export function previewText(head: Uint8Array, complete: boolean): { text: string; truncated: boolean } {
  if (complete && head.length <= PREVIEW_LIMITS.textBytes) return { text: decodeText(head), truncated: false };
  let slice = head.subarray(0, PREVIEW_LIMITS.textBytes);
  const lastNewline = slice.lastIndexOf(0x0a);
  if (lastNewline > PREVIEW_LIMITS.textBytes / 2) slice = slice.subarray(0, lastNewline + 1);
  return { text: decodeText(slice), truncated: true };
}

/** A safe `Content-Disposition` for a download: ASCII fallback plus the UTF-8 name (RFC 6266 / 5987). */
export function contentDisposition(fileName: string, disposition: "attachment" | "inline" = "attachment"): string {
  const base = fileName.split("/").pop() || "artifact";
  const ascii = base.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(base)}`;
}
