"use client";

import { useMemo } from "react";
import type { RunDetail } from "@/lib/api-types";
import { isActiveRunStatus } from "@/lib/api-types";
import { guessDirection } from "@/lib/compare";
import { formatNumber } from "@/lib/format";
import { useRunMetricHistory } from "@/lib/queries";
import { LineChart } from "./charts/line-chart";
import { EmptyState, ErrorMessage, Skeleton } from "./ui/feedback";
import { ChartIcon } from "./ui/icons";

const POINTS = 300;
const COLOR = "#4f46e5";
const noop = () => undefined;

/** Every metric of a run: its summary and a small chart of its (downsampled) history. */
export function RunMetrics({ project, run }: { project: string; run: RunDetail }) {
  const metrics = run.metrics ?? [];
  const keys = useMemo(() => metrics.map((m) => m.key), [metrics]);
  const live = isActiveRunStatus(run.status);
  const history = useRunMetricHistory(project, run.id, keys, POINTS, live);
  const seriesByKey = useMemo(() => new Map(history.series.map((s) => [s.key, s])), [history.series]);

  if (metrics.length === 0) {
    return (
      <EmptyState icon={<ChartIcon />} title={live ? "No metrics yet" : "This run logged no metrics"}>
        <p>A step logs a metric by printing a line like</p>
        <code className="mt-2 inline-block rounded bg-slate-100 px-2 py-1 font-mono text-xs text-slate-700">::metric name=accuracy value=0.93 step=3</code>
        <p className="mt-2">or through the MLflow-compatible API.</p>
      </EmptyState>
    );
  }

  return (
    <div className="space-y-3 p-4 sm:px-6">
      {history.error ? <ErrorMessage error={history.error} /> : null}
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2 2xl:grid-cols-3" data-testid="run-metrics">
        {metrics.map((m) => {
          const s = seriesByKey.get(m.key);
          return (
            <figure key={m.key} className="rounded-xl border border-slate-200 bg-white p-3 shadow-xs" data-metric={m.key}>
              <figcaption className="flex items-baseline justify-between gap-3">
                <span className="truncate font-mono text-[13px] font-semibold text-slate-800" title={m.key}>
                  {m.key}
                </span>
                <span className="font-mono text-lg font-semibold text-slate-900 tabular-nums">{formatNumber(m.last)}</span>
              </figcaption>
              <div className="mt-0.5 flex flex-wrap gap-x-3 text-[11px] text-slate-500 tabular-nums">
                <span>min {formatNumber(m.min)}</span>
                <span>max {formatNumber(m.max)}</span>
                <span>step {m.step.toLocaleString()}</span>
                <span>
                  {m.count.toLocaleString()} point{m.count === 1 ? "" : "s"}
                </span>
              </div>
              <div className="mt-2">
                {s ? (
                  <LineChart
                    label={m.key}
                    height={150}
                    series={[{ id: run.id, label: m.key, color: COLOR, steps: s.steps, values: s.values }]}
                    highlighted={null}
                    onHighlight={noop}
                    lowerIsBetter={guessDirection(m.key) === "min"}
                  />
                ) : history.isPending ? (
                  <Skeleton className="h-[150px] w-full" />
                ) : (
                  <div className="flex h-[150px] items-center justify-center text-xs text-slate-400">No history</div>
                )}
              </div>
            </figure>
          );
        })}
      </div>
    </div>
  );
}
