"use client";

import { useMemo, useRef } from "react";
import type { JsonValue } from "@/lib/api-types";
import { extent, formatTick, linearScale, niceTicks, pointScale, rampColor } from "@/lib/chart";
import { asNumber, isNumericParam, valuesDiffer } from "@/lib/compare";
import { formatNumber, formatValue } from "@/lib/format";
import { useElementWidth } from "@/lib/use-element-width";

export interface ParallelRun {
  id: string;
  label: string;
  params: Record<string, JsonValue>;
  metric: number | null;
}

interface Axis {
  key: string;
  label: string;
  kind: "numeric" | "categorical" | "metric";
  /** Pixel y of a run's value on this axis, null when it has none. */
  y: (run: ParallelRun) => number | null;
  ticks: { y: number; label: string }[];
}

const MAX_CATEGORIES = 24;
const MARGIN = { top: 34, right: 56, bottom: 16, left: 56 };

/**
 * Parallel coordinates: one vertical axis per param that varies between the runs (numeric
 * params on a linear scale, text params as evenly spaced categories) and the chosen metric last;
 * one line per run, coloured by its metric value.
 */
export function ParallelCoordinates({
  runs,
  paramKeys,
  metricKey,
  height = 300,
  highlighted,
  onHighlight,
}: {
  runs: ParallelRun[];
  paramKeys: string[];
  metricKey: string;
  height?: number;
  highlighted: string | null;
  onHighlight: (id: string | null) => void;
}) {
  const boxRef = useRef<HTMLDivElement>(null);
  const width = useElementWidth(boxRef);
  const plotH = height - MARGIN.top - MARGIN.bottom;

  const axes: Axis[] = useMemo(() => {
    const out: Axis[] = [];
    for (const key of paramKeys) {
      const values = runs.map((r) => r.params[key]);
      if (!valuesDiffer(values)) continue;
      if (isNumericParam(values)) {
        const ext = extent(values.map((v) => asNumber(v)));
        if (!ext) continue;
        const { ticks, domain } = niceTicks(ext[0], ext[1], 4);
        const s = linearScale(domain, [plotH, 0]);
        out.push({
          key,
          label: key,
          kind: "numeric",
          y: (r) => {
            const n = asNumber(r.params[key]);
            return n === null ? null : s(n);
          },
          ticks: ticks.map((t) => ({ y: s(t), label: formatTick(t) })),
        });
      } else {
        const cats = [...new Set(values.filter((v) => v !== undefined && v !== null).map((v) => formatValue(v)))].sort();
        if (cats.length === 0 || cats.length > MAX_CATEGORIES) continue;
        const s = pointScale(cats, [plotH - 8, 8]);
        out.push({
          key,
          label: key,
          kind: "categorical",
          y: (r) => (r.params[key] === undefined || r.params[key] === null ? null : s(formatValue(r.params[key]))),
          ticks: cats.map((c) => ({ y: s(c), label: c.length > 10 ? `${c.slice(0, 9)}…` : c })),
        });
      }
    }
    const ext = extent(runs.map((r) => r.metric));
    if (ext) {
      const { ticks, domain } = niceTicks(ext[0], ext[1], 4);
      const s = linearScale(domain, [plotH, 0]);
      out.push({
        key: metricKey,
        label: metricKey,
        kind: "metric",
        y: (r) => (r.metric === null ? null : s(r.metric)),
        ticks: ticks.map((t) => ({ y: s(t), label: formatTick(t) })),
      });
    }
    return out;
  }, [runs, paramKeys, metricKey, plotH]);

  const metricExtent = useMemo(() => extent(runs.map((r) => r.metric)), [runs]);
  const colorOf = (m: number | null) => {
    if (m === null || !metricExtent) return "#cbd5e1";
    const [lo, hi] = metricExtent;
    return rampColor(hi === lo ? 0.5 : (m - lo) / (hi - lo));
  };

  const plotW = Math.max(0, width - MARGIN.left - MARGIN.right);
  const xOf = (i: number) => (axes.length <= 1 ? plotW / 2 : (i / (axes.length - 1)) * plotW);

  const lines = useMemo(
    () =>
      runs.map((r) => {
        let d = "";
        let pen = false;
        axes.forEach((a, i) => {
          const y = a.y(r);
          if (y === null) {
            pen = false;
            return;
          }
          const x = axes.length <= 1 ? plotW / 2 : (i / (axes.length - 1)) * plotW;
          d += `${pen ? "L" : "M"}${Math.round(x * 10) / 10} ${Math.round(y * 10) / 10}`;
          pen = true;
        });
        return { run: r, d };
      }),
    [runs, axes, plotW],
  );

  const paramAxes = axes.filter((a) => a.kind !== "metric").length;
  const hl = highlighted ? runs.find((r) => r.id === highlighted) : undefined;

  return (
    <div>
      <div ref={boxRef} className="relative w-full" style={{ height }}>
        {width > 0 && paramAxes > 0 ? (
          <svg width={width} height={height} role="img" aria-label={`Parallel coordinates of ${paramAxes} params and ${metricKey}`} data-testid="parallel-coordinates" className="block select-none">
            <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
              <g fill="none" strokeLinejoin="round" onMouseLeave={() => onHighlight(null)}>
                {lines.map(({ run, d }) => {
                  const dim = highlighted !== null && highlighted !== run.id;
                  return (
                    <g key={run.id} data-run-id={run.id}>
                      <path d={d} stroke={colorOf(run.metric)} strokeWidth={highlighted === run.id ? 3 : 1.5} opacity={dim ? 0.12 : 0.85} data-testid="parallel-line" />
                      {/* Wide invisible twin: easy to hover. */}
                      <path d={d} stroke="transparent" strokeWidth={9} onMouseEnter={() => onHighlight(run.id)} className="cursor-pointer">
                        <title>{`${run.label}: ${metricKey} ${formatNumber(run.metric)}`}</title>
                      </path>
                    </g>
                  );
                })}
              </g>
              {axes.map((a, i) => (
                <g key={`${a.kind}:${a.key}`} transform={`translate(${xOf(i)},0)`} className="text-[10px]">
                  <line y2={plotH} stroke={a.kind === "metric" ? "#4f46e5" : "#94a3b8"} />
                  {a.ticks.map((t, k) => (
                    <g key={k} transform={`translate(0,${t.y})`}>
                      <line x1={-3} x2={3} stroke="#94a3b8" />
                      <text x={-6} dy="0.32em" textAnchor="end" fill="#64748b" paintOrder="stroke" stroke="#fff" strokeWidth={3}>
                        {t.label}
                      </text>
                    </g>
                  ))}
                  <text y={-12} textAnchor="middle" className="font-mono text-[11px]" fill={a.kind === "metric" ? "#4338ca" : "#334155"} fontWeight={600}>
                    <title>{a.label}</title>
                    {a.label.length > 16 ? `${a.label.slice(0, 15)}…` : a.label}
                  </text>
                </g>
              ))}
            </g>
          </svg>
        ) : width > 0 ? (
          <div className="flex h-full items-center justify-center px-6 text-center text-sm text-slate-500">
            The params of these runs do not differ, so there is nothing to plot against {metricKey}.
          </div>
        ) : null}
      </div>
      <div className="mt-2 flex flex-wrap items-center justify-between gap-3 text-xs text-slate-500">
        {metricExtent ? (
          <div className="flex items-center gap-2">
            <span className="font-mono">{formatNumber(metricExtent[0])}</span>
            <span
              className="h-2 w-32 rounded-full"
              style={{ background: `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(rampColor).join(", ")})` }}
              aria-hidden="true"
            />
            <span className="font-mono">{formatNumber(metricExtent[1])}</span>
            <span className="text-slate-400">{metricKey}</span>
          </div>
        ) : (
          <span>No run has a value of {metricKey}.</span>
        )}
        <span className="min-h-4 truncate">
          {hl ? (
            <>
              <span className="font-medium text-slate-800">{hl.label}</span> · {metricKey} <span className="font-mono">{formatNumber(hl.metric)}</span>
            </>
          ) : (
            "Hover a line to see its run"
          )}
        </span>
      </div>
    </div>
  );
}
