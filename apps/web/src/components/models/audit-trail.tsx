"use client";

import { useState } from "react";
import type { ModelEvent } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatDateTime } from "@/lib/format";
import { describeEvent, policyDiff, type EventTone } from "@/lib/models";
import { useModelEvents } from "@/lib/queries";
import { RelativeTime } from "../time";
import { Button } from "../ui/button";
import { Card, CardHeader, EmptyState, ErrorState, Skeleton, Spinner } from "../ui/feedback";
import { HistoryIcon, ShieldIcon } from "../ui/icons";
import { GateResults } from "./gate-results";
import { StageBadge } from "./stage-badge";

const DOT: Record<EventTone, string> = {
  stage: "bg-emerald-500 ring-emerald-100",
  override: "bg-amber-500 ring-amber-100",
  alias: "bg-violet-500 ring-violet-100",
  policy: "bg-sky-500 ring-sky-100",
  version: "bg-indigo-500 ring-indigo-100",
  model: "bg-slate-400 ring-slate-100",
  danger: "bg-red-500 ring-red-100",
};

type Filter = "all" | "stages" | "aliases" | "versions" | "policy";
const FILTERS: [Filter, string][] = [
  ["all", "All"],
  ["stages", "Stages"],
  ["versions", "Versions"],
  ["aliases", "Aliases"],
  ["policy", "Policy"],
];
const matches = (f: Filter, e: ModelEvent) =>
  f === "all" ||
  (f === "stages" && e.kind === "stage_changed") ||
  (f === "aliases" && e.kind.startsWith("alias_")) ||
  (f === "versions" && e.kind.startsWith("version_")) ||
  (f === "policy" && (e.kind === "policy_changed" || e.kind.startsWith("model_")));

/**
 * Every change of the model, newest first, as recorded (immutably) by the API: who, when,
 * from → to, the comment, the gate results and, highlighted, the reason of an override.
 */
export function AuditTrail({ project, name }: { project: string; name: string }) {
  const events = useModelEvents(project, name);
  const [filter, setFilter] = useState<Filter>("all");
  const all = events.data?.pages.flatMap((p) => p.items) ?? [];
  const shown = all.filter((e) => matches(filter, e));

  return (
    <Card className="overflow-hidden">
      <CardHeader
        className="flex-wrap"
        title={
          <span className="flex items-center gap-1.5">
            <HistoryIcon className="text-slate-400" /> Audit trail
            {events.isFetching && !events.isPending ? <Spinner className="size-3 text-slate-300" /> : null}
          </span>
        }
        actions={
          <div className="flex rounded-lg bg-slate-100 p-0.5" role="tablist" aria-label="Show events">
            {FILTERS.map(([key, label]) => (
              <button
                key={key}
                type="button"
                role="tab"
                aria-selected={filter === key}
                onClick={() => setFilter(key)}
                className={cn(
                  "rounded-md px-2 py-0.5 text-xs font-medium transition-colors",
                  filter === key ? "bg-white text-slate-900 shadow-xs" : "text-slate-500 hover:text-slate-800",
                )}
              >
                {label}
              </button>
            ))}
          </div>
        }
      />
      {events.isPending ? (
        <div className="space-y-5 px-5 py-5" aria-busy="true" aria-label="Loading the audit trail">
          {[0, 1, 2].map((i) => (
            <div key={i} className="flex gap-3">
              <Skeleton className="size-3 rounded-full" />
              <div className="flex-1 space-y-2">
                <Skeleton className="h-4 w-2/3" />
                <Skeleton className="h-3 w-1/3" />
              </div>
            </div>
          ))}
        </div>
      ) : events.error ? (
        <ErrorState error={events.error} onRetry={() => void events.refetch()} />
      ) : shown.length === 0 ? (
        <EmptyState icon={<HistoryIcon />} title={all.length === 0 ? "No events yet" : "No such events"}>
          {all.length === 0 ? "Registrations, stage changes, aliases and policy changes appear here." : "None of the loaded events is of this kind."}
        </EmptyState>
      ) : (
        <ol className="px-5 py-4" data-testid="audit-trail">
          {shown.map((e, i) => (
            <EventItem key={e.id} event={e} last={i === shown.length - 1} />
          ))}
        </ol>
      )}
      {events.hasNextPage ? (
        <div className="border-t border-slate-100 px-5 py-3 text-center">
          <Button size="sm" onClick={() => void events.fetchNextPage()} disabled={events.isFetchingNextPage}>
            {events.isFetchingNextPage ? <Spinner className="size-3" /> : null} Load older events
          </Button>
        </div>
      ) : null}
    </Card>
  );
}

function EventItem({ event: e, last }: { event: ModelEvent; last: boolean }) {
  const { text, tone } = describeEvent(e);
  const diff = e.kind === "policy_changed" ? policyDiff(e.details ?? {}) : null;
  return (
    <li className="relative flex gap-3.5 pb-5" data-testid="audit-event" data-kind={e.kind} data-version={e.version ?? undefined}>
      {!last ? <span className="absolute top-4 bottom-0 left-[5px] w-px bg-slate-200" aria-hidden="true" /> : null}
      <span className={cn("relative mt-1.5 size-[11px] shrink-0 rounded-full ring-4", DOT[tone])} aria-hidden="true" />
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-0.5">
          <p className="text-sm text-slate-700">
            <span className="font-semibold text-slate-900" data-testid="audit-actor">
              {e.actor || "anonymous"}
            </span>{" "}
            {text}
          </p>
          <span className="text-xs whitespace-nowrap text-slate-500" title={formatDateTime(e.at)}>
            <RelativeTime iso={e.at} /> · {formatDateTime(e.at)}
          </span>
        </div>
        {e.kind === "stage_changed" && e.fromStage && e.toStage ? (
          <p className="mt-1 flex items-center gap-1.5">
            <StageBadge stage={e.fromStage} size="sm" />
            <span className="text-slate-400" aria-label="to">
              →
            </span>
            <StageBadge stage={e.toStage} size="sm" />
          </p>
        ) : null}
        {e.comment ? (
          <blockquote className="mt-1.5 border-l-2 border-slate-300 pl-3 text-sm whitespace-pre-wrap text-slate-600" data-testid="audit-comment">
            {e.comment}
          </blockquote>
        ) : null}
        {e.overrideReason ? (
          <div className="mt-2 rounded-lg border border-amber-300 bg-amber-50 px-3 py-2" data-testid="audit-override">
            <p className="flex items-center gap-1.5 text-xs font-semibold text-amber-900">
              <ShieldIcon /> Gates overridden
              <span className="rounded bg-amber-200/70 px-1.5 py-px text-[10px] font-semibold tracking-wide uppercase">Admin action</span>
            </p>
            <p className="mt-1 text-sm whitespace-pre-wrap text-amber-900">{e.overrideReason}</p>
          </div>
        ) : null}
        {e.gateResults && e.gateResults.length > 0 ? (
          <div className="mt-2 max-w-2xl">
            <GateResults results={e.gateResults} compact />
          </div>
        ) : null}
        {diff && (diff.added.length > 0 || diff.removed.length > 0) ? (
          <ul className="mt-1.5 space-y-0.5 font-mono text-[12px]">
            {diff.removed.map((g) => (
              <li key={`-${g}`} className="text-red-700">
                − {g}
              </li>
            ))}
            {diff.added.map((g) => (
              <li key={`+${g}`} className="text-emerald-700">
                + {g}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </li>
  );
}
