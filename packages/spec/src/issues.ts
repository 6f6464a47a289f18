import type { Result, SpecIssue } from "./types.js";

/** A location inside a spec document: mapping keys and list indexes from the root. */
export type PathSegment = string | number;

const SIMPLE_KEY_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Renders a path as `steps.train.needs[0]`. Keys that would be ambiguous in dotted form
 * (spaces, dots, brackets, empty) are written as `["my key"]` so the path stays unambiguous.
 * The empty path is the whole document, `spec`.
 */
export function formatPath(path: readonly PathSegment[]): string {
  if (path.length === 0) return "spec";
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (SIMPLE_KEY_RE.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Collects issues in the order they are found; validation never stops at the first one. */
export class IssueList {
  readonly items: SpecIssue[] = [];

  add(path: readonly PathSegment[], message: string): void {
    this.items.push({ path: formatPath(path), message });
  }

  get empty(): boolean {
    return this.items.length === 0;
  }
}

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(issues: SpecIssue[]): Result<T> {
  return { ok: false, issues };
}

/** One `path: message` line per issue, for logs and the CLI. */
export function formatIssues(issues: readonly SpecIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join("\n");
}

export type TypeName = "string" | "number" | "boolean" | "null" | "array" | "object" | "undefined" | "function" | "bigint" | "symbol";

/** JSON-flavoured type name: arrays and null are distinguished from objects. */
export function typeName(value: unknown): TypeName {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

const MAX_SHOWN = 60;

/** Short quoted rendering of a scalar for messages; long strings are truncated. */
export function showValue(value: unknown): string {
  if (typeof value === "string") {
    const s = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
    return JSON.stringify(s);
  }
  return String(value);
}

/**
 * `string "abc"`, `number 1.5`, `boolean true`, `null`, `array`, `object` — the type, plus the
 * value when it is a scalar (so a user sees what was actually received).
 */
export function describeValue(value: unknown): string {
  const t = typeName(value);
  if (t === "string" || t === "number" || t === "boolean" || t === "bigint") return `${t} ${showValue(value)}`;
  return t;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Classic edit distance, used only for "did you mean" hints on short key names. */
function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

/** A candidate that extends the word (`retry` → `retries`) or else the closest within a small edit distance. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  if (lower.length >= 3) {
    const stem = lower.replace(/y$/, "");
    const extended = candidates.find((c) => c.toLowerCase() !== lower && c.toLowerCase().startsWith(stem));
    if (extended) return extended;
  }
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.min(2, Math.floor(word.length / 2)) ? best : undefined;
}
