"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import { ApiError } from "@/lib/api";
import type { RunDetail, Step } from "@/lib/api-types";
import { isActiveRunStatus } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatDateTime } from "@/lib/format";
import { attemptLabel } from "@/lib/resources";
import { useRun } from "@/lib/queries";
import { projectPath, stepPath } from "@/lib/route-params";
import { RunDag, type DagStep } from "./run-dag";
import { RunHeader } from "./run-header";
import { StatusBadge } from "./status-badge";
import { StepPanel } from "./step-panel";
import { LiveDuration } from "./time";
import { ErrorState, Skeleton, Spinner } from "./ui/feedback";
import { ChartIcon, ColumnsIcon, GraphIcon, LinkIcon, ListIcon } from "./ui/icons";
import { RunMetrics } from "./run-metrics";
import { RunArtifacts, RunLineage } from "./run-artifacts";

type RunTab = "graph" | "list" | "artifacts" | "lineage" | "metrics";
const RUN_TABS: readonly RunTab[] = ["graph", "list", "artifacts", "lineage", "metrics"];

export function RunView({ project, id }: { project: string; id: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const selectedName = searchParams.get("step");
  // null: the default for the run (graph for pipeline runs; metrics for MLflow runs, which have no steps).
  const tabParam = searchParams.get("tab");
  const [chosenView, setChosenView] = useState<RunTab | null>(RUN_TABS.includes(tabParam as RunTab) ? (tabParam as RunTab) : null);
  const run = useRun(project, id);

  // The selected step, tab and artifact live in the URL (?step=, ?tab=, ?artifact=) so a view can be shared as a link.
  const setParams = (changes: Record<string, string | null>) => {
    const sp = new URLSearchParams(searchParams.toString());
    for (const [key, value] of Object.entries(changes)) {
      if (value) sp.set(key, value);
      else sp.delete(key);
    }
    const qs = sp.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };
  const setStep = (name: string | null) => setParams({ step: name });
  const setView = (view: RunTab) => {
    setChosenView(view);
    setParams({ tab: view === "graph" ? null : view, artifact: view === "artifacts" ? searchParams.get("artifact") : null });
  };

  const data = run.data;
  const dagSteps = useMemo<DagStep[]>(
    () =>
      (data?.steps ?? []).map((s) => ({
        name: s.name,
        needs: s.needs,
        status: s.status,
        attempt: s.attempt,
        maxAttempts: s.maxAttempts,
        startedAt: s.startedAt,
        finishedAt: s.finishedAt ?? (isActiveRunStatus(data!.status) ? null : (data!.finishedAt ?? s.startedAt)),
        reusedFrom: s.reusedFromRunId ?? null,
        cachedFrom:
          s.cache?.hit && s.cache.fromRunId
            ? {
                runId: s.cache.fromRunId,
                stepName: s.cache.fromStep ?? s.name,
                href: stepPath(project, s.cache.fromRunId, s.cache.fromStep ?? s.name),
              }
            : null,
        container: s.executor === "container" ? { image: s.image } : null,
        gpu: s.placement?.gpu ?? 0,
        waiting: s.waiting,
      })),
    [data, project],
  );

  if (run.isPending) return <RunSkeleton />;

  if (!data) {
    return (
      <div className="mx-auto max-w-[1600px] px-4 py-10 sm:px-6">
        <ErrorState
          error={run.error}
          // The API answers 400 for a malformed run id and 404 for an unknown one: both mean "no such run".
          title={run.error instanceof ApiError && (run.error.status === 404 || run.error.status === 400) ? "Run not found" : undefined}
          onRetry={() => void run.refetch()}
        />
        <div className="text-center">
          <Link href={projectPath(project, "runs")} className="text-sm font-medium text-indigo-600 hover:underline">
            ← Back to runs
          </Link>
        </div>
      </div>
    );
  }

  const selected = selectedName ? (data.steps.find((s) => s.name === selectedName) ?? null) : null;
  const hasSteps = data.steps.length > 0 || data.pipeline !== null;
  const view = chosenView ?? (hasSteps ? "graph" : "metrics");
  const tabs = [
    ...(hasSteps
      ? ([
          ["graph", "Graph", GraphIcon],
          ["list", "List", ListIcon],
          ["artifacts", "Artifacts", ColumnsIcon],
          ["lineage", "Lineage", LinkIcon],
        ] as const)
      : []),
    ["metrics", `Metrics${data.metrics?.length ? ` (${data.metrics.length})` : ""}`, ChartIcon] as const,
  ];

  return (
    <div className="flex flex-col lg:h-[calc(100dvh-3.5rem)]">
      <RunHeader project={project} run={data} onShowMetrics={() => setView("metrics")} />
      {run.error ? (
        <div className="border-b border-amber-200 bg-amber-50 px-6 py-1.5 text-xs text-amber-800" role="status">
          Live updates paused: {run.error.message} Retrying…
        </div>
      ) : null}

      <div className="relative flex min-h-0 flex-1">
        <div className="flex min-w-0 flex-1 flex-col">
          <div className="flex items-center justify-between gap-2 border-b border-slate-200 bg-white/70 px-4 py-1.5 sm:px-6">
            <div className="flex min-w-0 overflow-x-auto rounded-lg bg-slate-100 p-0.5" role="tablist" aria-label="Run view">
              {tabs.map(([key, label, Icon]) => (
                <button
                  key={key}
                  type="button"
                  role="tab"
                  aria-selected={view === key}
                  onClick={() => setView(key)}
                  className={cn(
                    "inline-flex items-center gap-1.5 rounded-md px-2.5 py-1 text-xs font-medium transition-colors",
                    view === key ? "bg-white text-slate-900 shadow-xs" : "text-slate-500 hover:text-slate-800",
                  )}
                >
                  <Icon /> {label}
                </button>
              ))}
            </div>
            <div className="hidden shrink-0 items-center gap-2 text-xs text-slate-500 sm:flex">
              {run.isFetching ? <Spinner className="size-3 text-slate-300" /> : null}
              {hasSteps ? <span>{data.steps.length} steps</span> : <span>Logged through the MLflow API: no steps</span>}
              {isActiveRunStatus(data.status) ? <span className="text-blue-600">· updating live</span> : null}
            </div>
          </div>
          <div
            className={cn(
              "relative min-h-0 bg-slate-50 lg:h-auto lg:flex-1",
              view === "metrics" ? "overflow-y-auto" : view === "artifacts" ? "min-h-[60dvh] lg:overflow-hidden" : "h-[60dvh]",
            )}
          >
            {view === "metrics" ? (
              <RunMetrics project={project} run={data} />
            ) : view === "artifacts" ? (
              <RunArtifacts project={project} run={data} selected={searchParams.get("artifact")} onSelect={(key) => setParams({ artifact: key })} />
            ) : view === "lineage" ? (
              <RunLineage project={project} run={data} />
            ) : data.steps.length === 0 ? (
              <div className="flex h-full items-center justify-center text-sm text-slate-500">This run has no steps.</div>
            ) : view === "graph" ? (
              <RunDag steps={dagSteps} selected={selected?.name ?? null} onSelect={setStep} />
            ) : (
              <StepsList run={data} selected={selected?.name ?? null} onSelect={setStep} />
            )}
            {selectedName && !selected ? (
              <div className="absolute top-3 left-1/2 -translate-x-1/2 rounded-lg bg-amber-50 px-3 py-1.5 text-xs text-amber-800 shadow ring-1 ring-amber-200">
                No step named <span className="font-mono">{selectedName}</span> in this run.{" "}
                <button type="button" className="font-medium underline" onClick={() => setStep(null)}>
                  Dismiss
                </button>
              </div>
            ) : null}
          </div>
        </div>

        {selected ? (
          <StepPanel
            // Reset attempt pinning etc. when switching steps.
            key={selected.name}
            project={project}
            run={data}
            step={selected}
            onClose={() => setStep(null)}
            className={cn(
              // Full-screen sheet on small screens, side panel on large ones.
              "fixed inset-0 z-50 lg:static lg:z-auto lg:w-[min(560px,45vw)] lg:shrink-0 lg:border-l lg:border-slate-200",
            )}
          />
        ) : null}
      </div>
    </div>
  );
}

function StepsList({
  run,
  selected,
  onSelect,
}: {
  run: RunDetail;
  selected: string | null;
  onSelect: (name: string) => void;
}) {
  return (
    <div className="h-full overflow-auto">
      <table className="w-full min-w-[640px] text-left text-sm">
        <thead className="sticky top-0 z-10 border-b border-slate-200 bg-slate-50 text-xs text-slate-500">
          <tr>
            <th className="px-4 py-2 font-medium sm:px-6">Step</th>
            <th className="px-4 py-2 font-medium">Status</th>
            <th className="px-4 py-2 font-medium">Attempt</th>
            <th className="px-4 py-2 font-medium">Started</th>
            <th className="px-4 py-2 font-medium">Duration</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 bg-white">
          {run.steps.map((s: Step) => (
            <tr key={s.name} className={cn("hover:bg-slate-50", s.name === selected && "bg-indigo-50/60")}>
              <td className="px-4 py-2 sm:px-6">
                <button
                  type="button"
                  onClick={() => onSelect(s.name)}
                  className="font-mono text-[13px] font-medium text-slate-800 hover:text-indigo-600"
                >
                  {s.name}
                </button>
              </td>
              <td className="px-4 py-2">
                <StatusBadge status={s.status} size="sm" />
                {s.status === "queued" && s.waiting ? (
                  <p className="mt-0.5 max-w-md text-[11px] text-amber-700">
                    {s.waiting}
                  </p>
                ) : null}
              </td>
              <td className="px-4 py-2 text-slate-600 tabular-nums">
                {s.cache?.hit ? <span className="text-indigo-700">cached</span> : s.reusedFromRunId ? <span className="text-indigo-700">reused</span> : attemptLabel(s)}
              </td>
              <td className="px-4 py-2 whitespace-nowrap text-slate-600">{formatDateTime(s.startedAt)}</td>
              <td className="px-4 py-2 text-slate-600">
                <LiveDuration
                  start={s.startedAt}
                  end={s.finishedAt ?? (isActiveRunStatus(run.status) ? null : (run.finishedAt ?? s.startedAt))}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RunSkeleton() {
  return (
    <div className="flex flex-col lg:h-[calc(100dvh-3.5rem)]" aria-busy="true" aria-label="Loading run">
      <div className="border-b border-slate-200 bg-white">
        <div className="mx-auto max-w-[1600px] space-y-3 px-4 py-4 sm:px-6">
          <Skeleton className="h-3.5 w-24" />
          <div className="flex items-center gap-3">
            <Skeleton className="h-6 w-48" />
            <Skeleton className="h-6 w-20 rounded-full" />
          </div>
          <div className="flex flex-wrap gap-8">
            {[0, 1, 2, 3, 4].map((i) => (
              <div key={i} className="space-y-1.5">
                <Skeleton className="h-2.5 w-14" />
                <Skeleton className="h-4 w-32" />
              </div>
            ))}
          </div>
        </div>
      </div>
      <div className="flex h-[60dvh] items-center justify-center bg-slate-50 lg:h-auto lg:flex-1">
        <Spinner className="size-6 text-indigo-400" />
      </div>
    </div>
  );
}
