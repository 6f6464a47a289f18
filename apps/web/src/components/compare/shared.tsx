"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import type { CompareRun } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { shortId } from "@/lib/format";
import { runPath } from "@/lib/route-params";
import { StatusDot } from "../status-badge";
import { Card } from "../ui/feedback";
import { XIcon } from "../ui/icons";

/** A run of the comparison with its colour (by position in the selection) and display label. */
export interface ComparedRun {
  run: CompareRun;
  color: string;
  label: string;
}

/** Width of a run's column in the params, metrics and steps tables. */
export const RUN_COLUMN = "w-[9.5rem] min-w-[9.5rem] max-w-[9.5rem]";

export function Section({
  id,
  title,
  description,
  actions,
  children,
  className,
}: {
  id: string;
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section id={id} aria-labelledby={`${id}-title`} className="scroll-mt-20">
      <Card className={cn("overflow-hidden", className)}>
        <div className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 border-b border-slate-100 px-4 py-2.5">
          <div className="min-w-0">
            <h2 id={`${id}-title`} className="text-sm font-semibold text-slate-800">
              {title}
            </h2>
            {description ? <p className="text-xs text-slate-500">{description}</p> : null}
          </div>
          {actions ? <div className="flex flex-wrap items-center gap-2">{actions}</div> : null}
        </div>
        {children}
      </Card>
    </section>
  );
}

/** The sticky header row of the params, metrics and steps tables: a row label, then one column per run. */
export function RunsTableHead({
  label,
  project,
  items,
  onRemove,
  highlighted,
  onHighlight,
}: {
  label: string;
  project: string;
  items: ComparedRun[];
  onRemove?: (id: string) => void;
  highlighted?: string | null;
  onHighlight?: (id: string | null) => void;
}) {
  return (
    <thead className="sticky top-0 z-10 bg-slate-50 text-xs text-slate-500">
      <tr>
        <th scope="col" className="sticky left-0 z-10 w-48 min-w-48 border-b border-slate-200 bg-slate-50 px-4 py-2 text-left font-medium">
          {label}
        </th>
        {items.map((item) => (
          <RunColumnHeader
            key={item.run.id}
            project={project}
            item={item}
            {...(onRemove ? { onRemove } : {})}
            highlighted={highlighted === item.run.id}
            {...(onHighlight ? { onHighlight } : {})}
          />
        ))}
      </tr>
    </thead>
  );
}

/** Column header of a run: colour, name (link), status; × removes it from the comparison. */
export function RunColumnHeader({
  project,
  item,
  onRemove,
  highlighted,
  onHighlight,
}: {
  project: string;
  item: ComparedRun;
  onRemove?: (id: string) => void;
  highlighted?: boolean;
  onHighlight?: (id: string | null) => void;
}) {
  return (
    <th
      scope="col"
      className={cn(RUN_COLUMN, "px-3 py-2 text-left align-bottom font-normal", highlighted && "bg-indigo-50/60")}
      onMouseEnter={() => onHighlight?.(item.run.id)}
      onMouseLeave={() => onHighlight?.(null)}
      data-run-id={item.run.id}
    >
      <div className="flex items-center gap-1.5">
        <span className="h-3 w-1.5 shrink-0 rounded-full" style={{ backgroundColor: item.color }} aria-hidden="true" />
        <Link
          href={runPath(project, item.run.id)}
          className={cn("min-w-0 flex-1 truncate text-[13px] font-medium text-slate-800 hover:text-indigo-600", !item.run.name && "font-mono")}
          title={item.run.name ? `${item.run.name} (${item.run.id})` : item.run.id}
        >
          {item.label}
        </Link>
        {onRemove ? (
          <button
            type="button"
            onClick={() => onRemove(item.run.id)}
            className="shrink-0 rounded p-0.5 text-slate-300 hover:bg-slate-100 hover:text-slate-700"
            aria-label={`Remove ${item.label} from the comparison`}
            title="Remove from the comparison"
          >
            <XIcon />
          </button>
        ) : null}
      </div>
      <div className="mt-0.5 flex items-center gap-1.5 pl-3 text-[11px] text-slate-500">
        <StatusDot status={item.run.status} />
        <span className="truncate">{item.run.status}</span>
        {item.run.name ? <span className="ml-auto font-mono text-slate-400">{shortId(item.run.id)}</span> : null}
      </div>
    </th>
  );
}

/** Pressed/unpressed switch with a visible label. */
export function Toggle({ checked, onChange, label, testId }: { checked: boolean; onChange: (v: boolean) => void; label: string; testId?: string }) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      onClick={() => onChange(!checked)}
      data-testid={testId}
      className="inline-flex items-center gap-2 rounded-md px-1 text-xs font-medium text-slate-600 hover:text-slate-900"
    >
      <span className={cn("relative inline-flex h-4 w-7 shrink-0 items-center rounded-full transition-colors", checked ? "bg-indigo-600" : "bg-slate-300")}>
        <span className={cn("inline-block size-3 rounded-full bg-white shadow transition-transform", checked ? "translate-x-3.5" : "translate-x-0.5")} />
      </span>
      {label}
    </button>
  );
}

export const selectClass =
  "h-8 max-w-[16rem] rounded-lg border border-slate-300 bg-white px-2 text-sm shadow-xs focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/20 focus:outline-none";
