import type { ComparedWith, JsonValue, KeyChange, RunReason } from "./api-types";
import { formatAge, formatDateTime } from "./format";

/**
 * "Why did this step run?" in plain words: a one-line summary, the parts of the cache key that
 * changed since the step's latest earlier execution (one line each), and that execution.
 */
export interface ReasonExplanation {
  summary: string;
  changes: string[];
  comparedWith: ComparedWith | null;
}

const HEX_DIGEST = /^(sha256:)?[0-9a-f]{64}$/;
const MAX_VALUE = 60;

/** A key value for one line: digests shortened, long text cut, null as "(none)". */
export function formatKeyValue(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return "(none)";
  if (typeof value === "string") {
    if (HEX_DIGEST.test(value)) return value.startsWith("sha256:") ? `sha256:${value.slice(7, 19)}` : value.slice(0, 12);
    const oneLine = value.replace(/\s*\n\s*/g, " ⏎ ");
    return oneLine.length > MAX_VALUE ? `${oneLine.slice(0, MAX_VALUE - 1)}…` : oneLine;
  }
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/** What a key part is, for people: `params.lr`, `env.SEED`, `input prepare.data`, `the command`. */
function partLabel(part: string): string {
  if (part.startsWith("inputs.")) return `input ${part.slice("inputs.".length)}`;
  switch (part) {
    case "command":
      return "the command";
    case "shell":
      return "the shell";
    case "image":
      return "the image";
    case "code":
      return "the code";
    case "project":
      return "the project";
    case "outputs":
      return "the declared outputs";
    default:
      return part;
  }
}

/** One changed part: "params.lr changed: 0.01 → 0.1", "params.seed added: 3", "env.DEBUG removed (was 1)". */
export function describeChange(change: KeyChange): string {
  const label = partLabel(change.part);
  const before = change.before ?? null;
  const after = change.after ?? null;
  if (change.part === "outputs") return `${label} changed`;
  if (before === null && after !== null) return `${label} added: ${formatKeyValue(after)}`;
  if (after === null && before !== null) return `${label} removed (was ${formatKeyValue(before)})`;
  return `${label} changed: ${formatKeyValue(before)} → ${formatKeyValue(after)}`;
}

export function explainRunReason(reason: RunReason): ReasonExplanation {
  switch (reason.reason) {
    case "cache-disabled":
      return { summary: "Caching is off for this step (cache: false), so it runs every time.", changes: [], comparedWith: null };
    case "nondeterministic":
      return { summary: "The step is marked nondeterministic: its results are never reused.", changes: [], comparedWith: null };
    case "run-no-cache":
      return {
        summary: "The run was started with No cache, so no step reused a cached result.",
        changes: reason.changes.map(describeChange),
        comparedWith: null,
      };
    case "first-execution":
      return { summary: "First execution of this step: there was no earlier result to reuse.", changes: [], comparedWith: null };
    case "changed":
      return {
        summary:
          reason.changes.length === 1
            ? "One part of its cache key changed since its last execution:"
            : `${reason.changes.length} parts of its cache key changed since its last execution:`,
        changes: reason.changes.map(describeChange),
        comparedWith: reason.comparedWith,
      };
    case "expired":
      return {
        summary: `The cached result was older than ${formatAge(reason.maxAgeMs)} (the step's cache.maxAge; it was cached ${formatDateTime(reason.cachedAt)}).`,
        changes: [],
        comparedWith: reason.comparedWith,
      };
    case "no-cached-result":
      return {
        summary: "Nothing in its cache key changed, but no reusable result was recorded: the last execution did not succeed, or its result was removed.",
        changes: [],
        comparedWith: reason.comparedWith,
      };
  }
}
