"use client";

import { useMemo, useState } from "react";
import { defaultChartKeys, type Direction } from "@/lib/compare";
import { cn } from "@/lib/cn";
import { useMetricHistories } from "@/lib/queries";
import { LineChart, type LineSeries } from "../charts/line-chart";
import { ErrorMessage, Skeleton } from "../ui/feedback";
import { Section, type ComparedRun } from "./shared";

/** Points per series asked of the server (it downsamples; each point keeps its range's min and max). */
export const HISTORY_POINTS = 400;
const DEFAULT_CHARTS = 4;

export function MetricCharts({
  project,
  items,
  metricKeys,
  directionOf,
  live,
  highlighted,
  onHighlight,
}: {
  project: string;
  items: ComparedRun[];
  metricKeys: string[];
  directionOf: (key: string) => Direction;
  live: boolean;
  highlighted: string | null;
  onHighlight: (id: string | null) => void;
}) {
  // null: the default choice (the longest histories), which follows the metrics as they appear.
  const [chosen, setChosen] = useState<string[] | null>(null);
  const keys = (chosen ?? defaultChartKeys(items.map((i) => i.run), metricKeys, DEFAULT_CHARTS)).filter((k) => metricKeys.includes(k));
  const [hidden, setHidden] = useState<Set<string>>(() => new Set());

  const ids = useMemo(() => items.map((i) => i.run.id), [items]);
  const histories = useMetricHistories(project, ids, keys, HISTORY_POINTS, live);
  const byId = useMemo(() => new Map(items.map((i) => [i.run.id, i])), [items]);

  const toggleKey = (key: string) => {
    const base = chosen ?? keys;
    setChosen(base.includes(key) ? base.filter((k) => k !== key) : [...base, key]);
  };

  return (
    <Section
      id="charts"
      title="Metric histories"
      description="One line per run, downsampled by the server; hover a chart for the values at a step."
    >
      {metricKeys.length === 0 ? (
        <p className="px-4 py-6 text-center text-sm text-slate-500">These runs have logged no metrics.</p>
      ) : (
        <div className="space-y-3 p-4">
          <div className="flex flex-wrap items-center gap-1.5" role="group" aria-label="Metrics to chart">
            <span className="mr-1 text-xs font-medium text-slate-500">Charts</span>
            {metricKeys.map((key) => {
              const on = keys.includes(key);
              return (
                <button
                  key={key}
                  type="button"
                  aria-pressed={on}
                  onClick={() => toggleKey(key)}
                  className={cn(
                    "h-7 rounded-full px-2.5 font-mono text-xs ring-1 ring-inset transition-colors",
                    on ? "bg-indigo-50 text-indigo-700 ring-indigo-200" : "bg-white text-slate-600 ring-slate-200 hover:bg-slate-50",
                  )}
                >
                  {key}
                </button>
              );
            })}
          </div>

          <Legend items={items} hidden={hidden} onToggle={(id) => setHidden((prev) => {
            const next = new Set(prev);
            if (next.has(id)) next.delete(id);
            else next.add(id);
            return next;
          })} highlighted={highlighted} onHighlight={onHighlight} />

          {keys.length === 0 ? (
            <p className="rounded-lg border border-dashed border-slate-300 px-4 py-8 text-center text-sm text-slate-500">Choose a metric above to chart it.</p>
          ) : (
            <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
              {histories.map((h) => {
                const series: LineSeries[] = h.series
                  .filter((s) => byId.has(s.runId) && !hidden.has(s.runId))
                  .map((s) => {
                    const item = byId.get(s.runId)!;
                    return { id: s.runId, label: item.label, color: item.color, steps: s.steps, values: s.values };
                  });
                // Same order as the selection, so the drawing order (and overlaps) are stable.
                series.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
                const points = h.series.reduce((a, s) => a + s.count, 0);
                return (
                  <figure key={h.key} className="rounded-lg border border-slate-200 p-3" data-testid="metric-chart" data-metric={h.key}>
                    <figcaption className="mb-1 flex items-baseline justify-between gap-2">
                      <span className="truncate font-mono text-[13px] font-semibold text-slate-800" title={h.key}>
                        {h.key}
                      </span>
                      <span className="shrink-0 text-[11px] text-slate-400">
                        {directionOf(h.key) === "min" ? "lower is better" : "higher is better"}
                        {points ? ` · ${points.toLocaleString()} points logged` : ""}
                      </span>
                    </figcaption>
                    {h.error ? (
                      <ErrorMessage error={h.error} />
                    ) : h.isPending ? (
                      <Skeleton className="h-[220px] w-full" />
                    ) : (
                      <LineChart
                        label={h.key}
                        series={series}
                        highlighted={highlighted}
                        onHighlight={onHighlight}
                        lowerIsBetter={directionOf(h.key) === "min"}
                      />
                    )}
                  </figure>
                );
              })}
            </div>
          )}
        </div>
      )}
    </Section>
  );
}

function Legend({
  items,
  hidden,
  onToggle,
  highlighted,
  onHighlight,
}: {
  items: ComparedRun[];
  hidden: Set<string>;
  onToggle: (id: string) => void;
  highlighted: string | null;
  onHighlight: (id: string | null) => void;
}) {
  return (
    <div className="flex max-h-24 flex-wrap gap-x-1 gap-y-1 overflow-y-auto" role="group" aria-label="Runs in the charts" data-testid="chart-legend">
      {items.map((item) => {
        const off = hidden.has(item.run.id);
        return (
          <button
            key={item.run.id}
            type="button"
            aria-pressed={!off}
            title={off ? "Show in the charts" : "Hide from the charts"}
            onClick={() => onToggle(item.run.id)}
            onMouseEnter={() => onHighlight(item.run.id)}
            onMouseLeave={() => onHighlight(null)}
            className={cn(
              "inline-flex max-w-[14rem] items-center gap-1.5 rounded-md px-1.5 py-0.5 text-xs transition-colors",
              off ? "text-slate-400 line-through" : "text-slate-700",
              highlighted === item.run.id ? "bg-slate-100" : "hover:bg-slate-50",
            )}
          >
            <span className="h-0.5 w-3.5 shrink-0 rounded-full" style={{ backgroundColor: off ? "#cbd5e1" : item.color, height: 3 }} />
            <span className="truncate">{item.label}</span>
          </button>
        );
      })}
    </div>
  );
}
