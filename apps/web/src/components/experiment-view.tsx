"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import { ApiError } from "@/lib/api";
import { isActiveRunStatus, type ExperimentRunsQuery } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { pluralize } from "@/lib/format";
import { useExperiment, useExperimentColumns, useExperimentRunsFirstWindow } from "@/lib/queries";
import { comparePath } from "@/lib/route-params";
import { decodeColumns, defaultColumns, encodeColumns, orderByParam, parseSort, type FieldRef, type SortState } from "@/lib/run-fields";
import { useLocalStorage } from "@/lib/use-local-storage";
import { ColumnChooser } from "./column-chooser";
import { ExperimentRunsTable, MAX_COMPARE } from "./experiment-runs-table";
import { ExperimentsBreadcrumb, PageContainer, PageHeader } from "./page-header";
import { RelativeTime } from "./time";
import { ButtonLink, Button } from "./ui/button";
import { Card, EmptyState, ErrorState, Skeleton, Spinner, TableSkeleton } from "./ui/feedback";
import { AlertIcon, CompareIcon, FlaskIcon, SearchIcon, XIcon } from "./ui/icons";

/** The message of an invalid filter (400 with an issue at query.filter), to show under the filter box. */
function filterError(error: unknown): string | null {
  // Every 400 of the runs search is about its query: the filter, or the sort from the URL.
  if (!(error instanceof ApiError) || error.status !== 400) return null;
  const issue = error.issues.find((i) => /(^|\.)(filter|orderBy)/.test(i.path));
  return issue ? issue.message : error.message;
}

export function ExperimentView({ project, idParam }: { project: string; idParam: string }) {
  const id = Number(idParam);
  if (!Number.isSafeInteger(id) || id <= 0) {
    return (
      <PageContainer>
        <Card>
          <ErrorState error={new Error(`There is no experiment "${idParam}": experiment ids are numbers.`)} title="Experiment not found" />
        </Card>
      </PageContainer>
    );
  }
  // Keyed: another experiment starts with an empty selection.
  return <ExperimentPage key={`${project}:${id}`} project={project} id={id} />;
}

function ExperimentPage({ project, id }: { project: string; id: number }) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();

  // Filter and sort live in the URL (shareable; back/forward work).
  const filter = searchParams.get("filter") ?? "";
  const sort = useMemo(() => parseSort(searchParams.get("sort"), searchParams.get("dir")), [searchParams]);
  const query: ExperimentRunsQuery = useMemo(() => ({ filter, orderBy: orderByParam(sort) }), [filter, sort]);

  const setUrl = (next: { filter?: string; sort?: SortState | null }) => {
    const sp = new URLSearchParams(searchParams.toString());
    if (next.filter !== undefined) {
      if (next.filter.trim()) sp.set("filter", next.filter.trim());
      else sp.delete("filter");
    }
    if (next.sort !== undefined) {
      sp.delete("sort");
      sp.delete("dir");
      if (next.sort) {
        const ob = orderByParam(next.sort)!;
        sp.set("sort", ob.slice(0, ob.lastIndexOf(" ")));
        sp.set("dir", next.sort.desc ? "desc" : "asc");
      }
    }
    const qs = sp.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };

  const experiment = useExperiment(project, id);
  const first = useExperimentRunsFirstWindow(project, id, query);
  const available = useExperimentColumns(project, id, !!first.data?.items.some((r) => isActiveRunStatus(r.status)));

  // Column choice, remembered per experiment in this browser.
  const [storedColumns, setStoredColumns] = useLocalStorage(`trellis:experiment-columns:${project}:${id}`);
  const columns: FieldRef[] = useMemo(() => {
    const stored = decodeColumns(storedColumns);
    if (stored) return stored;
    return available.data ? defaultColumns(available.data) : [];
  }, [storedColumns, available.data]);

  // Selected runs, in the order they were picked (that is the comparison's order).
  const [selected, setSelected] = useState<string[]>([]);
  const toggle = (runId: string) =>
    setSelected((prev) => (prev.includes(runId) ? prev.filter((x) => x !== runId) : prev.length >= MAX_COMPARE ? prev : [...prev, runId]));

  const fError = filterError(first.error);
  const total = first.data?.total ?? 0;

  if (experiment.error && !experiment.data) {
    return (
      <PageContainer>
        <PageHeader breadcrumb={<ExperimentsBreadcrumb project={project} />} title={`Experiment ${id}`} />
        <Card>
          <ErrorState
            error={experiment.error}
            title={experiment.error instanceof ApiError && experiment.error.isNotFound ? "Experiment not found" : undefined}
            onRetry={() => void experiment.refetch()}
          />
        </Card>
      </PageContainer>
    );
  }

  const exp = experiment.data;

  return (
    <PageContainer className="flex flex-col lg:h-[calc(100dvh-3.5rem)]">
      <PageHeader
        breadcrumb={<ExperimentsBreadcrumb project={project} />}
        title={
          exp ? (
            <>
              <span className="break-all" data-testid="experiment-name">
                {exp.name}
              </span>
              {first.isFetching && !first.isPending ? <Spinner className="size-3.5 text-slate-300" /> : null}
            </>
          ) : (
            <Skeleton className="h-6 w-64" />
          )
        }
        description={exp?.description || undefined}
        meta={
          exp ? (
            <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-500">
              <span>{pluralize(exp.runCount, "run")}</span>
              <span aria-hidden="true">·</span>
              <span>
                created <RelativeTime iso={exp.createdAt} />
              </span>
              {Object.entries(exp.tags).map(([k, v]) => (
                <span key={k} className="rounded bg-slate-100 px-1.5 py-px font-mono text-[11px] text-slate-600">
                  {k}={v}
                </span>
              ))}
            </div>
          ) : null
        }
        actions={
          <>
            {selected.length > 0 ? (
              <Button variant="ghost" onClick={() => setSelected([])}>
                Clear selection
              </Button>
            ) : null}
            {selected.length >= 2 ? (
              <ButtonLink variant="primary" href={comparePath(project, selected)} data-testid="compare-button">
                <CompareIcon /> Compare ({selected.length})
              </ButtonLink>
            ) : (
              <Button
                variant="primary"
                disabled
                data-testid="compare-button"
                title="Select at least two runs to compare them"
              >
                <CompareIcon /> Compare{selected.length ? ` (${selected.length})` : ""}
              </Button>
            )}
          </>
        }
      />

      <div className="mb-3 flex flex-wrap items-start gap-3">
        <FilterBox
          // Re-mounted when the applied filter changes from outside (back/forward, "Clear filter").
          key={filter}
          applied={filter}
          error={fError}
          onApply={(f) => setUrl({ filter: f })}
        />
        <div className="flex items-center gap-3 pt-1">
          <span className="text-xs whitespace-nowrap text-slate-500 tabular-nums" aria-live="polite" data-testid="runs-total">
            {first.data ? `${pluralize(total, "run")}${filter ? " match" : ""}` : ""}
          </span>
          <ColumnChooser
            available={available.data}
            loading={available.isPending}
            columns={columns}
            onChange={(next) => setStoredColumns(next === null ? null : encodeColumns(next))}
          />
        </div>
      </div>

      <Card className="flex min-h-[420px] flex-1 flex-col overflow-hidden">
        {first.isPending ? (
          <TableSkeleton rows={10} />
        ) : fError ? (
          <EmptyState icon={<AlertIcon />} title="Fix the filter to see runs">
            <p>The filter above could not be read. Correct it and press Enter, or</p>
            <button type="button" className="mt-2 font-medium text-indigo-600 hover:underline" onClick={() => setUrl({ filter: "" })}>
              clear the filter
            </button>
          </EmptyState>
        ) : first.error && !first.data ? (
          <ErrorState error={first.error} onRetry={() => void first.refetch()} />
        ) : total === 0 && !first.isPlaceholderData ? (
          filter ? (
            <EmptyState icon={<SearchIcon />} title="No runs match">
              <p>
                No run of this experiment matches <code className="rounded bg-slate-100 px-1 font-mono text-xs">{filter}</code>.
              </p>
              <button type="button" className="mt-2 font-medium text-indigo-600 hover:underline" onClick={() => setUrl({ filter: "" })}>
                Clear the filter
              </button>
            </EmptyState>
          ) : (
            <EmptyState icon={<FlaskIcon />} title="No runs in this experiment yet">
              Runs appear here as soon as they start.
            </EmptyState>
          )
        ) : (
          <ExperimentRunsTable
            project={project}
            experimentId={id}
            query={query}
            first={first.data!}
            dimmed={first.isPlaceholderData}
            columns={columns}
            sort={sort}
            onSort={(s) => setUrl({ sort: s })}
            selected={selected}
            onToggle={toggle}
            onSelectMany={setSelected}
          />
        )}
        {first.error && first.data && !fError ? (
          <div className="border-t border-red-100 bg-red-50 px-4 py-2 text-xs text-red-700" role="alert">
            Refresh failed: {first.error.message}
          </div>
        ) : null}
      </Card>
    </PageContainer>
  );
}

const FILTER_EXAMPLE = "metrics.accuracy > 0.9 and params.lr = 0.01";

/** Server-side filter: applied on Enter; the API's message (with the character) is shown under it. */
function FilterBox({ applied, error, onApply }: { applied: string; error: string | null; onApply: (filter: string) => void }) {
  const [draft, setDraft] = useState(applied);
  const dirty = draft.trim() !== applied.trim();
  return (
    <div className="min-w-[min(100%,22rem)] flex-1">
      <form
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          onApply(draft);
        }}
        className="relative"
      >
        <SearchIcon className="pointer-events-none absolute top-1/2 left-3 -translate-y-1/2 text-slate-400" />
        <input
          type="text"
          aria-label="Filter runs"
          aria-invalid={error && !dirty ? true : undefined}
          aria-describedby="runs-filter-help"
          spellCheck={false}
          autoComplete="off"
          value={draft}
          placeholder={FILTER_EXAMPLE}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") setDraft(applied);
          }}
          className={cn(
            "block h-9 w-full rounded-lg border bg-white pr-9 pl-9 font-mono text-[13px] text-slate-900 shadow-xs placeholder:font-sans placeholder:text-slate-400",
            "focus:ring-2 focus:outline-none",
            error && !dirty ? "border-red-400 focus:border-red-500 focus:ring-red-500/20" : "border-slate-300 focus:border-indigo-500 focus:ring-indigo-500/20",
          )}
        />
        {draft ? (
          <button
            type="button"
            aria-label="Clear filter"
            onClick={() => {
              setDraft("");
              if (applied) onApply("");
            }}
            className="absolute top-1/2 right-2 -translate-y-1/2 rounded p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-700"
          >
            <XIcon />
          </button>
        ) : null}
      </form>
      {error && !dirty ? (
        <p className="mt-1.5 flex items-start gap-1 text-xs font-medium text-red-600" role="alert" data-testid="filter-error">
          <AlertIcon className="mt-px shrink-0" /> {error}
        </p>
      ) : (
        <p id="runs-filter-help" className="mt-1 text-[11px] text-slate-400">
          {dirty ? (
            <span className="text-indigo-600">Press Enter to apply · Esc to undo</span>
          ) : (
            <>
              e.g. <code className="font-mono">{FILTER_EXAMPLE}</code> · <code className="font-mono">tags.team = &apos;vision&apos;</code> ·{" "}
              <code className="font-mono">attributes.status = &apos;FAILED&apos;</code>
            </>
          )}
        </p>
      )}
    </div>
  );
}
