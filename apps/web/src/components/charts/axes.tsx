import type { ReactNode } from "react";
import { formatTick, type Scale } from "@/lib/chart";

/** An x-axis tick: where it sits (px along the plot) and its label. */
export interface XTick {
  at: number;
  label: string;
}

/**
 * The axes of a cartesian chart: horizontal grid lines with y labels, x ticks with labels and the
 * baseline. Children (axis titles) are drawn in the same group, in the axes' text style.
 */
export function Axes({
  y,
  yTicks,
  xTicks,
  plotW,
  plotH,
  children,
}: {
  y: Scale;
  yTicks: number[];
  xTicks: XTick[];
  plotW: number;
  plotH: number;
  children?: ReactNode;
}) {
  return (
    <g className="text-[10px]" fill="#64748b">
      {yTicks.map((t) => (
        <g key={`y${t}`} transform={`translate(0,${y(t)})`}>
          <line x2={plotW} stroke="#e2e8f0" />
          <text x={-6} dy="0.32em" textAnchor="end">
            {formatTick(t)}
          </text>
        </g>
      ))}
      {xTicks.map((t, i) => (
        <g key={`x${i}`} transform={`translate(${t.at},${plotH})`}>
          <line y2={4} stroke="#94a3b8" />
          <text y={15} textAnchor="middle">
            {t.label}
          </text>
        </g>
      ))}
      <line y1={plotH} y2={plotH} x2={plotW} stroke="#94a3b8" />
      {children}
    </g>
  );
}
