import type { CompareRun, JsonValue } from "./api-types";

/**
 * Pure logic of the compare view: which param rows differ, which metric value is best, which
 * step cells differ from the first run. Kept free of React so it is unit-tested.
 */

export type Direction = "max" | "min";

/**
 * Keys that usually mean "lower is better" (loss, error rates, distances, costs, times).
 * Matched on word-ish boundaries so `accuracy` or `precision` never match `acc`-less patterns.
 */
const LOWER_IS_BETTER = new RegExp(
  [
    "loss",
    "err(or)?s?",
    "rmse",
    "mse",
    "mae",
    "mape",
    "smape",
    "rmsle",
    "msle",
    "nll",
    "perplexity",
    "ppl",
    "wer",
    "cer",
    "ter",
    "fid",
    "kid",
    "bpc",
    "bpd",
    "bpb",
    "regret",
    "cost",
    "latency",
    "time",
    "duration",
    "seconds",
    "secs?",
    "ms",
    "distance",
    "dist",
    "divergence",
    "kl",
    "fpr",
    "fnr",
    "miss(_?rate)?",
    "eer",
    "hamming",
    "mem(ory)?",
  ]
    .map((w) => `(^|[^a-z])${w}([^a-z]|$)`)
    .join("|"),
  "i",
);

/** Best direction guessed from a metric's name: min for loss/error-like keys, max otherwise. */
export function guessDirection(key: string): Direction {
  // camelCase → words (valLoss → val Loss) so boundaries work on them too.
  const words = key.replace(/([a-z0-9])([A-Z])/g, "$1_$2");
  return LOWER_IS_BETTER.test(words) ? "min" : "max";
}

/** Indexes of the best value (all of them on a tie); none when fewer than two values are comparable. */
export function bestIndexes(values: readonly (number | null | undefined)[], direction: Direction): number[] {
  let best: number | null = null;
  let count = 0;
  for (const v of values) {
    if (typeof v !== "number" || !Number.isFinite(v)) continue;
    count++;
    if (best === null || (direction === "max" ? v > best : v < best)) best = v;
  }
  if (best === null || count < 2) return [];
  const out: number[] = [];
  values.forEach((v, i) => {
    if (v === best) out.push(i);
  });
  // Everyone tied: nothing stands out.
  return out.length === count ? [] : out;
}

/** Stable text of a JSON value (object keys sorted), so `{a,b}` equals `{b,a}`. */
export function stableStringify(value: JsonValue | undefined): string {
  if (value === undefined) return "\u0000undefined";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`)
    .join(",")}}`;
}

/**
 * True when the runs disagree on a value. A param logged as text by one run and as a number
 * by another (`"0.01"` vs `0.01`) counts as the same value; a missing value differs from any.
 */
export function valuesDiffer(values: readonly (JsonValue | undefined)[]): boolean {
  if (values.length < 2) return false;
  const norm = (v: JsonValue | undefined) => {
    if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return JSON.stringify(Number(v));
    return stableStringify(v);
  };
  const first = norm(values[0]);
  return values.some((v) => norm(v) !== first);
}

/** The param keys to show: all, or only those whose values differ between the runs. */
export function paramRows(runs: readonly { params: Record<string, JsonValue> }[], keys: readonly string[], onlyDifferences: boolean): string[] {
  if (!onlyDifferences) return [...keys];
  return keys.filter((k) => valuesDiffer(runs.map((r) => r.params[k])));
}

/** A param value as a number, if it is one (numbers, or text that parses as a finite number). */
export function asNumber(value: JsonValue | undefined): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "boolean") return null;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** A param is numeric when every run that has it has a number there (and at least one has it). */
export function isNumericParam(values: readonly (JsonValue | undefined)[]): boolean {
  let seen = 0;
  for (const v of values) {
    if (v === undefined || v === null) continue;
    if (asNumber(v) === null) return false;
    seen++;
  }
  return seen > 0;
}

export interface StepCell {
  status: CompareRun["steps"][number]["status"] | null;
  durationMs: number | null;
  attempt: number;
  exitCode: number | null;
  reusedFromRunId: string | null;
  /** The resolved command differs from the first run's (which has the step). */
  commandDiffers: boolean;
  /** The outputs differ from the first run's. */
  outputsDiffer: boolean;
  /** The step's status differs from the first run's. */
  statusDiffers: boolean;
}

export interface StepRow {
  name: string;
  cells: StepCell[];
  /** Some cell differs from the baseline in command, outputs or status, or a run lacks the step. */
  differs: boolean;
}

/**
 * A resolved command (or a step's outputs as JSON) with what is specific to its run taken out:
 * the run's own id (in its workspace and output paths) and the attempt number, so two runs of
 * the same step with the same inputs compare equal. A reused step's command and outputs come
 * from the run it came from.
 */
export function normalizeRunText(text: string, runIds: readonly (string | null | undefined)[]): string {
  let out = text;
  for (const id of runIds) if (id) out = out.split(id).join("<run>");
  return out.replace(/attempt-\d+/g, "attempt-N");
}

/**
 * Steps × runs grid. The baseline of each step is the first run (in comparison order) that has
 * it; cells are compared against it. Steps appear in the order of their first appearance.
 */
export function stepGrid(runs: readonly Pick<CompareRun, "id" | "steps">[]): StepRow[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of runs)
    for (const s of r.steps)
      if (!seen.has(s.name)) {
        seen.add(s.name);
        names.push(s.name);
      }
  return names.map((name) => {
    const steps = runs.map((r) => r.steps.find((s) => s.name === name) ?? null);
    const commands = steps.map((s, i) => (s?.command ? normalizeRunText(s.command, [runs[i]!.id, s.reusedFromRunId]) : null));
    const outputs = steps.map((s, i) => (s ? normalizeRunText(stableStringify(s.outputs as JsonValue), [runs[i]!.id, s.reusedFromRunId]) : null));
    const baseIndex = steps.findIndex((s) => s !== null);
    const base = baseIndex >= 0 ? steps[baseIndex]! : null;
    const baseCommand = baseIndex >= 0 ? commands[baseIndex] : null;
    const baseOutputs = baseIndex >= 0 ? outputs[baseIndex] : null;
    const cells: StepCell[] = steps.map((s, i) => {
      if (!s) {
        return { status: null, durationMs: null, attempt: 0, exitCode: null, reusedFromRunId: null, commandDiffers: false, outputsDiffer: false, statusDiffers: true };
      }
      // A step that never ran has no command or outputs to compare.
      const comparable = base !== null && s !== base && commands[i] !== null && baseCommand !== null;
      return {
        status: s.status,
        durationMs: s.durationMs,
        attempt: s.attempt,
        exitCode: s.exitCode,
        reusedFromRunId: s.reusedFromRunId,
        commandDiffers: comparable && commands[i] !== baseCommand,
        outputsDiffer: comparable && outputs[i] !== baseOutputs,
        statusDiffers: base !== null && s.status !== base.status,
      };
    });
    return { name, cells, differs: cells.some((c) => c.commandDiffers || c.outputsDiffer || c.statusDiffers) };
  });
}

/**
 * The metrics charted first: those with the longest histories (per-epoch curves before
 * single final values), then by name.
 */
export function defaultChartKeys(runs: readonly { metrics: Record<string, { count: number } | undefined> }[], metricKeys: readonly string[], n: number): string[] {
  const points = (key: string) => Math.max(0, ...runs.map((r) => r.metrics[key]?.count ?? 0));
  return [...metricKeys].sort((a, b) => points(b) - points(a) || a.localeCompare(b)).slice(0, n);
}

/** Removes one run from a selection, keeping the order of the rest. */
export function withoutRun(ids: readonly string[], id: string): string[] {
  return ids.filter((x) => x !== id);
}

/** Parses `?runs=a,b,c` (also repeated `runs=`): trimmed, de-duplicated, in order. */
export function parseRunIds(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values)
    for (const part of v.split(",")) {
      const id = part.trim();
      if (id && !out.includes(id)) out.push(id);
    }
  return out;
}

/** Run ids named by the API's "runs a, b not found" message (to offer removing them). */
export function missingRunIds(message: string, ids: readonly string[]): string[] {
  return ids.filter((id) => message.includes(id));
}
