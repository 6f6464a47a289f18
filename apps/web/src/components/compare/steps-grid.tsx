"use client";

import Link from "next/link";
import { useMemo } from "react";
import { cn } from "@/lib/cn";
import { stepGrid } from "@/lib/compare";
import { formatDuration, shortId } from "@/lib/format";
import { runPath } from "@/lib/route-params";
import { statusStyle } from "@/lib/status";
import { StatusDot } from "../status-badge";
import { RerunIcon } from "../ui/icons";
import { RUN_COLUMN, RunsTableHead, Section, Toggle, type ComparedRun } from "./shared";

/** Steps × runs: status and duration of each step, cells whose command or outputs differ from the first run's highlighted. */
export function StepsGrid({
  project,
  items,
  onlyDifferences,
  onOnlyDifferences,
  onRemove,
  highlighted,
  onHighlight,
}: {
  project: string;
  items: ComparedRun[];
  onlyDifferences: boolean;
  onOnlyDifferences: (v: boolean) => void;
  onRemove: (id: string) => void;
  highlighted: string | null;
  onHighlight: (id: string | null) => void;
}) {
  const grid = useMemo(() => stepGrid(items.map((i) => i.run)), [items]);
  const rows = onlyDifferences ? grid.filter((r) => r.differs) : grid;
  const differing = grid.filter((r) => r.differs).length;
  const noSteps = grid.length === 0;

  return (
    <Section
      id="steps"
      title="Steps"
      description={
        noSteps
          ? "These runs have no steps (they were logged through the MLflow API)."
          : `${differing} of ${grid.length} step${grid.length === 1 ? "" : "s"} differ between the runs. Each cell is compared with the first run that has the step.`
      }
      actions={noSteps ? null : <Toggle checked={onlyDifferences} onChange={onOnlyDifferences} label="Only steps that differ" />}
    >
      {noSteps ? null : (
        <>
          <div className="max-h-[32rem] overflow-auto">
            <table className="w-max min-w-full border-separate border-spacing-0 text-left text-sm" data-testid="steps-grid">
              <RunsTableHead label="Step" project={project} items={items} onRemove={onRemove} highlighted={highlighted} onHighlight={onHighlight} />
              <tbody>
                {rows.length === 0 ? (
                  <tr>
                    <td colSpan={items.length + 1} className="px-4 py-6 text-center text-sm text-slate-500">
                      Every step ran the same command with the same outputs and status in these runs.
                    </td>
                  </tr>
                ) : (
                  rows.map((row) => (
                    <tr key={row.name} data-step-row={row.name} data-differs={row.differs || undefined}>
                      <th
                        scope="row"
                        className={cn(
                          "sticky left-0 z-[1] border-b border-slate-100 bg-white px-4 py-2 text-left font-mono text-[12.5px] font-medium text-slate-700",
                          row.differs && "shadow-[inset_3px_0_0_var(--color-amber-400)]",
                        )}
                      >
                        <span className="block max-w-44 truncate" title={row.name}>
                          {row.name}
                        </span>
                      </th>
                      {row.cells.map((cell, i) => {
                        const item = items[i]!;
                        const step = item.run.steps.find((s) => s.name === row.name);
                        const differs = cell.commandDiffers || cell.outputsDiffer;
                        return (
                          <td
                            key={item.run.id}
                            data-differs={differs || undefined}
                            className={cn(
                              RUN_COLUMN,
                              "border-b border-slate-100 px-3 py-1.5 align-top",
                              differs && "bg-amber-50",
                              highlighted === item.run.id && !differs && "bg-indigo-50/60",
                            )}
                            title={step?.command ? `$ ${step.command}` : undefined}
                          >
                            {cell.status === null ? (
                              <span className="text-xs text-slate-300">not in this run</span>
                            ) : (
                              <>
                                <div className="flex items-center gap-1.5 text-xs">
                                  <StatusDot status={cell.status} />
                                  <span className={cn("font-medium", cell.statusDiffers ? "text-slate-900" : "text-slate-600")}>
                                    {statusStyle(cell.status).label}
                                  </span>
                                  <span className="ml-auto text-slate-500 tabular-nums">{formatDuration(cell.durationMs)}</span>
                                </div>
                                {cell.reusedFromRunId ? (
                                  <Link
                                    href={runPath(project, cell.reusedFromRunId)}
                                    className="mt-0.5 inline-flex items-center gap-1 text-[11px] text-indigo-600 hover:underline"
                                    title={`Not run again: outputs reused from run ${cell.reusedFromRunId}`}
                                  >
                                    <RerunIcon className="shrink-0" /> reused from {shortId(cell.reusedFromRunId)}
                                  </Link>
                                ) : null}
                                {differs || cell.attempt > 1 || (cell.exitCode !== null && cell.exitCode !== 0) ? (
                                  <div className="mt-0.5 flex flex-wrap gap-1">
                                    {cell.commandDiffers ? <Badge>command</Badge> : null}
                                    {cell.outputsDiffer ? <Badge>outputs</Badge> : null}
                                    {cell.attempt > 1 ? <Badge tone="slate">{`attempt ${cell.attempt}`}</Badge> : null}
                                    {cell.exitCode !== null && cell.exitCode !== 0 ? <Badge tone="red">{`exit ${cell.exitCode}`}</Badge> : null}
                                  </div>
                                ) : null}
                              </>
                            )}
                          </td>
                        );
                      })}
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </div>
          <div className="flex flex-wrap items-center gap-x-4 gap-y-1 border-t border-slate-100 bg-slate-50/60 px-4 py-2 text-[11px] text-slate-500">
            <span className="inline-flex items-center gap-1.5">
              <span className="size-3 rounded-sm bg-amber-50 ring-1 ring-amber-200" /> command or outputs differ from the first run
            </span>
            <span className="inline-flex items-center gap-1 text-indigo-600">
              <RerunIcon /> reused: not run again, outputs taken from that run
            </span>
          </div>
        </>
      )}
    </Section>
  );
}

function Badge({ children, tone = "amber" }: { children: string; tone?: "amber" | "slate" | "red" }) {
  return (
    <span
      className={cn(
        "rounded px-1 py-px text-[10px] font-medium ring-1 ring-inset",
        tone === "amber" && "bg-amber-100 text-amber-800 ring-amber-200",
        tone === "slate" && "bg-slate-100 text-slate-600 ring-slate-200",
        tone === "red" && "bg-red-50 text-red-700 ring-red-200",
      )}
    >
      {children}
    </span>
  );
}
