import type { ApiIssue, GateResult, ModelEvent, ModelStage, ModelVersion } from "./api-types";
import { MODEL_STAGES } from "./api-types";
import { guessDirection, type Direction } from "./compare";
import { formatNumber } from "./format";

/**
 * Pure logic of the model registry views: stage colours, the gates editor's lines and their
 * errors, candidate-versus-baseline metric comparison, and audit event sentences. Free of
 * React so it is unit-tested.
 */

export interface StageStyle {
  label: string;
  /** Badge classes (background, text, ring). */
  badge: string;
  dot: string;
}

export const STAGE_STYLES: Record<ModelStage, StageStyle> = {
  None: { label: "None", badge: "bg-slate-100 text-slate-600 ring-slate-200", dot: "bg-slate-400" },
  Staging: { label: "Staging", badge: "bg-amber-50 text-amber-800 ring-amber-200", dot: "bg-amber-500" },
  Production: { label: "Production", badge: "bg-emerald-50 text-emerald-700 ring-emerald-200", dot: "bg-emerald-500" },
  Archived: { label: "Archived", badge: "bg-slate-50 text-slate-500 ring-slate-200", dot: "bg-slate-300" },
};

export function stageStyle(stage: string): StageStyle {
  return STAGE_STYLES[stage as ModelStage] ?? STAGE_STYLES.None;
}

/** Stages a version in `stage` can move to, the usual next step first (Production, unless it is there). */
export function promotionTargets(stage: ModelStage): ModelStage[] {
  const order: ModelStage[] =
    stage === "Production" ? ["Archived", "Staging", "None"] : stage === "Staging" ? ["Production", "Archived", "None"] : ["Production", "Staging", "Archived", "None"];
  return order.filter((s) => s !== stage && (MODEL_STAGES as readonly string[]).includes(s));
}

// ---------------------------------------------------------------- gates editor

/** The gates written in the editor (one per non-blank line, trimmed) and the 1-based line of each. */
export function gateLines(text: string): { gates: string[]; lines: number[] } {
  const gates: string[] = [];
  const lines: number[] = [];
  text.split("\n").forEach((raw, i) => {
    const gate = raw.trim();
    if (!gate) return;
    gates.push(gate);
    lines.push(i + 1);
  });
  return { gates, lines };
}

/** The editor's text for a policy's gates. */
export const gatesText = (gates: readonly string[]): string => gates.join("\n");

const GATE_PATH_RE = /(?:^|\.)gates\[(\d+)\]$/;

/**
 * The API names a bad gate by its index (`policy.gates[1]` or `gates[1]`): its messages by
 * editor line, and the issues that name no gate.
 */
export function gateIssuesByLine(issues: readonly ApiIssue[], lines: readonly number[]): { byLine: Map<number, string[]>; other: ApiIssue[] } {
  const byLine = new Map<number, string[]>();
  const other: ApiIssue[] = [];
  for (const issue of issues) {
    const m = GATE_PATH_RE.exec(issue.path ?? "");
    const line = m ? lines[Number(m[1])] : undefined;
    if (line === undefined) {
      other.push(issue);
      continue;
    }
    byLine.set(line, [...(byLine.get(line) ?? []), issue.message]);
  }
  return { byLine, other };
}

const GATE_METRIC_RE = /^\s*([A-Za-z_][\w.\-/]*)\s*(?:>=|<=|==|!=|>|<)\s*(?:production\.([A-Za-z_][\w.\-/]*))?/;

/** Metric names a policy's gates look at (the candidate's and the Production version's), in order. */
export function gateMetricKeys(gates: readonly string[]): string[] {
  const keys: string[] = [];
  for (const g of gates) {
    const m = GATE_METRIC_RE.exec(g);
    if (!m) continue;
    for (const k of [m[1], m[2]]) if (k && !keys.includes(k)) keys.push(k);
  }
  return keys;
}

/** The few metrics worth a column in the versions table: the gates' first, then the most common ones. */
export function keyMetrics(versions: readonly Pick<ModelVersion, "metrics">[], gates: readonly string[], n = 3): string[] {
  const counts = new Map<string, number>();
  for (const v of versions) for (const k of Object.keys(v.metrics ?? {})) counts.set(k, (counts.get(k) ?? 0) + 1);
  const fromGates = gateMetricKeys(gates).filter((k) => counts.has(k));
  const rest = [...counts.entries()]
    .filter(([k]) => !fromGates.includes(k))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([k]) => k);
  return [...fromGates, ...rest].slice(0, n);
}

// ---------------------------------------------------------------- metric comparison

export type Verdict = "better" | "worse" | "same" | "missing";

export interface MetricComparison {
  key: string;
  candidate: number | null;
  baseline: number | null;
  /** candidate − baseline (null when either is missing). */
  delta: number | null;
  /** delta relative to |baseline| (null when the baseline is 0 or missing). */
  relative: number | null;
  direction: Direction;
  verdict: Verdict;
}

/**
 * One row per metric of either version: values, delta and whether the candidate is better
 * (by the metric's guessed direction: lower is better for loss/error-like names). `first`
 * metrics (e.g. the gates') come first, then the rest by name.
 */
export function compareMetrics(
  candidate: Readonly<Record<string, number>>,
  baseline: Readonly<Record<string, number>> | null,
  first: readonly string[] = [],
): MetricComparison[] {
  const all = new Set([...Object.keys(candidate), ...Object.keys(baseline ?? {})]);
  const keys = [...first.filter((k) => all.has(k)), ...[...all].filter((k) => !first.includes(k)).sort()];
  return keys.map((key) => {
    const c = Number.isFinite(candidate[key]) ? candidate[key]! : null;
    const b = baseline && Number.isFinite(baseline[key]) ? baseline[key]! : null;
    const direction = guessDirection(key);
    if (c === null || b === null) return { key, candidate: c, baseline: b, delta: null, relative: null, direction, verdict: "missing" as const };
    const delta = c - b;
    // Differences below float noise are "the same".
    const same = Math.abs(delta) <= 1e-12 * Math.max(1, Math.abs(b));
    const verdict: Verdict = same ? "same" : (direction === "max") === delta > 0 ? "better" : "worse";
    return { key, candidate: c, baseline: b, delta: same ? 0 : delta, relative: b !== 0 && !same ? delta / Math.abs(b) : same ? 0 : null, direction, verdict };
  });
}

/** "+0.031", "−0.1", "0". */
export function formatDelta(delta: number | null): string {
  if (delta === null) return "—";
  if (delta === 0) return "0";
  return `${delta > 0 ? "+" : "−"}${formatNumber(Math.abs(delta))}`;
}

/** "+3.2%", "−12%", "" when unknown. */
export function formatRelative(relative: number | null): string {
  if (relative === null || !Number.isFinite(relative)) return "";
  if (relative === 0) return "0%";
  const pct = Math.abs(relative * 100);
  return `${relative > 0 ? "+" : "−"}${pct >= 10 ? Math.round(pct) : Number(pct.toFixed(1))}%`;
}

/** Bar lengths (0–1) of two values on one scale from 0 (or from the smaller value when both are negative). */
export function barFractions(a: number | null, b: number | null): [number, number] {
  const max = Math.max(Math.abs(a ?? 0), Math.abs(b ?? 0));
  if (max === 0) return [0, 0];
  return [Math.abs(a ?? 0) / max, Math.abs(b ?? 0) / max];
}

// ---------------------------------------------------------------- gates and promotions

export const failedGates = (results: readonly GateResult[] | null | undefined): GateResult[] => (results ?? []).filter((r) => !r.passed);

/** The messages of a blocked promotion (409): one per failing gate. */
export function blockedGateMessages(issues: readonly ApiIssue[]): string[] {
  return issues.filter((i) => GATE_PATH_RE.test(i.path ?? "")).map((i) => i.message);
}

// ---------------------------------------------------------------- aliases

const ALIAS_RE = /^[A-Za-z_][\w-]{0,63}$/;
const RESERVED_ALIAS_RE = /^(latest|v\d+)$/i;

/** Why an alias name is not accepted (the API's rule), or null. */
export function aliasProblem(alias: string): string | null {
  if (!alias) return "Name the alias.";
  if (RESERVED_ALIAS_RE.test(alias)) return `"${alias}" is reserved ("latest" and "v<number>").`;
  if (!ALIAS_RE.test(alias)) return 'Letters, digits, "_" and "-", starting with a letter or "_" (at most 64).';
  return null;
}

// ---------------------------------------------------------------- audit trail

export type EventTone = "stage" | "override" | "alias" | "policy" | "version" | "model" | "danger";

export interface EventDescription {
  /** What happened, after the actor's name: "promoted v2 from Staging to Production". */
  text: string;
  tone: EventTone;
}

const v = (n: number | null | undefined) => (n === null || n === undefined ? "a version" : `v${n}`);

function detailList(value: unknown): string[] | null {
  return Array.isArray(value) && value.every((x) => typeof x === "string") ? (value as string[]) : null;
}

/** The sentence of an audit event (the actor's name goes before it). */
export function describeEvent(e: Pick<ModelEvent, "kind" | "version" | "fromStage" | "toStage" | "alias" | "details" | "overrideReason">): EventDescription {
  const d = e.details ?? {};
  switch (e.kind) {
    case "model_created": {
      const gates = detailList(d.gates);
      return { text: `created the model${gates && gates.length ? ` with ${gates.length === 1 ? "1 gate" : `${gates.length} gates`}` : ""}`, tone: "model" };
    }
    case "model_updated":
      return { text: "edited the model's description or tags", tone: "model" };
    case "model_deleted":
      return { text: "deleted the model", tone: "danger" };
    case "version_created":
      return { text: `registered ${v(e.version)}`, tone: "version" };
    case "version_updated":
      return { text: `edited ${v(e.version)}`, tone: "version" };
    case "version_deleted":
      return { text: `deleted ${v(e.version)}${e.fromStage ? ` (was in ${e.fromStage})` : ""}`, tone: "danger" };
    case "stage_changed": {
      // The stages themselves are shown next to the sentence (from → to).
      const text =
        e.toStage === "Production"
          ? `promoted ${v(e.version)} to Production`
          : e.toStage === "Archived"
            ? `archived ${v(e.version)}`
            : `moved ${v(e.version)} to ${e.toStage ?? "?"}`;
      return {
        text: `${text}${e.overrideReason ? ", overriding failed gates" : ""}`,
        tone: e.overrideReason ? "override" : e.toStage === "Archived" || e.toStage === "None" ? "model" : "stage",
      };
    }
    case "alias_set": {
      const prev = typeof d.previousVersion === "number" ? d.previousVersion : null;
      return {
        text: prev !== null && prev !== e.version ? `moved alias @${e.alias} from v${prev} to ${v(e.version)}` : `set alias @${e.alias} on ${v(e.version)}`,
        tone: "alias",
      };
    }
    case "alias_deleted":
      return { text: `removed alias @${e.alias}${e.version !== null ? ` (was on v${e.version})` : ""}`, tone: "alias" };
    case "policy_changed":
      return { text: "changed the promotion policy", tone: "policy" };
    default:
      return { text: String(e.kind).replace(/_/g, " "), tone: "model" };
  }
}

/** Gates added and removed by a policy change (its details' before/after). */
export function policyDiff(details: Record<string, unknown>): { added: string[]; removed: string[] } {
  const before = detailList(details.before) ?? [];
  const after = detailList(details.after) ?? [];
  return { added: after.filter((g) => !before.includes(g)), removed: before.filter((g) => !after.includes(g)) };
}
