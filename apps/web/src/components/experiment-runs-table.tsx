"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { CSSProperties, ReactNode } from "react";
import { useEffect, useMemo, useRef, useState } from "react";
import type { ExperimentRun, ExperimentRunsPage, ExperimentRunsQuery, MetricSummary } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatDuration, formatNumber, formatValue, runLabel, shortId } from "@/lib/format";
import { EXPERIMENT_RUNS_WINDOW, useExperimentRunWindows } from "@/lib/queries";
import { runPath } from "@/lib/route-params";
import { formatField, nextSort, sameField, type FieldRef, type SortState } from "@/lib/run-fields";
import { StatusBadge } from "./status-badge";
import { LiveDuration, RelativeTime } from "./time";
import { Skeleton } from "./ui/feedback";
import { ArrowDownIcon, ArrowUpIcon, RerunIcon } from "./ui/icons";

/** The compare endpoint takes up to 200 runs. */
export const MAX_COMPARE = 200;
/** The header checkbox selects the first rows (in the current order), up to this many. */
const SELECT_FIRST = 100;
const ROW_HEIGHT = 40;
const DATA_COLUMN_WIDTH = 136;

interface FixedColumn {
  id: "select" | "status" | "name" | "created" | "duration";
  label: string;
  width: number;
  sort?: FieldRef;
  sticky?: number;
}

const FIXED: FixedColumn[] = [
  { id: "select", label: "", width: 44, sticky: 0 },
  { id: "status", label: "Status", width: 116, sort: { entity: "attributes", key: "status" }, sticky: 44 },
  { id: "name", label: "Run", width: 220, sort: { entity: "attributes", key: "run_name" }, sticky: 160 },
  { id: "created", label: "Created", width: 124, sort: { entity: "attributes", key: "created" } },
  { id: "duration", label: "Duration", width: 92 },
];
const FIXED_WIDTH = FIXED.reduce((a, c) => a + c.width, 0);
const GROUP_LABEL: Record<string, string> = { params: "Params", metrics: "Metrics", tags: "Tags" };

/** Keeps a value until it has stopped changing for `ms` (no request for every window a fast scroll passes). */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

export function ExperimentRunsTable({
  project,
  experimentId,
  query,
  first,
  dimmed,
  columns,
  sort,
  onSort,
  selected,
  onToggle,
  onSelectMany,
}: {
  project: string;
  experimentId: number;
  query: ExperimentRunsQuery;
  /** The first window; carries the total. */
  first: ExperimentRunsPage;
  /** The first window is the previous search's, shown while the new one loads. */
  dimmed: boolean;
  columns: FieldRef[];
  sort: SortState | null;
  onSort: (sort: SortState | null) => void;
  selected: string[];
  onToggle: (runId: string) => void;
  onSelectMany: (runIds: string[]) => void;
}) {
  const router = useRouter();
  const scrollRef = useRef<HTMLDivElement>(null);
  const total = first.total;

  // Params, then metrics, then tags, each in the chooser's order.
  const dataColumns = useMemo(
    () => (["params", "metrics", "tags"] as const).flatMap((g) => columns.filter((c) => c.entity === g)),
    [columns],
  );
  const template = [...FIXED.map((c) => `${c.width}px`), ...dataColumns.map(() => `${DATA_COLUMN_WIDTH}px`)].join(" ");
  const width = FIXED_WIDTH + dataColumns.length * DATA_COLUMN_WIDTH;

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();

  // Back to the top when the search changes: its first window is what is loaded.
  const queryKey = `${query.filter}\u0000${query.orderBy ?? ""}`;
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [queryKey]);

  // The windows the visible rows fall in (the first one is always loaded by the parent).
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items[items.length - 1]?.index ?? 0;
  const wanted: number[] = [];
  for (let o = Math.floor(firstIndex / EXPERIMENT_RUNS_WINDOW) * EXPERIMENT_RUNS_WINDOW; o <= lastIndex; o += EXPERIMENT_RUNS_WINDOW) {
    if (o > 0) wanted.push(o);
  }
  const settledKey = useSettled(wanted.join(","), 120);
  const offsets = useMemo(() => (settledKey ? settledKey.split(",").map(Number) : []), [settledKey]);
  const windows = useExperimentRunWindows(project, experimentId, query, offsets, !dimmed);
  const byOffset = new Map(offsets.map((o, i) => [o, windows[i]?.data]));
  const rowAt = (index: number): ExperimentRun | null => {
    const offset = Math.floor(index / EXPERIMENT_RUNS_WINDOW) * EXPERIMENT_RUNS_WINDOW;
    const page = offset === 0 ? first : byOffset.get(offset);
    return page?.items[index - offset] ?? null;
  };
  const windowError = windows.find((w) => w.error)?.error;

  const firstIds = first.items.slice(0, SELECT_FIRST).map((r) => r.id);
  const selectedSet = new Set(selected);
  const allFirstSelected = firstIds.length > 0 && firstIds.every((x) => selectedSet.has(x));

  const sortDir = (field: FieldRef | undefined): "ascending" | "descending" | "none" => {
    if (!field) return "none";
    if (sort) return sameField(sort.field, field) ? (sort.desc ? "descending" : "ascending") : "none";
    // The API's default order: newest first.
    return field.entity === "attributes" && field.key === "created" ? "descending" : "none";
  };

  const groups = (["params", "metrics", "tags"] as const)
    .map((g) => ({ g, n: dataColumns.filter((c) => c.entity === g).length }))
    .filter((x) => x.n > 0);

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <div
        ref={scrollRef}
        className="relative min-h-0 flex-1 overflow-auto overscroll-contain"
        role="table"
        aria-label="Runs"
        aria-rowcount={total + 2}
        aria-colcount={FIXED.length + dataColumns.length}
        data-testid="experiment-runs"
      >
        {/* Sticky header: group labels, then column labels. */}
        <div className="sticky top-0 z-20 border-b border-slate-200 bg-slate-50 text-xs text-slate-500" style={{ width }} role="rowgroup">
          <div className="grid h-6" style={{ gridTemplateColumns: template }} aria-hidden="true">
            <div className="sticky left-0 z-10 bg-slate-50" style={{ gridColumn: `span ${FIXED.length}` }} />
            {groups.map(({ g, n }) => (
              <div
                key={g}
                style={{ gridColumn: `span ${n}` }}
                className="flex items-end border-l border-slate-200 px-3 text-[10px] font-semibold tracking-wide text-slate-400 uppercase"
              >
                {GROUP_LABEL[g]}
              </div>
            ))}
          </div>
          <div className="grid h-9" style={{ gridTemplateColumns: template }} role="row" aria-rowindex={1}>
            {FIXED.map((c) =>
              c.id === "select" ? (
                <HeaderCell key={c.id} sticky={c.sticky} ariaSort="none">
                  <input
                    type="checkbox"
                    aria-label={allFirstSelected || selected.length > 0 ? "Clear selection" : `Select the first ${Math.min(SELECT_FIRST, total)} runs`}
                    title={selected.length > 0 ? "Clear selection" : `Select the first ${Math.min(SELECT_FIRST, total)} runs`}
                    checked={allFirstSelected}
                    ref={(el) => {
                      if (el) el.indeterminate = selected.length > 0 && !allFirstSelected;
                    }}
                    onChange={() => onSelectMany(selected.length > 0 ? [] : firstIds)}
                    className="size-4 cursor-pointer rounded border-slate-300 accent-indigo-600"
                  />
                </HeaderCell>
              ) : (
                <HeaderCell key={c.id} sticky={c.sticky} ariaSort={sortDir(c.sort)}>
                  {c.sort ? <SortButton label={c.label} dir={sortDir(c.sort)} onClick={() => onSort(nextSort(sort, c.sort!))} /> : c.label}
                </HeaderCell>
              ),
            )}
            {dataColumns.map((c, i) => {
              const groupStart = i === 0 || dataColumns[i - 1]!.entity !== c.entity;
              return (
                <HeaderCell key={formatField(c)} ariaSort={sortDir(c)} className={cn(groupStart && "border-l border-slate-200")}>
                  <SortButton
                    label={c.key}
                    title={formatField(c)}
                    mono
                    dir={sortDir(c)}
                    onClick={() => onSort(nextSort(sort, c))}
                  />
                </HeaderCell>
              );
            })}
          </div>
        </div>

        <div
          role="rowgroup"
          className={cn("relative transition-opacity", dimmed && "opacity-60")}
          style={{ height: virtualizer.getTotalSize(), width }}
        >
          {items.map((item) => {
            const run = rowAt(item.index);
            const style: CSSProperties = {
              gridTemplateColumns: template,
              height: item.size,
              transform: `translateY(${item.start}px)`,
              width,
            };
            if (!run) {
              return (
                <div
                  key={`placeholder-${item.index}`}
                  role="row"
                  aria-rowindex={item.index + 2}
                  aria-busy="true"
                  className="absolute top-0 left-0 grid items-center border-b border-slate-100"
                  style={style}
                >
                  <div className="sticky left-0 h-full bg-white" />
                  <div className="sticky left-[44px] flex h-full items-center bg-white px-3">
                    <Skeleton className="h-4 w-20 rounded-full" />
                  </div>
                  <div className="sticky left-[160px] flex h-full items-center bg-white px-3">
                    <Skeleton className="h-3.5 w-28" />
                  </div>
                  {Array.from({ length: FIXED.length - 3 + dataColumns.length }, (_, i) => (
                    <div key={i} className="px-3">
                      <Skeleton className="h-3 w-14" />
                    </div>
                  ))}
                </div>
              );
            }
            const isSelected = selectedSet.has(run.id);
            const href = runPath(project, run.id);
            return (
              <div
                key={run.id}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={isSelected}
                data-testid="experiment-run-row"
                data-run-id={run.id}
                className={cn(
                  "group absolute top-0 left-0 grid cursor-pointer items-center border-b border-slate-100 text-sm",
                  isSelected ? "bg-indigo-50" : "bg-white hover:bg-slate-50",
                )}
                style={style}
                onClick={(e) => {
                  const target = e.target as HTMLElement;
                  if (target.closest("a, input, button, label") || window.getSelection()?.toString()) return;
                  router.push(href);
                }}
              >
                <Cell sticky={0} selected={isSelected} className="justify-center px-0">
                  <input
                    type="checkbox"
                    aria-label={`Select run ${runLabel(run)}`}
                    checked={isSelected}
                    disabled={!isSelected && selected.length >= MAX_COMPARE}
                    onChange={() => onToggle(run.id)}
                    className="size-4 cursor-pointer rounded border-slate-300 accent-indigo-600"
                  />
                </Cell>
                <Cell sticky={44} selected={isSelected}>
                  <StatusBadge status={run.status} size="sm" />
                </Cell>
                <Cell sticky={160} selected={isSelected} className="border-r border-slate-100">
                  <RunNameCell project={project} run={run} href={href} />
                </Cell>
                <Cell className="text-slate-600">
                  <RelativeTime iso={run.createdAt} className="truncate" />
                </Cell>
                <Cell className="text-slate-600 tabular-nums">
                  {run.durationMs !== null ? (
                    formatDuration(run.durationMs)
                  ) : run.startedAt && !run.finishedAt ? (
                    <LiveDuration start={run.startedAt} end={null} />
                  ) : (
                    <span className="text-slate-300">—</span>
                  )}
                </Cell>
                {dataColumns.map((c, i) => {
                  const groupStart = i === 0 || dataColumns[i - 1]!.entity !== c.entity;
                  return (
                    <Cell key={formatField(c)} className={cn(groupStart && "border-l border-slate-100")}>
                      <DataCell run={run} field={c} />
                    </Cell>
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
      <div className="flex items-center justify-between gap-3 border-t border-slate-200 bg-slate-50/60 px-4 py-2 text-xs text-slate-500">
        <span className="tabular-nums">
          {total > 0 ? (
            <>
              Rows {(firstIndex + 1).toLocaleString()}–{Math.min(total, lastIndex + 1).toLocaleString()} of {total.toLocaleString()}
            </>
          ) : null}
        </span>
        {windowError ? (
          <span className="text-red-600" role="alert">
            Some rows could not be loaded: {windowError.message}
          </span>
        ) : selected.length > 0 ? (
          <span>
            {selected.length} selected{selected.length >= MAX_COMPARE ? ` (at most ${MAX_COMPARE} can be compared)` : ""}
          </span>
        ) : (
          <span>Select runs to compare them</span>
        )}
      </div>
    </div>
  );
}

function HeaderCell({
  children,
  sticky,
  ariaSort,
  className,
}: {
  children: ReactNode;
  sticky?: number;
  ariaSort: "ascending" | "descending" | "none";
  className?: string;
}) {
  return (
    <div
      role="columnheader"
      aria-sort={ariaSort}
      className={cn("flex min-w-0 items-center px-3 font-medium", sticky !== undefined && "sticky z-10 bg-slate-50", className)}
      style={sticky !== undefined ? { left: sticky } : undefined}
    >
      {children}
    </div>
  );
}

function SortButton({
  label,
  title,
  dir,
  mono,
  onClick,
}: {
  label: string;
  title?: string;
  dir: "ascending" | "descending" | "none";
  mono?: boolean;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      onClick={onClick}
      title={title ? `Sort by ${title}` : `Sort by ${label.toLowerCase()}`}
      className={cn(
        "-mx-1 flex min-w-0 items-center gap-1 rounded px-1 py-0.5 hover:bg-slate-200/60 hover:text-slate-800",
        dir !== "none" && "text-slate-900",
      )}
    >
      <span className={cn("truncate", mono && "font-mono text-[12px]")}>{label}</span>
      {dir === "descending" ? (
        <ArrowDownIcon className="shrink-0 text-indigo-600" />
      ) : dir === "ascending" ? (
        <ArrowUpIcon className="shrink-0 text-indigo-600" />
      ) : null}
    </button>
  );
}

function Cell({
  children,
  sticky,
  selected,
  className,
}: {
  children: ReactNode;
  sticky?: number;
  selected?: boolean;
  className?: string;
}) {
  return (
    <div
      role="cell"
      className={cn(
        "flex h-full min-w-0 items-center px-3",
        sticky !== undefined && cn("sticky z-[1]", selected ? "bg-indigo-50" : "bg-white group-hover:bg-slate-50"),
        className,
      )}
      style={sticky !== undefined ? { left: sticky } : undefined}
    >
      {children}
    </div>
  );
}

function RunNameCell({ project, run, href }: { project: string; run: ExperimentRun; href: string }) {
  return (
    <div className="flex min-w-0 items-center gap-1.5">
      <Link
        href={href}
        className={cn("truncate font-medium text-indigo-600 hover:underline", !run.name && "font-mono text-[13px]")}
        title={run.name ? `${run.name} (${run.id})` : run.id}
      >
        {runLabel(run)}
      </Link>
      {run.origin ? (
        <Link
          href={runPath(project, run.origin.runId)}
          className="shrink-0 text-slate-400 hover:text-indigo-600"
          title={`${run.origin.kind === "rerun" ? "Rerun" : "Retry"} of ${shortId(run.origin.runId)}`}
          aria-label={`${run.origin.kind === "rerun" ? "Rerun" : "Retry"} of run ${shortId(run.origin.runId)}`}
        >
          <RerunIcon />
        </Link>
      ) : null}
      {run.source === "mlflow" ? (
        <span className="shrink-0 rounded bg-sky-50 px-1 py-px text-[10px] font-medium text-sky-700 ring-1 ring-sky-200 ring-inset">MLflow</span>
      ) : null}
    </div>
  );
}

function metricTitle(key: string, m: MetricSummary): string {
  return `${key}\nlast ${formatNumber(m.last)} (step ${m.step})\nmin ${formatNumber(m.min)} · max ${formatNumber(m.max)}\n${m.count.toLocaleString()} point${m.count === 1 ? "" : "s"}`;
}

function DataCell({ run, field }: { run: ExperimentRun; field: FieldRef }) {
  if (field.entity === "metrics") {
    const m = run.metrics[field.key];
    if (!m) return <span className="text-slate-300">—</span>;
    return (
      <div className="min-w-0 leading-tight" title={metricTitle(field.key, m)}>
        <div className="truncate font-mono text-[13px] text-slate-900 tabular-nums">{formatNumber(m.last)}</div>
        {m.count > 1 ? (
          <div className="hidden truncate font-mono text-[10px] text-slate-400 tabular-nums group-hover:block">
            {formatNumber(m.min)} – {formatNumber(m.max)}
          </div>
        ) : null}
      </div>
    );
  }
  const value = field.entity === "params" ? run.params[field.key] : run.tags[field.key];
  if (value === undefined) return <span className="text-slate-300">—</span>;
  const text = formatValue(value);
  return (
    <span className="truncate font-mono text-[12px] text-slate-700" title={`${field.key} = ${text}`}>
      {text}
    </span>
  );
}
