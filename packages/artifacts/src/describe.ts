import { createReadStream } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import path from "node:path";

/**
 * Small facts about an artifact for lists and previews, stored as ArtifactLink.metadata. Every
 * field is optional; nothing here is needed to read the artifact back.
 */
export interface ArtifactMetadata {
  /** The output's file or directory name as the step wrote it. */
  fileName: string;
  /** Files: guessed from the extension, else from the first bytes. */
  mediaType?: string;
  /** CSV/TSV files: the header's column names (at most MAX_COLUMNS, each cut to 200 characters). */
  columns?: string[];
  /** CSV/TSV files up to ROW_COUNT_MAX_BYTES: lines after the header (a quoted field spanning lines counts more than once). */
  rows?: number;
  /** Directories: number of regular files, at any depth. */
  fileCount?: number;
}

const SNIFF_BYTES = 64 * 1024;
export const ROW_COUNT_MAX_BYTES = 16 * 1024 * 1024;
const MAX_COLUMNS = 500;

const BY_EXTENSION: Record<string, string> = {
  ".csv": "text/csv",
  ".tsv": "text/tab-separated-values",
  ".tab": "text/tab-separated-values",
  ".json": "application/json",
  ".jsonl": "application/x-ndjson",
  ".ndjson": "application/x-ndjson",
  ".txt": "text/plain",
  ".log": "text/plain",
  ".toml": "text/plain",
  ".ini": "text/plain",
  ".cfg": "text/plain",
  ".sh": "text/x-shellscript",
  ".md": "text/markdown",
  ".html": "text/html",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
  ".xml": "application/xml",
  ".py": "text/x-python",
  ".parquet": "application/vnd.apache.parquet",
  ".arrow": "application/vnd.apache.arrow.file",
  ".feather": "application/vnd.apache.arrow.file",
  ".avro": "application/avro",
  ".pkl": "application/x-python-pickle",
  ".pickle": "application/x-python-pickle",
  ".joblib": "application/octet-stream",
  ".pt": "application/octet-stream",
  ".pth": "application/octet-stream",
  ".safetensors": "application/octet-stream",
  ".onnx": "application/octet-stream",
  ".h5": "application/x-hdf5",
  ".hdf5": "application/x-hdf5",
  ".npy": "application/octet-stream",
  ".npz": "application/zip",
  ".zip": "application/zip",
  ".gz": "application/gzip",
  ".tgz": "application/gzip",
  ".tar": "application/x-tar",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".bmp": "image/bmp",
  ".svg": "image/svg+xml",
  ".pdf": "application/pdf",
};

/** The media type a file name's extension implies (null: no known extension). One table for recording and serving. */
export function mediaTypeOfFileName(name: string): string | null {
  const base = name.split("/").pop() ?? "";
  const dot = base.lastIndexOf(".");
  return dot > 0 ? (BY_EXTENSION[base.slice(dot).toLowerCase()] ?? null) : null;
}

const MAGIC: [number[], string][] = [
  [[0x50, 0x41, 0x52, 0x31], "application/vnd.apache.parquet"], // "PAR1"
  [[0x50, 0x4b, 0x03, 0x04], "application/zip"],
  [[0x1f, 0x8b], "application/gzip"],
  [[0x89, 0x50, 0x4e, 0x47], "image/png"],
  [[0xff, 0xd8, 0xff], "image/jpeg"],
  [[0x25, 0x50, 0x44, 0x46], "application/pdf"], // "%PDF"
  [[0x89, 0x48, 0x44, 0x46], "application/x-hdf5"],
];

/** CSV/TSV delimiter if the first lines split into the same number (> 1) of fields. */
function detectDelimiter(lines: string[]): "," | "\t" | null {
  for (const delimiter of ["\t", ","] as const) {
    const counts = lines.slice(0, 5).map((l) => splitCsvLine(l, delimiter).length);
    if (counts.length > 0 && counts[0]! > 1 && counts.every((c) => c === counts[0])) return delimiter;
  }
  return null;
}

/** Splits one CSV line; double quotes enclose fields and "" is a quote inside one. */
function splitCsvLine(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"' && field === "") {
      quoted = true;
    } else if (ch === delimiter) {
      fields.push(field);
      field = "";
    } else {
      field += ch;
    }
  }
  fields.push(field);
  return fields;
}

function sniff(head: Buffer): { mediaType: string; text: string | null } {
  for (const [magic, type] of MAGIC) if (magic.every((b, i) => head[i] === b)) return { mediaType: type, text: null };
  // Pickle protocol 2+ starts with PROTO (0x80) and the protocol number.
  if (head[0] === 0x80 && head[1] !== undefined && head[1] >= 2 && head[1] <= 5) return { mediaType: "application/x-python-pickle", text: null };
  if (head.includes(0)) return { mediaType: "application/octet-stream", text: null };
  const text = new TextDecoder("utf-8", { fatal: false }).decode(head);
  // Many replacement characters: not text (a cut multi-byte character at the end is fine).
  if ((text.match(/\uFFFD/g)?.length ?? 0) > 2) return { mediaType: "application/octet-stream", text: null };
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) return { mediaType: "application/json", text };
  return { mediaType: "text/plain", text };
}

async function countLines(file: string): Promise<{ lines: number; endsWithNewline: boolean }> {
  let lines = 0;
  let last = -1;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    if (chunk.length > 0) last = chunk[chunk.length - 1]!;
  }
  return { lines, endsWithNewline: last === 10 };
}

async function countFiles(dir: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) if (entry.isFile() || entry.isSymbolicLink()) count++;
  return count;
}

/**
 * Cheap metadata for an output: its name; for a file the media type and, for CSV/TSV, the
 * header's columns and (for files up to 16 MiB) the number of data lines; for a directory the
 * number of files. Reads at most the first 64 KiB of a file, plus one pass over small CSVs.
 * `type` is the output's declared type (dataset, model, …): only datasets are tested as
 * delimited text when their name has no telling extension.
 */
export async function describeArtifact(localPath: string, type: string): Promise<ArtifactMetadata> {
  const fileName = path.basename(localPath);
  const info = await stat(localPath);
  if (info.isDirectory()) return { fileName, fileCount: await countFiles(localPath) };

  const ext = path.extname(fileName).toLowerCase();
  const handle = await open(localPath, "r");
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(Math.min(SNIFF_BYTES, info.size));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const sniffed = sniff(head);
  let mediaType = BY_EXTENSION[ext] ?? sniffed.mediaType;
  const text = sniffed.text?.replace(/^\uFEFF/, "") ?? null;
  if (text === null || !(mediaType === "text/csv" || mediaType === "text/tab-separated-values" || (mediaType === "text/plain" && type === "dataset" && !BY_EXTENSION[ext]))) {
    return { fileName, mediaType };
  }
  // Only whole lines of the sniffed head (the last one may be cut).
  const lines = text.split("\n");
  if (lines.length > 1 && head.length === SNIFF_BYTES) lines.pop();
  const nonEmpty = lines.map((l) => l.replace(/\r$/, "")).filter((l) => l !== "");
  const delimiter = mediaType === "text/csv" ? "," : mediaType === "text/tab-separated-values" ? "\t" : detectDelimiter(nonEmpty);
  if (delimiter === null || nonEmpty.length === 0) return { fileName, mediaType };
  mediaType = delimiter === "," ? "text/csv" : "text/tab-separated-values";
  const columns = splitCsvLine(nonEmpty[0]!, delimiter)
    .slice(0, MAX_COLUMNS)
    .map((c) => c.trim().slice(0, 200));
  const meta: ArtifactMetadata = { fileName, mediaType, columns };
  if (info.size <= ROW_COUNT_MAX_BYTES) {
    const { lines: newlines, endsWithNewline } = await countLines(localPath);
    const total = newlines + (endsWithNewline || info.size === 0 ? 0 : 1);
    meta.rows = Math.max(0, total - 1);
  }
  return meta;
}
