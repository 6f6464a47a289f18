"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import { isActiveRunStatus, RUN_STATUSES, type RunListFilters, type RunStatus } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { useProjectRole } from "@/lib/project-role";
import { RUN_LIST_POLL_MS, RUNS_PAGE_SIZE, usePipelines, useRunList } from "@/lib/queries";
import { statusStyle } from "@/lib/status";
import { PageContainer, PageHeader } from "./page-header";
import { RunsTable } from "./runs-table";
import { StartRunDialog } from "./start-run-dialog";
import { Button } from "./ui/button";
import { Card, CodeSnippet, EmptyState, ErrorState, Spinner, TableSkeleton } from "./ui/feedback";
import { ChevronLeftIcon, ChevronRightIcon, PlayIcon, RunsIcon } from "./ui/icons";

/** Filters live in the URL (`?status=running,failed&pipeline=x`) so filtered views can be shared. */
function parseFilters(sp: URLSearchParams): RunListFilters {
  const raw = sp.getAll("status").flatMap((s) => s.split(","));
  const status = RUN_STATUSES.filter((s) => raw.includes(s));
  return { status, pipeline: sp.get("pipeline") || null };
}

export function RunsView({ project }: { project: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const filters = useMemo(() => parseFilters(new URLSearchParams(searchParams.toString())), [searchParams]);
  const filterKey = JSON.stringify(filters);
  const hasFilters = filters.status.length > 0 || filters.pipeline !== null;
  const [startOpen, setStartOpen] = useState(false);
  const canEdit = useProjectRole(project).can("edit");

  // Cursor stack for prev/next. It belongs to one filter combination: when the filters change
  // the stack is ignored (derived, not synced by an effect) and we are back on page 1.
  const [pager, setPager] = useState<{ key: string; cursors: (string | null)[] }>({ key: filterKey, cursors: [null] });
  const cursors = pager.key === filterKey ? pager.cursors : [null];
  const cursor = cursors[cursors.length - 1] ?? null;
  const page = cursors.length;

  const runs = useRunList(project, filters, cursor);
  const pipelines = usePipelines(project);
  const items = runs.data?.items ?? [];
  const polling = items.some((r) => isActiveRunStatus(r.status));

  const setFilters = (next: RunListFilters) => {
    const sp = new URLSearchParams();
    if (next.status.length) sp.set("status", next.status.join(","));
    if (next.pipeline) sp.set("pipeline", next.pipeline);
    const qs = sp.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };

  const toggleStatus = (s: RunStatus) => {
    const set = new Set(filters.status);
    if (set.has(s)) set.delete(s);
    else set.add(s);
    setFilters({ ...filters, status: RUN_STATUSES.filter((x) => set.has(x)) });
  };

  const pipelineOptions = pipelines.data?.items.map((p) => p.name) ?? [];
  // Keep a filtered-on pipeline selectable even if it is not (or no longer) in the list.
  if (filters.pipeline && !pipelineOptions.includes(filters.pipeline)) pipelineOptions.unshift(filters.pipeline);

  const rangeStart = (page - 1) * RUNS_PAGE_SIZE + 1;

  return (
    <PageContainer>
      <PageHeader
        title={
          <>
            Runs
            {polling ? (
              <span
                className="inline-flex items-center gap-1.5 rounded-full bg-blue-50 px-2 py-0.5 text-xs font-medium text-blue-700 ring-1 ring-blue-200 ring-inset"
                title={`Refreshing every ${RUN_LIST_POLL_MS / 1000}s while runs on this page are active`}
              >
                <span className="size-1.5 animate-pulse rounded-full bg-blue-500" /> Live
              </span>
            ) : null}
            {runs.isFetching && !runs.isPending && !polling ? <Spinner className="size-3.5 text-slate-300" /> : null}
          </>
        }
        description="Every execution of a pipeline, newest first."
        actions={
          canEdit ? (
            <Button variant="primary" onClick={() => setStartOpen(true)}>
              <PlayIcon /> Start run
            </Button>
          ) : null
        }
      />

      <div className="mb-3 flex flex-wrap items-center gap-x-4 gap-y-2">
        <div className="flex flex-wrap items-center gap-1.5" role="group" aria-label="Filter by status">
          <button
            type="button"
            onClick={() => setFilters({ ...filters, status: [] })}
            aria-pressed={filters.status.length === 0}
            className={cn(
              "h-7 rounded-full px-3 text-xs font-medium ring-1 ring-inset transition-colors",
              filters.status.length === 0
                ? "bg-slate-900 text-white ring-slate-900"
                : "bg-white text-slate-600 ring-slate-200 hover:bg-slate-50",
            )}
          >
            All statuses
          </button>
          {RUN_STATUSES.map((s) => {
            const on = filters.status.includes(s);
            const st = statusStyle(s);
            return (
              <button
                key={s}
                type="button"
                onClick={() => toggleStatus(s)}
                aria-pressed={on}
                className={cn(
                  "inline-flex h-7 items-center gap-1.5 rounded-full px-3 text-xs font-medium ring-1 ring-inset transition-colors",
                  on ? st.badge : "bg-white text-slate-600 ring-slate-200 hover:bg-slate-50",
                )}
              >
                <span className={cn("size-1.5 rounded-full", st.dot)} />
                {st.label}
              </button>
            );
          })}
        </div>
        <div className="flex items-center gap-2">
          <label htmlFor="runs-pipeline-filter" className="text-xs font-medium text-slate-500">
            Pipeline
          </label>
          <select
            id="runs-pipeline-filter"
            value={filters.pipeline ?? ""}
            onChange={(e) => setFilters({ ...filters, pipeline: e.target.value || null })}
            className="h-8 min-w-[10rem] rounded-lg border border-slate-300 bg-white px-2 text-sm shadow-xs focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/20 focus:outline-none"
          >
            <option value="">All pipelines</option>
            {pipelineOptions.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        {hasFilters ? (
          <button
            type="button"
            onClick={() => setFilters({ status: [], pipeline: null })}
            className="text-xs font-medium text-indigo-600 hover:underline"
          >
            Clear filters
          </button>
        ) : null}
      </div>

      <Card className="overflow-hidden">
        {runs.isPending ? (
          <TableSkeleton rows={10} />
        ) : runs.error && !runs.data ? (
          <ErrorState error={runs.error} onRetry={() => void runs.refetch()} />
        ) : items.length === 0 ? (
          hasFilters ? (
            <EmptyState icon={<RunsIcon />} title="No runs match these filters">
              <button
                type="button"
                onClick={() => setFilters({ status: [], pipeline: null })}
                className="font-medium text-indigo-600 hover:underline"
              >
                Clear filters
              </button>
            </EmptyState>
          ) : page > 1 ? (
            <EmptyState icon={<RunsIcon />} title="No more runs" />
          ) : (
            <EmptyState icon={<RunsIcon />} title="No runs yet">
              <p>Start one with the button above, from a pipeline&apos;s page, or from the CLI:</p>
              <div className="mt-4 space-y-2">
                <CodeSnippet code={`npx trellis push examples/hello${project === "default" ? "" : ` --project ${project}`}`} />
                <CodeSnippet code={`npx trellis run hello -p greet=Trellis${project === "default" ? "" : ` --project ${project}`}`} />
              </div>
            </EmptyState>
          )
        ) : (
          <RunsTable project={project} runs={items} dimmed={runs.isPlaceholderData} />
        )}

        {runs.error && runs.data ? (
          <div className="border-t border-red-100 bg-red-50 px-4 py-2 text-xs text-red-700" role="alert">
            Refresh failed: {runs.error.message}
          </div>
        ) : null}

        {!runs.isPending && (items.length > 0 || page > 1) ? (
          <div className="flex items-center justify-between gap-3 border-t border-slate-200 bg-slate-50/60 px-4 py-2.5">
            <p className="text-xs text-slate-500 tabular-nums">
              {items.length > 0 ? (
                <>
                  Runs {rangeStart.toLocaleString()}–{(rangeStart + items.length - 1).toLocaleString()}
                </>
              ) : null}
              <span className="ml-2 text-slate-400">Page {page}</span>
            </p>
            <div className="flex items-center gap-2">
              <Button
                size="sm"
                disabled={page <= 1}
                onClick={() => {
                  setPager({ key: filterKey, cursors: cursors.slice(0, -1) });
                  window.scrollTo({ top: 0 });
                }}
              >
                <ChevronLeftIcon /> Newer
              </Button>
              <Button
                size="sm"
                disabled={!runs.data?.nextCursor || runs.isPlaceholderData}
                onClick={() => {
                  const next = runs.data?.nextCursor;
                  if (next) setPager({ key: filterKey, cursors: [...cursors, next] });
                  window.scrollTo({ top: 0 });
                }}
              >
                Older <ChevronRightIcon />
              </Button>
            </div>
          </div>
        ) : null}
      </Card>

      <StartRunDialog
        project={project}
        open={startOpen}
        onClose={() => setStartOpen(false)}
        defaultPipeline={filters.pipeline ?? undefined}
      />
    </PageContainer>
  );
}
