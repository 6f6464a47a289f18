import type { OutputType } from "./types.js";

/**
 * Scalar outputs are values: the step writes them to a file and the worker reads them back
 * with parseScalarOutput, so downstream templates receive the value. The other types are
 * artifacts: downstream steps receive the path.
 */
export const SCALAR_OUTPUT_TYPES: readonly OutputType[] = Object.freeze(["string", "number", "boolean", "json"] as const);
export const ARTIFACT_OUTPUT_TYPES: readonly OutputType[] = Object.freeze(["dataset", "model", "metrics", "file", "directory"] as const);

export function isScalarOutputType(t: OutputType): boolean {
  return SCALAR_OUTPUT_TYPES.includes(t);
}

// Same decimal grammar as numeric run parameters; Number() alone would accept "" and "0x1F".
const NUMERIC_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/**
 * Reads a scalar output from the text of the file the step wrote.
 * string: the content minus one trailing newline (`echo` adds one; anything else is kept);
 * number: a finite decimal, surrounding whitespace ignored; boolean: true/false in any case,
 * whitespace ignored; json: JSON.parse of the whole content.
 */
export function parseScalarOutput(type: OutputType, fileText: string): { ok: true; value: unknown } | { ok: false; message: string } {
  switch (type) {
    case "string":
      return { ok: true, value: fileText.replace(/\r?\n$/, "") };
    case "number": {
      const s = fileText.trim();
      const n = NUMERIC_RE.test(s) ? Number(s) : NaN;
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, message: `expected a finite number, got ${preview(s)}` };
    }
    case "boolean": {
      const s = fileText.trim().toLowerCase();
      if (s === "true") return { ok: true, value: true };
      if (s === "false") return { ok: true, value: false };
      return { ok: false, message: `expected true or false, got ${preview(fileText.trim())}` };
    }
    case "json":
      try {
        return { ok: true, value: JSON.parse(fileText) as unknown };
      } catch (e) {
        return { ok: false, message: `invalid JSON: ${e instanceof Error ? e.message : String(e)}` };
      }
    default:
      return { ok: false, message: `output type "${type}" is an artifact, not a scalar value` };
  }
}

/**
 * How a recorded artifact output appears in a step's outputs (and so in the API and in cache
 * entries): a reference to stored content, not a path. Workers materialize it to a local path
 * for the steps that consume it.
 */
export interface ArtifactRef {
  artifactId: string;
  /** sha256 hex of the file, or of the directory's canonical manifest. */
  digest: string;
  type: OutputType;
  kind: "file" | "directory";
  size: number;
}

export function isArtifactRef(value: unknown): value is ArtifactRef {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.artifactId === "string" && typeof v.digest === "string" && typeof v.kind === "string";
}
