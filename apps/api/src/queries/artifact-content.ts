import { Readable } from "node:stream";
import { blobKey, openArtifactFile, readManifest, type ArtifactStore, type ByteRange, type ManifestEntry } from "@trellis/artifacts";
import { notFound, validationFailed } from "@trellis/engine";
import { type ArtifactRow, type Metadata } from "./artifacts.js";
import { PREVIEW_LIMITS, contentDisposition, detectFormat, mediaTypeFromName, previewTable, previewText } from "./preview.js";
import { tarSize, tarStream } from "./tar.js";

/** Downloads and previews of stored artifact content. */

const location = (a: ArtifactRow) => ({ digest: a.digest, kind: a.kind === "directory" ? ("directory" as const) : ("file" as const), storageKey: a.storageKey });

const EXTENSION_OF: Record<string, string> = {
  "text/csv": "csv",
  "text/tab-separated-values": "tsv",
  "application/json": "json",
  "text/plain": "txt",
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "image/svg+xml": "svg",
  "application/vnd.apache.parquet": "parquet",
  "application/x-python-pickle": "pkl",
  "application/pdf": "pdf",
  "application/zip": "zip",
  "application/gzip": "gz",
};

/** A download name: the recorded file name (outputs are written as their output name), with an extension its media type implies. */
export function downloadName(fileName: string | null, mediaType: string | null, fallback: string): string {
  const name = fileName || fallback;
  if (/\.[A-Za-z0-9]{1,8}$/.test(name)) return name;
  const ext = mediaType ? EXTENSION_OF[mediaType] : undefined;
  return ext ? `${name}.${ext}` : name;
}

const stringOr = (v: unknown): string | null => (typeof v === "string" && v ? v : null);

/** The file a request names: a file artifact itself, or one file of a directory (by its manifest entry). */
async function resolveFile(store: ArtifactStore, artifact: ArtifactRow, innerPath: string | undefined): Promise<{ path: string | null; size: number; entry: ManifestEntry | null }> {
  if (artifact.kind !== "directory") {
    if (innerPath) {
      throw validationFailed(`artifact ${artifact.id} is a single file`, [{ path: "query.path", message: "only directory artifacts have files inside; leave path out" }]);
    }
    return { path: null, size: Number(artifact.size), entry: null };
  }
  if (!innerPath) return { path: null, size: Number(artifact.size), entry: null };
  const wanted = innerPath.replace(/^\/+/, "");
  const entry = (await readManifest(store, location(artifact))).find((e) => e.path === wanted);
  if (!entry) throw notFound(`file "${wanted}" in directory artifact ${artifact.id}`);
  return { path: entry.path, size: entry.size, entry };
}

export interface ContentResponse {
  status: 200 | 206;
  headers: Record<string, string>;
  body: Readable;
}

/** Parses a single `bytes=a-b` / `bytes=a-` / `bytes=-n` range; null when absent or not satisfiable as one range. */
export function parseRange(header: string | undefined, size: number): ByteRange | "unsatisfiable" | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null; // several ranges or garbage: send the whole content
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

/**
 * The bytes of a file artifact, or of one file of a directory (`path`), or a whole directory as a
 * tar archive. Content is addressed by digest and never changes, so it may be cached for good.
 */
export async function openContent(
  store: ArtifactStore,
  artifact: ArtifactRow,
  metadata: Metadata,
  innerPath: string | undefined,
  rangeHeader: string | undefined,
): Promise<ContentResponse | { status: 416; size: number }> {
  const common = {
    "x-content-type-options": "nosniff",
    // Served from the API's origin: never let a stored HTML or SVG file run as a page.
    "content-security-policy": "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'",
    "cache-control": "private, max-age=31536000, immutable",
  };
  const file = await resolveFile(store, artifact, innerPath);
  if (artifact.kind === "directory" && !file.entry) {
    const manifest = await readManifest(store, location(artifact));
    const root = stringOr(metadata.fileName) ?? artifact.digest.slice(0, 12);
    const entries = manifest.map((e) => ({ path: `${root}/${e.path}`, size: e.size, mode: e.mode, open: () => store.read(blobKey(e.digest)) }));
    return {
      status: 200,
      headers: {
        ...common,
        "content-type": "application/x-tar",
        "content-length": String(tarSize(entries)),
        "content-disposition": contentDisposition(`${root}.tar`),
        etag: `"${artifact.digest}.tar"`,
      },
      body: Readable.from(tarStream(entries, Math.floor(artifact.createdAt.getTime() / 1000))),
    };
  }
  const name = file.path ?? stringOr(metadata.fileName);
  const mediaType = (file.path ? mediaTypeFromName(file.path) : stringOr(metadata.mediaType)) ?? mediaTypeFromName(name) ?? "application/octet-stream";
  const range = file.size > 0 ? parseRange(rangeHeader, file.size) : null;
  if (range === "unsatisfiable") return { status: 416, size: file.size };
  const opened = await openArtifactFile(store, { ...location(artifact), size: artifact.size }, file.path, range ?? undefined);
  const textual = mediaType.startsWith("text/") || mediaType === "application/json";
  const length = range ? range.end! - range.start + 1 : file.size;
  return {
    status: range ? 206 : 200,
    headers: {
      ...common,
      "content-type": textual ? `${mediaType}; charset=utf-8` : mediaType,
      "content-length": String(length),
      "content-disposition": contentDisposition(downloadName(name, mediaType, artifact.digest.slice(0, 12))),
      "accept-ranges": "bytes",
      etag: `"${opened.digest}"`,
      ...(range ? { "content-range": `bytes ${range.start}-${range.end}/${file.size}` } : {}),
    },
    body: opened.stream,
  };
}

async function readHead(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, limit);
}

const DIRECTORY_PREVIEW_FILES = 200;

/** A bounded preview: CSV/TSV header and first rows, parsed JSON, the start of a text, or what the content is. */
export async function previewContent(store: ArtifactStore, artifact: ArtifactRow, metadata: Metadata, innerPath: string | undefined) {
  const file = await resolveFile(store, artifact, innerPath);
  if (artifact.kind === "directory" && !file.entry) {
    const manifest = await readManifest(store, location(artifact));
    return {
      format: "directory" as const,
      path: null,
      size: Number(artifact.size),
      mediaType: "inode/directory",
      fileCount: manifest.length,
      files: manifest.slice(0, DIRECTORY_PREVIEW_FILES).map((e) => ({ path: e.path, size: e.size })),
    };
  }
  const readBytes = Math.min(file.size, PREVIEW_LIMITS.readBytes);
  const head =
    readBytes === 0
      ? Buffer.alloc(0)
      : await readHead((await openArtifactFile(store, location(artifact), file.path, { start: 0, end: readBytes - 1 })).stream, readBytes);
  const complete = head.length >= file.size;
  const detected = detectFormat({
    name: file.path ?? stringOr(metadata.fileName),
    mediaType: file.path ? null : stringOr(metadata.mediaType),
    head,
  });
  const base = { path: file.path, size: file.size, mediaType: detected.mediaType };
  switch (detected.format) {
    case "csv":
    case "tsv": {
      const table = previewTable(head, detected.format === "csv" ? "," : "\t", complete);
      const rows = !file.path && typeof metadata.rows === "number" ? metadata.rows : complete ? table.rows.length : null;
      return { ...base, format: detected.format, ...table, totalRows: rows };
    }
    case "json":
      if (complete && file.size <= PREVIEW_LIMITS.jsonBytes) {
        try {
          return { ...base, format: "json" as const, value: JSON.parse(head.toString("utf8")) as unknown };
        } catch {
          // Not valid JSON after all: show it as text.
        }
      }
      return { ...base, format: "text" as const, ...previewText(head, complete) };
    case "text":
      return { ...base, format: "text" as const, ...previewText(head, complete) };
    case "image":
      return { ...base, format: "image" as const };
    default:
      return { ...base, format: "binary" as const };
  }
}
