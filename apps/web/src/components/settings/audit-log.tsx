"use client";

import type { InfiniteData, UseInfiniteQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import type { AuditEvent, AuditPage } from "@/lib/access-api";
import { describeAuditAction, displayIp, summarizeDetails, type AuditTone } from "@/lib/access-format";
import { cn } from "@/lib/cn";
import { RelativeTime } from "../time";
import { Button } from "../ui/button";
import { Card, CardHeader, EmptyState, Spinner, TableSkeleton } from "../ui/feedback";
import { HistoryIcon } from "../ui/icons";
import { AccessErrorState } from "./shared";

const TONE: Record<AuditTone, string> = {
  auth: "bg-sky-50 text-sky-700 ring-sky-200",
  danger: "bg-red-50 text-red-700 ring-red-200",
  create: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  change: "bg-amber-50 text-amber-800 ring-amber-200",
  neutral: "bg-slate-50 text-slate-700 ring-slate-200",
};

function ActionBadge({ action }: { action: string }) {
  const { text, tone } = describeAuditAction(action);
  return (
    <span className={cn("inline-flex items-center rounded-full px-2 py-0.5 text-[11px] font-medium whitespace-nowrap ring-1 ring-inset", TONE[tone])} title={action} data-action={action}>
      {text}
    </span>
  );
}

/**
 * An audit log (a project's or the instance's), newest first, page by page: who did what to
 * what, from where. The log is append-only; "Load more" follows the API's cursor.
 */
export function AuditLog({
  query,
  title = "Audit log",
  description,
  forbidden,
  emptyText,
  showProject = false,
}: {
  query: UseInfiniteQueryResult<InfiniteData<AuditPage>>;
  title?: string;
  description?: ReactNode;
  /** What to show when the caller may not read this log. */
  forbidden: ReactNode;
  emptyText: ReactNode;
  /** The instance log spans projects: name each event's. */
  showProject?: boolean;
}) {
  const events = query.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card className="overflow-hidden">
      <CardHeader
        title={
          <span className="flex items-center gap-1.5">
            <HistoryIcon className="text-slate-400" /> {title}
            {query.isFetching && !query.isPending && !query.isFetchingNextPage ? <Spinner className="size-3 text-slate-300" /> : null}
          </span>
        }
        actions={
          <Button size="sm" variant="ghost" onClick={() => void query.refetch()} disabled={query.isFetching}>
            Refresh
          </Button>
        }
      />
      {description ? <p className="border-b border-slate-100 px-4 py-2 text-xs text-slate-500">{description}</p> : null}
      {query.isPending ? (
        <TableSkeleton rows={5} />
      ) : query.error && events.length === 0 ? (
        <AccessErrorState error={query.error} forbidden={forbidden} next="" onRetry={() => void query.refetch()} />
      ) : events.length === 0 ? (
        <EmptyState icon={<HistoryIcon />} title="No events yet">
          {emptyText}
        </EmptyState>
      ) : (
        <>
          <AuditTable events={events} showProject={showProject} />
          <AuditList events={events} showProject={showProject} />
        </>
      )}
      {query.hasNextPage ? (
        <div className="border-t border-slate-100 px-4 py-3 text-center">
          <Button size="sm" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage} data-testid="audit-load-more">
            {query.isFetchingNextPage ? <Spinner className="size-3" /> : null} Load more
          </Button>
        </div>
      ) : events.length > 0 ? (
        <p className="border-t border-slate-100 px-4 py-2 text-center text-xs text-slate-400">That is every event.</p>
      ) : null}
    </Card>
  );
}

/** Phones: one event per item, in a sentence ("ada@… created token ci"), details and origin below. */
function ProjectOf({ event, show }: { event: AuditEvent; show: boolean }) {
  return show && event.project ? <span className="font-normal text-slate-500"> · {event.project}</span> : null;
}

function AuditList({ events, showProject }: { events: AuditEvent[]; showProject: boolean }) {
  return (
    <ul className="divide-y divide-slate-100 sm:hidden" data-testid="audit-list">
      {events.map((e) => {
        const details = summarizeDetails(e.details);
        return (
          <li key={e.id} className="px-4 py-2.5 text-sm" data-testid="audit-item" data-action={e.action}>
            <p className="break-words text-slate-800">
              {e.actor} <ActionBadge action={e.action} /> <span className="font-medium text-slate-900">{e.target}</span>
              <ProjectOf event={e} show={showProject} />
            </p>
            {details ? <p className="mt-0.5 text-xs break-words text-slate-500">{details}</p> : null}
            <p className="mt-0.5 text-xs text-slate-400">
              <RelativeTime iso={e.at} /> · <span className="font-mono">{displayIp(e.ip)}</span>
            </p>
          </li>
        );
      })}
    </ul>
  );
}

function AuditTable({ events, showProject }: { events: AuditEvent[]; showProject: boolean }) {
  return (
    <div className="relative hidden overflow-x-auto sm:block">
      <table className="w-full min-w-[900px] text-left text-sm" data-testid="audit-log">
        <thead className="border-b border-slate-200 bg-slate-50/80 text-xs text-slate-500">
          <tr>
            <th className="px-4 py-2.5 font-medium">Time</th>
            <th className="px-4 py-2.5 font-medium">Actor</th>
            <th className="px-4 py-2.5 font-medium">Action</th>
            <th className="px-4 py-2.5 font-medium">Target</th>
            <th className="px-4 py-2.5 font-medium">Details</th>
            <th className="px-4 py-2.5 font-medium">IP</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {events.map((e) => {
            const details = summarizeDetails(e.details);
            return (
              <tr key={e.id} data-testid="audit-row" data-action={e.action} className="align-top">
                <td className="px-4 py-2.5 whitespace-nowrap text-slate-600">
                  <RelativeTime iso={e.at} />
                </td>
                <td className="max-w-[14rem] px-4 py-2.5 break-words text-slate-800">{e.actor}</td>
                <td className="px-4 py-2.5">
                  <ActionBadge action={e.action} />
                </td>
                <td className="max-w-[14rem] px-4 py-2.5 font-medium break-words text-slate-900">{e.target || <span className="text-slate-400">—</span>}
                  <ProjectOf event={e} show={showProject} />
                </td>
                <td className="max-w-[22rem] px-4 py-2.5 text-xs break-words text-slate-500" title={details ? JSON.stringify(e.details, null, 2) : undefined}>
                  {details || <span className="text-slate-300">—</span>}
                </td>
                <td className="px-4 py-2.5 font-mono text-xs whitespace-nowrap text-slate-500">{displayIp(e.ip)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
