"use client";

import type { JsonValue } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { paramRows, valuesDiffer } from "@/lib/compare";
import { formatValue } from "@/lib/format";
import { RUN_COLUMN, RunsTableHead, Section, Toggle, type ComparedRun } from "./shared";

export function ParamsTable({
  project,
  items,
  paramKeys,
  onlyDifferences,
  onOnlyDifferences,
  onRemove,
  highlighted,
  onHighlight,
}: {
  project: string;
  items: ComparedRun[];
  paramKeys: string[];
  onlyDifferences: boolean;
  onOnlyDifferences: (v: boolean) => void;
  onRemove: (id: string) => void;
  highlighted: string | null;
  onHighlight: (id: string | null) => void;
}) {
  const runs = items.map((i) => i.run);
  const rows = paramRows(runs, paramKeys, onlyDifferences);
  const differing = paramKeys.filter((k) => valuesDiffer(runs.map((r) => r.params[k]))).length;
  return (
    <Section
      id="params"
      title="Params"
      description={
        paramKeys.length === 0
          ? "These runs have no params."
          : `${differing} of ${paramKeys.length} param${paramKeys.length === 1 ? "" : "s"} differ${differing === 1 ? "s" : ""}`
      }
      actions={<Toggle checked={onlyDifferences} onChange={onOnlyDifferences} label="Only differences" testId="only-differences" />}
    >
      <div className="max-h-[28rem] overflow-auto">
        <table className="w-max min-w-full border-separate border-spacing-0 text-left text-sm" data-testid="params-table">
          <RunsTableHead label="Param" project={project} items={items} onRemove={onRemove} highlighted={highlighted} onHighlight={onHighlight} />
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={items.length + 1} className="px-4 py-6 text-center text-sm text-slate-500">
                  {paramKeys.length === 0 ? "No params." : "All params are the same in these runs."}
                </td>
              </tr>
            ) : (
              rows.map((key) => {
                const values = runs.map((r) => r.params[key]);
                const differs = valuesDiffer(values);
                const first = values[0];
                return (
                  <tr key={key} data-param-row={key} data-differs={differs || undefined} className="group">
                    <th
                      scope="row"
                      className={cn(
                        "sticky left-0 z-[1] border-b border-slate-100 bg-white px-4 py-1.5 text-left font-mono text-[12.5px] font-medium text-slate-700 group-hover:bg-slate-50",
                        differs && "shadow-[inset_3px_0_0_var(--color-amber-400)]",
                      )}
                    >
                      <span className="block max-w-44 truncate" title={key}>
                        {key}
                      </span>
                    </th>
                    {values.map((v, i) => {
                      const diff = differs && i > 0 && formatValue(v as JsonValue | undefined) !== formatValue(first as JsonValue | undefined);
                      return (
                        <td
                          key={runs[i]!.id}
                          className={cn(
                            RUN_COLUMN,
                            "border-b border-slate-100 px-3 py-1.5 font-mono text-[12.5px] group-hover:bg-slate-50",
                            v === undefined ? "text-slate-300" : "text-slate-800",
                            diff && "bg-amber-50 group-hover:bg-amber-100/60",
                            highlighted === runs[i]!.id && "bg-indigo-50/60",
                          )}
                        >
                          <span className="block truncate" title={v === undefined ? "not set" : formatValue(v as JsonValue)}>
                            {v === undefined ? "—" : formatValue(v as JsonValue)}
                          </span>
                        </td>
                      );
                    })}
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </div>
    </Section>
  );
}
