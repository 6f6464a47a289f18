"use client";

import { memo, useCallback, useMemo, useRef, useState } from "react";
import { extent, formatTick, linearScale, linePath, nearestIndex, niceTicks, type Scale } from "@/lib/chart";
import { formatNumber } from "@/lib/format";
import { useElementWidth } from "@/lib/use-element-width";
import { Axes } from "./axes";

export interface LineSeries {
  id: string;
  label: string;
  color: string;
  steps: number[];
  values: (number | null)[];
}

const MARGIN = { top: 10, right: 14, bottom: 26, left: 52 };
const TOOLTIP_ROWS = 10;

interface Prepared {
  series: LineSeries;
  /** Largest gap between consecutive steps: how far from its points a series is still "there". */
  reach: number;
}

/**
 * Overlaid line chart of metric histories: one SVG path per series (however many points), a
 * hover line that snaps to the nearest logged step and a tooltip with each run's value there.
 */
export function LineChart({
  label,
  series,
  height = 220,
  highlighted,
  onHighlight,
  lowerIsBetter = false,
}: {
  label: string;
  series: LineSeries[];
  height?: number;
  highlighted: string | null;
  onHighlight: (id: string | null) => void;
  /** Sort the tooltip ascending (best first) for loss-like metrics. */
  lowerIsBetter?: boolean;
}) {
  const boxRef = useRef<HTMLDivElement>(null);
  const width = useElementWidth(boxRef);
  const [hoverX, setHoverX] = useState<number | null>(null);

  const prepared: Prepared[] = useMemo(
    () =>
      series
        .filter((s) => s.steps.length > 0)
        .map((s) => {
          let reach = 0;
          for (let i = 1; i < s.steps.length; i++) reach = Math.max(reach, s.steps[i]! - s.steps[i - 1]!);
          return { series: s, reach };
        }),
    [series],
  );

  const plotW = Math.max(0, width - MARGIN.left - MARGIN.right);
  const plotH = height - MARGIN.top - MARGIN.bottom;

  const scales = useMemo(() => {
    const xs = extent(prepared.flatMap((p) => [p.series.steps[0], p.series.steps[p.series.steps.length - 1]]));
    const ys = extent(prepared.flatMap((p) => p.series.values));
    if (!xs || !ys) return null;
    const yTicks = niceTicks(ys[0], ys[1], Math.max(3, Math.round(plotH / 45)));
    // Everything at one step (a final score): centre it, with that step as the only tick.
    const single = xs[0] === xs[1];
    const xDomain: [number, number] = single ? [xs[0] - 1, xs[1] + 1] : xs;
    const xTicks = single
      ? [xs[0]]
      : niceTicks(xDomain[0], xDomain[1], Math.max(2, Math.round(plotW / 90))).ticks.filter(
          (t) => t >= xDomain[0] && t <= xDomain[1] && (xDomain[1] - xDomain[0] > 10 || Number.isInteger(t)),
        );
    const x = linearScale(xDomain, [0, plotW]);
    return {
      x,
      y: linearScale(yTicks.domain, [plotH, 0]),
      xTicks: xTicks.map((t) => ({ at: x(t), label: formatTick(t) })),
      yTicks: yTicks.ticks,
    };
  }, [prepared, plotW, plotH]);

  // The hovered step: the logged step nearest to the pointer, over all series, and each series' value there.
  const computeHover = useCallback(
    (px: number) => {
      if (!scales) return null;
      const target = scales.x.invert(px);
      let best: number | null = null;
      for (const p of prepared) {
        const i = nearestIndex(p.series.steps, target);
        if (i < 0) continue;
        const s = p.series.steps[i]!;
        if (best === null || Math.abs(s - target) < Math.abs(best - target)) best = s;
      }
      if (best === null) return null;
      const step = best;
      const rows = prepared
        .map((p) => {
          const { steps, values } = p.series;
          if (step < steps[0]! - p.reach / 2 || step > steps[steps.length - 1]! + p.reach / 2) return null;
          const v = values[nearestIndex(steps, step)];
          return v === null || v === undefined ? null : { series: p.series, value: v };
        })
        .filter((r): r is { series: LineSeries; value: number } => r !== null)
        .sort((a, b) => (lowerIsBetter ? a.value - b.value : b.value - a.value));
      return { step, rows };
    },
    [scales, prepared, lowerIsBetter],
  );
  const hover = useMemo(() => (hoverX === null ? null : computeHover(hoverX)), [hoverX, computeHover]);

  const onMove = (px: number, py: number) => {
    setHoverX(px);
    // The line under the pointer (within a few pixels) is highlighted in every chart.
    const h = computeHover(px);
    let nearest: string | null = null;
    let dist = 8;
    for (const r of h?.rows ?? []) {
      const d = Math.abs(scales!.y(r.value) - py);
      if (d < dist) {
        dist = d;
        nearest = r.series.id;
      }
    }
    if (nearest !== highlighted) onHighlight(nearest);
  };

  return (
    <div ref={boxRef} className="relative w-full" style={{ height }}>
      {width > 0 && scales ? (
        <svg
          width={width}
          height={height}
          role="img"
          aria-label={`${label}: ${prepared.length} run${prepared.length === 1 ? "" : "s"}`}
          data-testid="line-chart"
          data-series-count={prepared.length}
          className="block overflow-visible select-none"
        >
          <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
            <Axes y={scales.y} yTicks={scales.yTicks} xTicks={scales.xTicks} plotW={plotW} plotH={plotH}>
              <text x={plotW} y={plotH + 24} textAnchor="end" fill="#94a3b8">
                step
              </text>
            </Axes>
            <SeriesPaths prepared={prepared} x={scales.x} y={scales.y} highlighted={highlighted} />
            {hover ? (
              <g pointerEvents="none">
                <line x1={scales.x(hover.step)} x2={scales.x(hover.step)} y1={0} y2={plotH} stroke="#94a3b8" strokeDasharray="3 3" />
                {hover.rows.slice(0, 40).map((r) => (
                  <circle
                    key={r.series.id}
                    cx={scales.x(hover.step)}
                    cy={scales.y(r.value)}
                    r={3}
                    fill={r.series.color}
                    stroke="#fff"
                    strokeWidth={1}
                  />
                ))}
              </g>
            ) : null}
            <rect
              width={plotW}
              height={plotH}
              fill="transparent"
              onMouseMove={(e) => {
                const r = e.currentTarget.getBoundingClientRect();
                onMove(Math.min(plotW, Math.max(0, e.clientX - r.left)), e.clientY - r.top);
              }}
              onMouseLeave={() => {
                setHoverX(null);
                if (highlighted !== null) onHighlight(null);
              }}
            />
          </g>
        </svg>
      ) : width > 0 ? (
        <div className="flex h-full items-center justify-center text-sm text-slate-400">No values logged</div>
      ) : null}
      {hover && scales && hover.rows.length > 0 ? (
        <Tooltip
          left={MARGIN.left + scales.x(hover.step)}
          flip={scales.x(hover.step) > plotW / 2}
          step={hover.step}
          rows={hover.rows}
          highlighted={highlighted}
        />
      ) : null}
    </div>
  );
}

/** Memoised: hovering re-renders the chart but never rebuilds the paths. */
const SeriesPaths = memo(function SeriesPaths({
  prepared,
  x,
  y,
  highlighted,
}: {
  prepared: Prepared[];
  x: Scale;
  y: Scale;
  highlighted: string | null;
}) {
  const paths = useMemo(
    () =>
      prepared.map(({ series }) => {
        const d = linePath(series.steps, series.values, x, y);
        // A series of one point (or only isolated points) draws nothing as a line: mark it.
        const lone = series.values.filter((v) => v !== null).length === 1 ? series.values.findIndex((v) => v !== null) : -1;
        return { series, d, lone };
      }),
    [prepared, x, y],
  );
  const ordered = highlighted ? [...paths.filter((p) => p.series.id !== highlighted), ...paths.filter((p) => p.series.id === highlighted)] : paths;
  return (
    <g fill="none" strokeLinejoin="round" strokeLinecap="round">
      {ordered.map(({ series, d, lone }) => {
        const dim = highlighted !== null && highlighted !== series.id;
        const hl = highlighted === series.id;
        return (
          <g key={series.id} data-run-id={series.id} opacity={dim ? 0.18 : 1}>
            <path d={d} stroke={series.color} strokeWidth={hl ? 2.75 : 1.6} data-testid="series-path" />
            {lone >= 0 ? <circle cx={x(series.steps[lone]!)} cy={y(series.values[lone]!)} r={3} fill={series.color} /> : null}
          </g>
        );
      })}
    </g>
  );
});

function Tooltip({
  left,
  flip,
  step,
  rows,
  highlighted,
}: {
  left: number;
  flip: boolean;
  step: number;
  rows: { series: LineSeries; value: number }[];
  highlighted: string | null;
}) {
  const shown = rows.slice(0, TOOLTIP_ROWS);
  const hl = highlighted ? rows.find((r) => r.series.id === highlighted) : undefined;
  if (hl && !shown.includes(hl)) shown.push(hl);
  return (
    <div
      className="pointer-events-none absolute top-1 z-10 w-56 rounded-lg border border-slate-200 bg-white/95 px-2.5 py-2 text-xs shadow-lg backdrop-blur"
      style={flip ? { right: `calc(100% - ${left - 10}px)` } : { left: left + 10 }}
      role="tooltip"
    >
      <div className="mb-1 font-medium text-slate-500">step {step.toLocaleString()}</div>
      <ul className="space-y-0.5">
        {shown.map((r) => (
          <li key={r.series.id} className={r.series.id === highlighted ? "font-semibold" : undefined}>
            <span className="flex items-center gap-1.5">
              <span className="size-2 shrink-0 rounded-full" style={{ backgroundColor: r.series.color }} />
              <span className="min-w-0 flex-1 truncate text-slate-700">{r.series.label}</span>
              <span className="font-mono text-slate-900 tabular-nums">{formatNumber(r.value)}</span>
            </span>
          </li>
        ))}
      </ul>
      {rows.length > shown.length ? <div className="mt-1 text-slate-400">and {rows.length - shown.length} more</div> : null}
    </div>
  );
}
