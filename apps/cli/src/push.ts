/** `trellis push DIR`, also used by scripts/start.mjs to seed the examples. */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseDocument } from "yaml";
import { ApiClient, projectPath, type PushResponse } from "./api.js";
import { collectSnapshot, findSpecFile, PushError } from "./files.js";

export interface PushOptions {
  /** API base URL, e.g. http://localhost:4000 */
  apiUrl: string;
  /** API token (Authorization: Bearer). */
  token?: string | null;
  project: string;
}

export interface PushResult {
  name: string;
  version: number;
  created: boolean;
  contentDigest?: string;
  fileCount: number;
  totalBytes: number;
  /** Things left out of the snapshot that the user may want to know about. */
  notes: string[];
}

/** Uploads `dir`'s spec and the files beside it as a pipeline version (idempotent server-side). */
export async function pushDirectory(dir: string, options: PushOptions): Promise<PushResult> {
  const info = await stat(dir).catch(() => null);
  if (!info) throw new PushError(`${dir} does not exist`);
  if (!info.isDirectory()) throw new PushError(`${dir} is not a directory (push takes the directory that holds pipeline.yaml)`);
  const specFile = findSpecFile(dir);
  const spec = await readFile(specFile, "utf8");
  checkSyntax(spec, path.relative(process.cwd(), specFile) || specFile);
  const snapshot = await collectSnapshot(dir, [path.basename(specFile)]);
  const client = new ApiClient({ apiUrl: options.apiUrl, token: options.token ?? null });
  const res = await client.post<PushResponse>(`${projectPath(options.project)}/pipelines`, {
    spec,
    code: { files: snapshot.files },
  });
  return {
    name: res.pipeline.name,
    version: res.version.version,
    created: res.created,
    contentDigest: res.version.contentDigest,
    fileCount: snapshot.files.length,
    totalBytes: snapshot.totalBytes,
    notes: snapshot.notes,
  };
}

/** Catches YAML/JSON syntax errors before uploading (the server validates the content). */
export function checkSyntax(text: string, fileName: string): void {
  // Same parser options as the server (packages/spec parseSpecText).
  const doc = parseDocument(text, { prettyErrors: true, merge: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const where = first.linePos?.[0] ? `:${first.linePos[0].line}:${first.linePos[0].col}` : "";
    throw new PushError(`${fileName}${where}: ${first.message.split("\n")[0]}`);
  }
  if (text.trim() === "") throw new PushError(`${fileName} is empty`);
}
