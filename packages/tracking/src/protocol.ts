/**
 * How steps report tracking data without a library: lines printed to stdout or stderr
 * (docs/tracking.md is the user-facing reference), and the JSON files of `metrics` outputs.
 *
 *   ::metric name=accuracy value=0.93 step=3 timestamp=1700000000000
 *   ::param name=lr value=0.01
 *   ::tag name=team value="vision research"
 *
 * A line is a tracking line only when it starts (column 0) with `::metric`, `::param` or
 * `::tag` followed by a space, a tab or the end of the line; every other line is plain output.
 * Fields are `field=value` separated by spaces or tabs, in any order, each at most once; `key=`
 * is an alias of `name=`. A value is either a run of non-blank characters or double-quoted,
 * where `\"`, `\\` and `\n` (newline) are the only escapes. Metric values are decimal numbers
 * or nan / inf / infinity with an optional sign, in any case; `step` is an integer and
 * `timestamp` milliseconds since the epoch. Both parsers are pure and never throw.
 */
import { checkParamValue, checkTagValue, checkTrackingKey } from "./limits.js";

export type TrackingCommand =
  | { kind: "metric"; key: string; value: number; step?: number; timestamp?: number }
  | { kind: "param"; key: string; value: string }
  | { kind: "tag"; key: string; value: string }
  /** A line that is meant as a tracking line but cannot be used; `message` says why. */
  | { kind: "error"; message: string };

export interface ParsedMetric {
  key: string;
  value: number;
  step?: number;
  /** Milliseconds since the epoch. */
  timestamp?: number;
}

export type MetricsFileResult = { ok: true; metrics: ParsedMetric[] } | { ok: false; message: string };

type Kind = "metric" | "param" | "tag";

const COMMAND_RE = /^::(metric|param|tag)(?:[ \t]|$)/;
const FIELD_NAME_RE = /[A-Za-z_][A-Za-z0-9_]*=/y;
const BARE_VALUE_RE = /[^ \t]*/y;
const BLANKS_RE = /[ \t]*/y;
const FIELDS: Record<Kind, readonly string[]> = {
  metric: ["name", "value", "step", "timestamp"],
  param: ["name", "value"],
  tag: ["name", "value"],
};
/** Same decimal grammar as numeric run parameters and scalar outputs (no hex, no empty string). */
const DECIMAL_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE_RE = /^([+-]?)(nan|inf|infinity)$/i;
const INTEGER_RE = /^[+-]?\d+$/;

/** A metric value as written on a line: a decimal number, or nan / inf / infinity with an optional sign. */
export function parseMetricValue(text: string): number | null {
  if (DECIMAL_RE.test(text)) return Number(text);
  const special = NON_FINITE_RE.exec(text);
  if (!special) return null;
  if (special[2]!.toLowerCase() === "nan") return NaN;
  return special[1] === "-" ? -Infinity : Infinity;
}

function parseInteger(text: string): number | null {
  if (!INTEGER_RE.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** Splits `field=value ...` from `start`; returns the fields (alias `key` stored as `name`) or an error message. */
function parseFields(line: string, start: number): Map<string, string> | string {
  const fields = new Map<string, string>();
  let i = start;
  for (;;) {
    BLANKS_RE.lastIndex = i;
    BLANKS_RE.exec(line);
    i = BLANKS_RE.lastIndex;
    if (i >= line.length) return fields;

    FIELD_NAME_RE.lastIndex = i;
    const nameMatch = FIELD_NAME_RE.exec(line);
    if (!nameMatch) return `expected field=value, got ${preview(line.slice(i))}`;
    const written = nameMatch[0].slice(0, -1);
    const field = written === "key" ? "name" : written;
    if (fields.has(field)) return field === "name" ? "name (or key) is given twice" : `${field} is given twice`;
    i = FIELD_NAME_RE.lastIndex;

    let value: string;
    if (line[i] === '"') {
      let out = "";
      let j = i + 1;
      for (;;) {
        if (j >= line.length) return `the quoted value of ${written} has no closing quote`;
        const ch = line[j]!;
        if (ch === '"') break;
        if (ch === "\\") {
          const next = line[j + 1];
          if (next === '"' || next === "\\") out += next;
          else if (next === "n") out += "\n";
          else return `unknown escape ${next === undefined ? "\\ at the end" : `\\${next}`} in the value of ${written} (quoted values allow \\", \\\\ and \\n)`;
          j += 2;
        } else {
          out += ch;
          j += 1;
        }
      }
      i = j + 1;
      if (i < line.length && line[i] !== " " && line[i] !== "\t") return `expected a space after the quoted value of ${written}, got ${preview(line.slice(i))}`;
      value = out;
    } else {
      BARE_VALUE_RE.lastIndex = i;
      value = BARE_VALUE_RE.exec(line)![0];
      i = BARE_VALUE_RE.lastIndex;
    }
    fields.set(field, value);
  }
}

/**
 * Parses one line of a step's output. Returns null for an ordinary line, a command for a valid
 * tracking line, and `{ kind: "error" }` for a tracking line that is malformed or breaks a
 * limit (the message starts with the command, e.g. `::metric: ...`).
 */
export function parseTrackingLine(line: string): TrackingCommand | null {
  if (!line.startsWith("::")) return null;
  const command = COMMAND_RE.exec(line);
  if (!command) return null;
  const kind = command[1] as Kind;
  const fail = (message: string): TrackingCommand => ({ kind: "error", message: `::${kind}: ${message}` });

  const fields = parseFields(line, command[0].length);
  if (typeof fields === "string") return fail(fields);
  for (const field of fields.keys()) {
    if (!FIELDS[kind].includes(field)) return fail(`unknown field ${preview(field)} (expected ${FIELDS[kind].join(", ")})`);
  }
  const key = fields.get("name");
  const raw = fields.get("value");
  if (key === undefined) return fail("name= is missing");
  if (raw === undefined) return fail("value= is missing");
  const keyProblem = checkTrackingKey(kind, key);
  if (keyProblem !== null) return fail(keyProblem);

  if (kind === "param" || kind === "tag") {
    const valueProblem = kind === "param" ? checkParamValue(raw) : checkTagValue(raw);
    return valueProblem === null ? { kind, key, value: raw } : fail(`${key}: ${valueProblem}`);
  }

  const value = parseMetricValue(raw);
  if (value === null) return fail(`${key}: value must be a number (or nan, inf, -inf), got ${preview(raw)}`);
  const metric: TrackingCommand & { kind: "metric" } = { kind: "metric", key, value };
  const step = fields.get("step");
  if (step !== undefined) {
    const n = parseInteger(step);
    if (n === null) return fail(`${key}: step must be an integer, got ${preview(step)}`);
    metric.step = n;
  }
  const timestamp = fields.get("timestamp");
  if (timestamp !== undefined) {
    const n = parseInteger(timestamp);
    if (n === null || n < 0) return fail(`${key}: timestamp must be milliseconds since the epoch (a non-negative integer), got ${preview(timestamp)}`);
    metric.timestamp = n;
  }
  return metric;
}

// ---- metrics files ---------------------------------------------------------------------------

/**
 * Python's json module writes NaN, Infinity and -Infinity for non-finite floats, which JSON
 * does not allow. They are accepted in metrics files: outside strings such tokens become
 * marker strings before JSON.parse, and the markers are turned back into numbers.
 */
const NON_FINITE_MARKER = "\u0000trellis-non-finite:";
const NON_FINITE_TOKEN_RE = /-?Infinity|NaN/y;

function parseJsonAllowingNonFinite(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const message = `not valid JSON: ${err instanceof Error ? err.message : String(err)}`;
    if (!/NaN|Infinity/.test(text)) return { ok: false, message };
    let out = "";
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (inString) {
        out += ch;
        if (ch === "\\") out += text[++i] ?? "";
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      NON_FINITE_TOKEN_RE.lastIndex = i;
      const token = NON_FINITE_TOKEN_RE.exec(text);
      if (token) {
        out += JSON.stringify(NON_FINITE_MARKER + token[0]);
        i += token[0].length - 1;
      } else {
        out += ch;
      }
    }
    try {
      const value = JSON.parse(out, (_key, v: unknown) =>
        typeof v === "string" && v.startsWith(NON_FINITE_MARKER) ? Number(v.slice(NON_FINITE_MARKER.length)) : v,
      ) as unknown;
      return { ok: true, value };
    } catch {
      return { ok: false, message };
    }
  }
}

const FORMATS =
  'expected {"accuracy": 0.93, ...}, [{"name": "accuracy", "value": 0.93, "step": 3}, ...] or {"metrics": [{"name": "accuracy", "numberValue": 0.93}, ...]}';

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkMetricKey(key: string, where?: string): string | null {
  const problem = checkTrackingKey("metric", key);
  return problem === null || where === undefined ? problem : `${where}: ${problem}`;
}

function entryInteger(entry: Record<string, unknown>, field: string, where: string, min = Number.MIN_SAFE_INTEGER): number | undefined | string {
  const v = entry[field];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) return `${where}.${field}: expected ${min === 0 ? "a non-negative" : "an"} integer, got ${typeof v === "number" ? v : describe(v)}`;
  return v;
}

/** `[{"name" | "key", "value", "step"?, "timestamp"?}]` */
function parseList(list: unknown[]): MetricsFileResult {
  const metrics: ParsedMetric[] = [];
  for (const [i, entry] of list.entries()) {
    const where = `[${i}]`;
    if (!isRecord(entry)) return { ok: false, message: `${where}: expected an object with name and value, got ${describe(entry)}` };
    for (const field of Object.keys(entry)) {
      if (!["name", "key", "value", "step", "timestamp"].includes(field)) return { ok: false, message: `${where}: unknown field ${preview(field)} (expected name or key, value, step, timestamp)` };
    }
    if (entry.name !== undefined && entry.key !== undefined) return { ok: false, message: `${where}: give name or key, not both` };
    const key = entry.name ?? entry.key;
    if (typeof key !== "string") return { ok: false, message: `${where}.name: expected a string, got ${describe(key)}` };
    const keyProblem = checkMetricKey(key, where);
    if (keyProblem) return { ok: false, message: keyProblem };
    if (typeof entry.value !== "number") return { ok: false, message: `${where}.value: expected a number, got ${describe(entry.value)}` };
    const metric: ParsedMetric = { key, value: entry.value };
    const step = entryInteger(entry, "step", where);
    if (typeof step === "string") return { ok: false, message: step };
    if (step !== undefined) metric.step = step;
    const timestamp = entryInteger(entry, "timestamp", where, 0);
    if (typeof timestamp === "string") return { ok: false, message: timestamp };
    if (timestamp !== undefined) metric.timestamp = timestamp;
    metrics.push(metric);
  }
  return { ok: true, metrics };
}

/** Kubeflow Pipelines v1: `{"metrics": [{"name", "numberValue", "format"?}]}`. */
function parseKubeflow(list: unknown[]): MetricsFileResult {
  const metrics: ParsedMetric[] = [];
  for (const [i, entry] of list.entries()) {
    const where = `metrics[${i}]`;
    if (!isRecord(entry)) return { ok: false, message: `${where}: expected an object with name and numberValue, got ${describe(entry)}` };
    for (const field of Object.keys(entry)) {
      if (!["name", "numberValue", "format"].includes(field)) return { ok: false, message: `${where}: unknown field ${preview(field)} (expected name, numberValue, format)` };
    }
    if (typeof entry.name !== "string") return { ok: false, message: `${where}.name: expected a string, got ${describe(entry.name)}` };
    const keyProblem = checkMetricKey(entry.name, where);
    if (keyProblem) return { ok: false, message: keyProblem };
    if (typeof entry.numberValue !== "number") return { ok: false, message: `${where}.numberValue: expected a number, got ${describe(entry.numberValue)}` };
    metrics.push({ key: entry.name, value: entry.numberValue });
  }
  return { ok: true, metrics };
}

/**
 * Parses the JSON file of a `metrics` output. Three shapes are accepted: a flat object of
 * numbers `{"accuracy": 0.93}`, a list `[{"name": "accuracy", "value": 0.93, "step": 3}]`
 * (`key` may replace `name`; `step` and `timestamp` are optional), and Kubeflow's
 * `{"metrics": [{"name": "accuracy", "numberValue": 0.93}]}`. NaN and ±Infinity as written
 * by Python's json module are accepted. Any other content gives a message saying what is wrong
 * and where.
 */
export function parseMetricsFile(text: string): MetricsFileResult {
  const parsed = parseJsonAllowingNonFinite(text);
  if (!parsed.ok) return parsed;
  const doc = parsed.value;
  if (Array.isArray(doc)) return parseList(doc);
  if (!isRecord(doc)) return { ok: false, message: `${FORMATS}; got ${describe(doc)}` };
  if (Array.isArray(doc.metrics)) {
    const extra = Object.keys(doc).find((k) => k !== "metrics");
    if (extra !== undefined) return { ok: false, message: `unexpected key ${preview(extra)} next to the Kubeflow "metrics" list` };
    return parseKubeflow(doc.metrics);
  }
  const metrics: ParsedMetric[] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (typeof value !== "number") return { ok: false, message: `${preview(key)}: expected a number, got ${describe(value)} (${FORMATS})` };
    const keyProblem = checkMetricKey(key);
    if (keyProblem) return { ok: false, message: keyProblem };
    metrics.push({ key, value });
  }
  return { ok: true, metrics };
}
