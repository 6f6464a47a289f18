"use client";

import Link from "next/link";
import type { ModelDetail, ModelVersion } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatNumber, runLabel } from "@/lib/format";
import { runPath } from "@/lib/route-params";
import { StatusDot } from "../status-badge";
import { RelativeTime } from "../time";
import { Button } from "../ui/button";
import { AliasChip, StageBadge } from "./stage-badge";

/** The versions of a model, newest first; a click selects one (its details open beside the table). */
export function VersionsTable({
  project,
  model,
  metricKeys,
  selected,
  onSelect,
  onPromote,
}: {
  project: string;
  model: ModelDetail;
  metricKeys: string[];
  selected: number | null;
  onSelect: (version: number) => void;
  /** null: the role cannot change stages (no Promote buttons). */
  onPromote: ((version: ModelVersion) => void) | null;
}) {
  return (
    // relative: the sr-only header label is positioned inside the scroller, not the page.
    <div className="relative overflow-x-auto">
      <table className="w-full min-w-[760px] text-left text-sm" data-testid="versions-table">
        <thead className="border-b border-slate-200 bg-slate-50/80 text-xs text-slate-500">
          <tr>
            <th className="px-4 py-2.5 font-medium">Version</th>
            <th className="px-3 py-2.5 font-medium">Stage</th>
            <th className="px-3 py-2.5 font-medium">Run</th>
            <th className="px-3 py-2.5 font-medium">Created</th>
            {metricKeys.map((k) => (
              <th key={k} className="max-w-[8rem] truncate px-3 py-2.5 text-right font-mono font-medium" title={k}>
                {k}
              </th>
            ))}
            {onPromote ? (
              <th className="px-3 py-2.5">
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {model.versions.map((v) => {
            const active = v.version === selected;
            return (
              <tr
                key={v.version}
                data-testid="version-row"
                data-version={v.version}
                data-stage={v.stage}
                aria-selected={active}
                onClick={(e) => {
                  if ((e.target as HTMLElement).closest("a,button") || window.getSelection()?.toString()) return;
                  onSelect(v.version);
                }}
                className={cn("cursor-pointer transition-colors", active ? "bg-indigo-50/60 shadow-[inset_3px_0_0_var(--color-indigo-500)]" : "hover:bg-slate-50/80")}
              >
                <td className="px-4 py-2.5 align-top">
                  <button type="button" onClick={() => onSelect(v.version)} className="font-mono text-sm font-semibold text-slate-900 hover:text-indigo-600">
                    v{v.version}
                  </button>
                  {v.version === model.latestVersion ? (
                    <span className="ml-1.5 rounded-full bg-slate-100 px-1.5 py-px text-[10px] font-medium text-slate-500">latest</span>
                  ) : null}
                  {v.aliases.length > 0 ? (
                    <div className="mt-1 flex flex-wrap gap-1">
                      {v.aliases.map((a) => (
                        <AliasChip key={a} alias={a} />
                      ))}
                    </div>
                  ) : null}
                </td>
                <td className="px-3 py-2.5 align-top">
                  <StageBadge stage={v.stage} size="sm" testId="version-stage" />
                </td>
                <td className="max-w-[14rem] px-3 py-2.5 align-top">
                  {v.run ? (
                    <>
                      <Link href={runPath(project, v.run.id)} className="flex min-w-0 items-center gap-1.5 text-slate-800 hover:text-indigo-600" title={`Run ${v.run.id}`}>
                        <StatusDot status={v.run.status} />
                        <span className="truncate font-medium">{runLabel(v.run)}</span>
                      </Link>
                      {v.stepName || v.outputName ? (
                        <p className="mt-0.5 truncate font-mono text-[11px] text-slate-500">
                          {[v.stepName, v.outputName].filter(Boolean).join(".")}
                        </p>
                      ) : null}
                    </>
                  ) : v.runId ? (
                    <span className="font-mono text-xs text-slate-500">{v.runId.slice(0, 8)} (deleted)</span>
                  ) : (
                    <span className="block max-w-[14rem] truncate font-mono text-xs text-slate-500" title={v.source}>
                      {v.source}
                    </span>
                  )}
                </td>
                <td className="px-3 py-2.5 align-top whitespace-nowrap">
                  <span className="block text-slate-700">{v.createdBy || "anonymous"}</span>
                  <RelativeTime iso={v.createdAt} className="text-xs text-slate-500" />
                </td>
                {metricKeys.map((k) => (
                  <td key={k} className="px-3 py-2.5 text-right align-top font-mono text-[13px] text-slate-700 tabular-nums" data-metric={k}>
                    {v.metrics[k] !== undefined ? formatNumber(v.metrics[k]) : <span className="text-slate-300">—</span>}
                  </td>
                ))}
                {onPromote ? (
                  <td className="px-3 py-2.5 text-right align-top">
                    <Button size="sm" onClick={() => onPromote(v)} aria-label={`Change the stage of v${v.version}`}>
                      {v.stage === "Production" ? "Change stage…" : "Promote…"}
                    </Button>
                  </td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
