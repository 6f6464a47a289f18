"use client";

import { cn } from "@/lib/cn";
import { bestIndexes, type Direction } from "@/lib/compare";
import { formatNumber } from "@/lib/format";
import { ArrowDownIcon, ArrowUpIcon } from "../ui/icons";
import { RUN_COLUMN, RunsTableHead, Section, type ComparedRun } from "./shared";

export type SummaryField = "last" | "min" | "max";
const FIELDS: SummaryField[] = ["last", "min", "max"];

export function MetricsTable({
  project,
  items,
  metricKeys,
  directionOf,
  onDirection,
  field,
  onField,
  onRemove,
  highlighted,
  onHighlight,
}: {
  project: string;
  items: ComparedRun[];
  metricKeys: string[];
  directionOf: (key: string) => Direction;
  onDirection: (key: string, direction: Direction) => void;
  field: SummaryField;
  onField: (field: SummaryField) => void;
  onRemove: (id: string) => void;
  highlighted: string | null;
  onHighlight: (id: string | null) => void;
}) {
  return (
    <Section
      id="metrics"
      title="Metrics"
      description={
        metricKeys.length === 0
          ? "These runs have logged no metrics."
          : "The best value of each metric is highlighted; click the arrow to say whether higher or lower is better."
      }
      actions={
        <div className="flex rounded-lg bg-slate-100 p-0.5" role="radiogroup" aria-label="Value shown">
          {FIELDS.map((f) => (
            <button
              key={f}
              type="button"
              role="radio"
              aria-checked={field === f}
              onClick={() => onField(f)}
              className={cn(
                "rounded-md px-2.5 py-0.5 text-xs font-medium transition-colors",
                field === f ? "bg-white text-slate-900 shadow-xs" : "text-slate-500 hover:text-slate-800",
              )}
            >
              {f}
            </button>
          ))}
        </div>
      }
    >
      {metricKeys.length === 0 ? null : (
        <div className="max-h-[28rem] overflow-auto">
          <table className="w-max min-w-full border-separate border-spacing-0 text-left text-sm" data-testid="metrics-table">
            <RunsTableHead label="Metric" project={project} items={items} onRemove={onRemove} highlighted={highlighted} onHighlight={onHighlight} />
            <tbody>
              {metricKeys.map((key) => {
                const direction = directionOf(key);
                const values = items.map((i) => i.run.metrics[key]?.[field] ?? null);
                const best = new Set(bestIndexes(values, direction));
                return (
                  <tr key={key} data-metric-row={key} className="group">
                    <th scope="row" className="sticky left-0 z-[1] border-b border-slate-100 bg-white px-4 py-1.5 text-left group-hover:bg-slate-50">
                      <div className="flex items-center justify-between gap-2">
                        <span className="max-w-36 truncate font-mono text-[12.5px] font-medium text-slate-700" title={key}>
                          {key}
                        </span>
                        <button
                          type="button"
                          onClick={() => onDirection(key, direction === "max" ? "min" : "max")}
                          className="inline-flex shrink-0 items-center gap-0.5 rounded px-1 py-0.5 text-[10px] font-medium text-slate-500 ring-1 ring-slate-200 ring-inset hover:bg-slate-100 hover:text-slate-800"
                          aria-label={`${key}: ${direction === "max" ? "higher" : "lower"} is better. Switch`}
                          title={`${direction === "max" ? "Higher" : "Lower"} is better (click to switch)`}
                          data-direction={direction}
                        >
                          {direction === "max" ? <ArrowUpIcon /> : <ArrowDownIcon />}
                          {direction}
                        </button>
                      </div>
                    </th>
                    {items.map((item, i) => {
                      const m = item.run.metrics[key];
                      const isBest = best.has(i);
                      return (
                        <td
                          key={item.run.id}
                          data-best={isBest || undefined}
                          className={cn(
                            RUN_COLUMN,
                            "border-b border-slate-100 px-3 py-1.5 group-hover:bg-slate-50",
                            highlighted === item.run.id && "bg-indigo-50/60",
                            isBest && "bg-emerald-50 group-hover:bg-emerald-100/70",
                          )}
                          title={
                            m
                              ? `last ${formatNumber(m.last)} (step ${m.step}) · min ${formatNumber(m.min)} · max ${formatNumber(m.max)} · ${m.count} point${m.count === 1 ? "" : "s"}`
                              : "not logged"
                          }
                        >
                          {m ? (
                            <div className="flex items-baseline gap-1.5">
                              <span className={cn("font-mono text-[13px] tabular-nums", isBest ? "font-semibold text-emerald-800" : "text-slate-900")}>
                                {formatNumber(m[field])}
                              </span>
                              {isBest ? (
                                <span className="text-[10px] font-semibold tracking-wide text-emerald-700 uppercase">best</span>
                              ) : null}
                            </div>
                          ) : (
                            <span className="text-slate-300">—</span>
                          )}
                          {m && m.count > 1 ? (
                            <div className="font-mono text-[10px] text-slate-400 tabular-nums">
                              {formatNumber(m.min)} – {formatNumber(m.max)}
                            </div>
                          ) : null}
                        </td>
                      );
                    })}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}
