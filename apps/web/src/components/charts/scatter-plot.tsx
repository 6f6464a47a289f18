"use client";

import { useMemo, useRef, useState } from "react";
import type { JsonValue } from "@/lib/api-types";
import { extent, formatTick, linearScale, niceTicks, pointScale } from "@/lib/chart";
import { asNumber, isNumericParam } from "@/lib/compare";
import { formatNumber, formatValue } from "@/lib/format";
import { useElementWidth } from "@/lib/use-element-width";
import { Axes } from "./axes";

export interface ScatterPoint {
  id: string;
  label: string;
  color: string;
  x: JsonValue | undefined;
  y: number | null;
}

const MARGIN = { top: 12, right: 18, bottom: 40, left: 56 };

/** One point per run: a param (numeric or categorical) on x against a metric on y. */
export function ScatterPlot({
  points,
  xLabel,
  yLabel,
  height = 300,
  highlighted,
  onHighlight,
  onOpen,
}: {
  points: ScatterPoint[];
  xLabel: string;
  yLabel: string;
  height?: number;
  highlighted: string | null;
  onHighlight: (id: string | null) => void;
  onOpen?: (id: string) => void;
}) {
  const boxRef = useRef<HTMLDivElement>(null);
  const width = useElementWidth(boxRef);
  const [hover, setHover] = useState<string | null>(null);
  const plotW = Math.max(0, width - MARGIN.left - MARGIN.right);
  const plotH = height - MARGIN.top - MARGIN.bottom;

  const plotted = useMemo(() => points.filter((p) => p.y !== null && p.x !== undefined && p.x !== null), [points]);

  const scales = useMemo(() => {
    const ys = extent(plotted.map((p) => p.y));
    if (!ys || plotted.length === 0) return null;
    const yT = niceTicks(ys[0], ys[1], 5);
    const y = linearScale(yT.domain, [plotH, 0]);
    const xValues = plotted.map((p) => p.x);
    if (isNumericParam(xValues)) {
      const xs = extent(xValues.map((v) => asNumber(v)))!;
      const xT = niceTicks(xs[0], xs[1], Math.max(2, Math.round(plotW / 90)));
      const x = linearScale(xT.domain, [0, plotW]);
      return {
        x: (v: JsonValue | undefined) => x(asNumber(v) ?? 0),
        xTicks: xT.ticks.map((t) => ({ at: x(t), label: formatTick(t) })),
        y,
        yTicks: yT.ticks,
      };
    }
    const cats = [...new Set(xValues.map((v) => formatValue(v as JsonValue)))].sort();
    const pad = Math.min(60, plotW / (2 * Math.max(1, cats.length)));
    const x = pointScale(cats, [pad, plotW - pad]);
    return {
      x: (v: JsonValue | undefined) => x(formatValue(v as JsonValue)),
      xTicks: cats.map((c) => ({ at: x(c), label: c.length > 14 ? `${c.slice(0, 13)}…` : c })),
      y,
      yTicks: yT.ticks,
    };
  }, [plotted, plotW, plotH]);

  const active = hover ?? highlighted;
  const activePoint = active ? plotted.find((p) => p.id === active) : undefined;

  return (
    <div ref={boxRef} className="relative w-full" style={{ height }}>
      {width > 0 && scales ? (
        <svg width={width} height={height} role="img" aria-label={`${yLabel} against ${xLabel}`} data-testid="scatter-plot" className="block select-none">
          <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
            <Axes y={scales.y} yTicks={scales.yTicks} xTicks={scales.xTicks} plotW={plotW} plotH={plotH}>
              <text x={plotW / 2} y={plotH + 33} textAnchor="middle" className="font-mono text-[11px]" fill="#334155">
                {xLabel}
              </text>
              <text transform={`translate(${-44},${plotH / 2}) rotate(-90)`} textAnchor="middle" className="font-mono text-[11px]" fill="#334155">
                {yLabel}
              </text>
            </Axes>
            <g onMouseLeave={() => { setHover(null); onHighlight(null); }}>
              {plotted.map((p) => {
                const dim = active !== null && active !== p.id;
                return (
                  <circle
                    key={p.id}
                    data-run-id={p.id}
                    data-testid="scatter-point"
                    cx={scales.x(p.x)}
                    cy={scales.y(p.y!)}
                    r={active === p.id ? 7 : 5}
                    fill={p.color}
                    fillOpacity={dim ? 0.25 : 0.85}
                    stroke="#fff"
                    strokeWidth={1.5}
                    className={onOpen ? "cursor-pointer" : undefined}
                    onMouseEnter={() => {
                      setHover(p.id);
                      onHighlight(p.id);
                    }}
                    onClick={() => onOpen?.(p.id)}
                  />
                );
              })}
            </g>
          </g>
        </svg>
      ) : width > 0 ? (
        <div className="flex h-full items-center justify-center text-sm text-slate-500">
          No run has both {xLabel} and {yLabel}.
        </div>
      ) : null}
      {activePoint && scales ? (
        <div
          className="pointer-events-none absolute z-10 rounded-lg border border-slate-200 bg-white/95 px-2.5 py-1.5 text-xs shadow-lg"
          style={{
            // Beside the point, on the side with room.
            ...(scales.x(activePoint.x) > plotW / 2
              ? { right: width - (MARGIN.left + scales.x(activePoint.x)) + 10 }
              : { left: MARGIN.left + scales.x(activePoint.x) + 10 }),
            top: Math.max(0, MARGIN.top + scales.y(activePoint.y!) - 40),
          }}
          role="tooltip"
        >
          <div className="flex items-center gap-1.5 font-medium text-slate-800">
            <span className="size-2 rounded-full" style={{ backgroundColor: activePoint.color }} />
            {activePoint.label}
          </div>
          <div className="mt-0.5 font-mono text-slate-600">
            {xLabel} = {formatValue(activePoint.x as JsonValue)}
          </div>
          <div className="font-mono text-slate-600">
            {yLabel} = {formatNumber(activePoint.y)}
          </div>
        </div>
      ) : null}
    </div>
  );
}
