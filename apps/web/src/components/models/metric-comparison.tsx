"use client";

import type { ModelDetail, ModelVersion } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatNumber } from "@/lib/format";
import { barFractions, compareMetrics, formatDelta, formatRelative, gateMetricKeys, type MetricComparison } from "@/lib/models";
import { useModelGates } from "@/lib/queries";
import { Button } from "../ui/button";
import { Card, CardHeader, EmptyState, ErrorMessage, Spinner } from "../ui/feedback";
import { fieldBaseClass } from "../ui/field";
import { ArrowDownIcon, ArrowUpIcon, CompareIcon } from "../ui/icons";
import { GateResults } from "./gate-results";
import { StageBadge } from "./stage-badge";

const VERDICT_TEXT: Record<MetricComparison["verdict"], string> = {
  better: "text-emerald-700",
  worse: "text-red-600",
  same: "text-slate-500",
  missing: "text-slate-400",
};

const optionLabel = (v: ModelVersion) => `v${v.version}${v.stage !== "None" ? ` · ${v.stage}` : ""}${v.aliases.length ? ` · @${v.aliases.join(" @")}` : ""}`;

/** The default baseline of a candidate: the Production version, else the version before it. */
export function defaultBaseline(model: ModelDetail, candidate: number | null): number | null {
  const prod = model.versions.find((v) => v.stage === "Production" && v.version !== candidate);
  if (prod) return prod.version;
  return model.versions.find((v) => v.version !== candidate)?.version ?? null;
}

/**
 * Candidate versus baseline (Production by default): metrics side by side with the delta,
 * coloured by whether the candidate is better (lower is better for loss-like names), bars on
 * one scale per metric, and the gate dry run when the baseline is the Production version.
 */
export function MetricComparisonView({
  project,
  model,
  candidate,
  baseline,
  onChange,
  onPromote,
}: {
  project: string;
  model: ModelDetail;
  candidate: number | null;
  baseline: number | null;
  onChange: (candidate: number | null, baseline: number | null) => void;
  /** null: the role cannot change stages. */
  onPromote: ((version: ModelVersion) => void) | null;
}) {
  if (model.versions.length < 1) {
    return (
      <Card>
        <EmptyState icon={<CompareIcon />} title="Nothing to compare yet">
          Register versions of this model to compare their metrics.
        </EmptyState>
      </Card>
    );
  }
  const cand = model.versions.find((v) => v.version === candidate) ?? model.versions[0]!;
  const baseNumber = baseline ?? defaultBaseline(model, cand.version);
  const base = baseNumber !== null && baseNumber !== cand.version ? (model.versions.find((v) => v.version === baseNumber) ?? null) : null;
  const rows = compareMetrics(cand.metrics, base?.metrics ?? null, gateMetricKeys(model.policy.gates));
  const better = rows.filter((r) => r.verdict === "better").length;
  const worse = rows.filter((r) => r.verdict === "worse").length;
  const againstProduction = base?.stage === "Production";

  return (
    <div className="space-y-5">
      <Card>
        <div className="flex flex-wrap items-end gap-3 px-4 py-3">
          <label className="min-w-[12rem]">
            <span className="mb-1 block text-xs font-medium text-slate-500">Candidate</span>
            <select
              aria-label="Candidate version"
              value={cand.version}
              onChange={(e) => onChange(Number(e.target.value), baseline === Number(e.target.value) ? null : baseline)}
              className={cn(fieldBaseClass, "block h-9 w-full px-3 font-mono text-[13px]")}
            >
              {model.versions.map((v) => (
                <option key={v.version} value={v.version}>
                  {optionLabel(v)}
                </option>
              ))}
            </select>
          </label>
          <span className="pb-2 text-sm text-slate-400">versus</span>
          <label className="min-w-[12rem]">
            <span className="mb-1 block text-xs font-medium text-slate-500">Baseline</span>
            <select
              aria-label="Baseline version"
              value={base?.version ?? ""}
              onChange={(e) => onChange(cand.version, e.target.value ? Number(e.target.value) : null)}
              className={cn(fieldBaseClass, "block h-9 w-full px-3 font-mono text-[13px]")}
            >
              {!base ? <option value="">—</option> : null}
              {model.versions
                .filter((v) => v.version !== cand.version)
                .map((v) => (
                  <option key={v.version} value={v.version}>
                    {optionLabel(v)}
                  </option>
                ))}
            </select>
          </label>
          {base && rows.length > 0 ? (
            <p className="ml-auto pb-2 text-sm text-slate-600" data-testid="comparison-summary">
              v{cand.version} is <span className="font-medium text-emerald-700">better on {better}</span> and{" "}
              <span className="font-medium text-red-600">worse on {worse}</span> of {rows.length} metrics.
            </p>
          ) : null}
        </div>
      </Card>

      {!base ? (
        <Card>
          <EmptyState icon={<CompareIcon />} title="Only one version">
            Register another version to compare with.
          </EmptyState>
        </Card>
      ) : rows.length === 0 ? (
        <Card>
          <EmptyState icon={<CompareIcon />} title="No metrics">
            Neither version&apos;s run logged a metric.
          </EmptyState>
        </Card>
      ) : (
        <div className="grid grid-cols-1 gap-5 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
          <Card className="overflow-hidden">
            <CardHeader title="Metrics" actions={<span className="text-xs text-slate-400">colour: is the candidate better?</span>} />
            <div className="overflow-x-auto">
              <table className="w-full min-w-[520px] text-left text-sm" data-testid="metric-comparison">
                <thead className="border-b border-slate-200 bg-slate-50/80 text-xs text-slate-500">
                  <tr>
                    <th className="px-4 py-2 font-medium">Metric</th>
                    <th className="px-3 py-2 text-right font-medium">
                      <span className="inline-flex items-center gap-1.5">
                        <span className="size-2 rounded-sm bg-indigo-500" aria-hidden="true" /> v{cand.version}
                      </span>
                    </th>
                    <th className="px-3 py-2 text-right font-medium">
                      <span className="inline-flex items-center gap-1.5">
                        <span className="size-2 rounded-sm bg-slate-400" aria-hidden="true" /> v{base.version}
                        {base.stage === "Production" ? <StageBadge stage="Production" size="sm" /> : null}
                      </span>
                    </th>
                    <th className="px-3 py-2 text-right font-medium">Δ</th>
                    <th className="px-4 py-2 text-right font-medium">%</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {rows.map((r) => (
                    <tr key={r.key} data-metric={r.key} data-verdict={r.verdict}>
                      <td className="px-4 py-2 font-mono text-[13px] text-slate-800">
                        {r.key}
                        <span className="ml-1.5 text-[10px] text-slate-400" title={r.direction === "max" ? "higher is better" : "lower is better"}>
                          {r.direction === "max" ? "↑ better" : "↓ better"}
                        </span>
                      </td>
                      <td className="px-3 py-2 text-right font-mono text-[13px] text-slate-900 tabular-nums">{formatNumber(r.candidate)}</td>
                      <td className="px-3 py-2 text-right font-mono text-[13px] text-slate-600 tabular-nums">{formatNumber(r.baseline)}</td>
                      <td className={cn("px-3 py-2 text-right font-mono text-[13px] font-medium tabular-nums", VERDICT_TEXT[r.verdict])} data-testid="metric-delta">
                        <span className="inline-flex items-center gap-0.5">
                          {r.verdict === "better" || r.verdict === "worse" ? (
                            (r.delta ?? 0) > 0 ? <ArrowUpIcon className="text-[11px]" /> : <ArrowDownIcon className="text-[11px]" />
                          ) : null}
                          {formatDelta(r.delta)}
                        </span>
                      </td>
                      <td className={cn("px-4 py-2 text-right text-xs tabular-nums", VERDICT_TEXT[r.verdict])}>{formatRelative(r.relative)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
          <div className="space-y-5">
            <Card>
              <CardHeader title="At a glance" actions={<span className="text-xs text-slate-400">each metric on its own scale</span>} />
              <MetricBars rows={rows} candidate={cand.version} baseline={base.version} />
            </Card>
            {againstProduction ? <GateCheck project={project} model={model} candidate={cand} onPromote={onPromote ? () => onPromote(cand) : null} /> : null}
          </div>
        </div>
      )}
    </div>
  );
}

/** Two bars per metric (candidate and baseline), on one scale per metric. */
function MetricBars({ rows, candidate, baseline }: { rows: MetricComparison[]; candidate: number; baseline: number }) {
  const shown = rows.filter((r) => r.candidate !== null || r.baseline !== null).slice(0, 12);
  return (
    <div className="space-y-3 px-4 py-3" role="img" aria-label={`Bar chart of v${candidate} against v${baseline}`} data-testid="metric-bars">
      {shown.map((r) => {
        const [a, b] = barFractions(r.candidate, r.baseline);
        return (
          <div key={r.key}>
            <div className="mb-1 flex items-baseline justify-between gap-2">
              <span className="truncate font-mono text-xs text-slate-700">{r.key}</span>
              <span className={cn("font-mono text-[11px] tabular-nums", VERDICT_TEXT[r.verdict])}>{formatDelta(r.delta)}</span>
            </div>
            <div className="space-y-0.5">
              <div className="flex items-center gap-2">
                <div className="h-2.5 flex-1 overflow-hidden rounded-sm bg-slate-100">
                  <div className="h-full rounded-sm bg-indigo-500 transition-[width] duration-500" style={{ width: `${a * 100}%` }} />
                </div>
                <span className="w-14 text-right font-mono text-[11px] text-slate-700 tabular-nums">{formatNumber(r.candidate)}</span>
              </div>
              <div className="flex items-center gap-2">
                <div className="h-2.5 flex-1 overflow-hidden rounded-sm bg-slate-100">
                  <div className="h-full rounded-sm bg-slate-400 transition-[width] duration-500" style={{ width: `${b * 100}%` }} />
                </div>
                <span className="w-14 text-right font-mono text-[11px] text-slate-500 tabular-nums">{formatNumber(r.baseline)}</span>
              </div>
            </div>
          </div>
        );
      })}
      {rows.length > shown.length ? <p className="text-xs text-slate-400">The table lists all {rows.length} metrics.</p> : null}
    </div>
  );
}

/** The dry run of promoting the candidate to Production. */
function GateCheck({ project, model, candidate, onPromote }: { project: string; model: ModelDetail; candidate: ModelVersion; onPromote: (() => void) | null }) {
  const enabled = model.policy.gates.length > 0 && candidate.stage !== "Production";
  const gates = useModelGates(project, model.name, candidate.version, enabled);
  return (
    <Card>
      <CardHeader
        title="Would it pass the gates?"
        actions={
          candidate.stage !== "Production" && onPromote ? (
            <Button size="sm" variant="primary" onClick={onPromote}>
              Promote v{candidate.version}…
            </Button>
          ) : null
        }
      />
      <div className="px-4 py-3">
        {candidate.stage === "Production" ? (
          <p className="text-sm text-slate-500">v{candidate.version} is in Production.</p>
        ) : !enabled ? (
          <p className="text-sm text-slate-500">The policy has no gates: it would be promoted.</p>
        ) : gates.isPending ? (
          <p className="flex items-center gap-2 text-sm text-slate-500">
            <Spinner className="size-3.5" /> Checking…
          </p>
        ) : gates.error ? (
          <ErrorMessage error={gates.error} />
        ) : (
          <GateResults results={gates.data.gateResults} compact />
        )}
      </div>
    </Card>
  );
}
