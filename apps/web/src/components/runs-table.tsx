"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import type { RunSummary } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatValue, paramsSummary, runLabel, shortId } from "@/lib/format";
import { experimentPath, projectPath } from "@/lib/route-params";
import { StatusBadge, StepCountsBar } from "./status-badge";
import { LiveDuration, RelativeTime } from "./time";

function ParamsCell({ params }: { params: RunSummary["params"] }) {
  const entries = Object.entries(params ?? {});
  if (entries.length === 0) return <span className="text-slate-400">—</span>;
  return (
    <div className="flex max-w-[22rem] gap-1 overflow-hidden" title={paramsSummary(params)}>
      {entries.slice(0, 4).map(([k, v]) => (
        <span
          key={k}
          className="max-w-[10rem] shrink-0 truncate rounded bg-slate-100 px-1.5 py-0.5 font-mono text-[11px] text-slate-600"
        >
          <span className="text-slate-400">{k}=</span>
          {formatValue(v)}
        </span>
      ))}
      {entries.length > 4 ? <span className="shrink-0 text-[11px] text-slate-400">+{entries.length - 4}</span> : null}
    </div>
  );
}

export function RunsTable({
  project,
  runs,
  dimmed = false,
}: {
  project: string;
  runs: RunSummary[];
  /** Placeholder data from the previous page/filter is shown dimmed while the new page loads. */
  dimmed?: boolean;
}) {
  const router = useRouter();
  return (
    <div className="overflow-x-auto">
      <table className={cn("w-full min-w-[920px] text-left text-sm transition-opacity", dimmed && "opacity-60")}>
        <thead className="border-b border-slate-200 bg-slate-50/80 text-xs text-slate-500">
          <tr>
            <th className="px-4 py-2.5 font-medium">Status</th>
            <th className="px-4 py-2.5 font-medium">Run</th>
            <th className="px-4 py-2.5 font-medium">Pipeline</th>
            <th className="px-4 py-2.5 font-medium">Started</th>
            <th className="px-4 py-2.5 font-medium">Duration</th>
            <th className="px-4 py-2.5 font-medium">Steps</th>
            <th className="px-4 py-2.5 font-medium">Params</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {runs.map((run) => {
            const href = projectPath(project, "runs", run.id);
            return (
              <tr
                key={run.id}
                data-testid="run-row"
                data-run-id={run.id}
                className="cursor-pointer hover:bg-slate-50/80"
                onClick={(e) => {
                  if ((e.target as HTMLElement).closest("a") || window.getSelection()?.toString()) return;
                  router.push(href);
                }}
              >
                <td className="px-4 py-2.5">
                  <StatusBadge status={run.status} size="sm" />
                </td>
                <td className="max-w-[14rem] px-4 py-2.5">
                  <Link
                    href={href}
                    className={cn("block truncate font-medium text-indigo-600 hover:underline", !run.name && "font-mono text-[13px]")}
                    title={run.name ? `${run.name} (${run.id})` : run.id}
                  >
                    {runLabel(run)}
                  </Link>
                  {run.name ? <span className="block font-mono text-[11px] text-slate-400">{shortId(run.id)}</span> : null}
                </td>
                <td className="max-w-[16rem] px-4 py-2.5">
                  {run.pipeline ? (
                    <div className="flex items-center gap-1.5">
                      <Link
                        href={projectPath(project, "pipelines", run.pipeline)}
                        className="truncate font-medium text-slate-800 hover:text-indigo-600"
                      >
                        {run.pipeline}
                      </Link>
                      {run.version !== null ? <span className="shrink-0 font-mono text-xs text-slate-400">v{run.version}</span> : null}
                    </div>
                  ) : (
                    <span
                      className="rounded bg-sky-50 px-1.5 py-px text-[11px] font-medium text-sky-700 ring-1 ring-sky-200 ring-inset"
                      title="Logged through the MLflow-compatible API: no pipeline, no steps"
                    >
                      MLflow
                    </span>
                  )}
                  {/* The experiment, when it isn't simply the pipeline's own (the default). */}
                  {run.experiment && run.experiment.name !== run.pipeline ? (
                    <Link
                      href={experimentPath(project, run.experiment.id)}
                      className="mt-0.5 block truncate text-[11px] text-slate-500 hover:text-indigo-600"
                      title={`Experiment ${run.experiment.name}`}
                    >
                      in {run.experiment.name}
                    </Link>
                  ) : null}
                </td>
                <td className="px-4 py-2.5 whitespace-nowrap text-slate-600">
                  {run.startedAt ? (
                    <RelativeTime iso={run.startedAt} />
                  ) : (
                    <span className="text-slate-400">
                      queued <RelativeTime iso={run.createdAt} />
                    </span>
                  )}
                </td>
                <td className="px-4 py-2.5 whitespace-nowrap text-slate-600">
                  {run.startedAt ? <LiveDuration start={run.startedAt} end={run.finishedAt} /> : <span className="text-slate-400">—</span>}
                </td>
                <td className="px-4 py-2.5">
                  <StepCountsBar counts={run.stepCounts ?? {}} />
                </td>
                <td className="px-4 py-2.5">
                  <ParamsCell params={run.params} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
