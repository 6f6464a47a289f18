"use client";

import Link from "next/link";
import { cn } from "@/lib/cn";
import { shortId } from "@/lib/format";
import { useScheduledRuns } from "@/lib/queries";
import { runPath } from "@/lib/route-params";
import { formatInZone, formatIntervalRange } from "@/lib/schedules";
import { StatusBadge } from "../status-badge";
import { Button } from "../ui/button";
import { Card, CardHeader, EmptyState, ErrorState, Spinner, TableSkeleton } from "../ui/feedback";
import { HistoryIcon } from "../ui/icons";
import { ScheduledRunStateBadge as StateBadge } from "./schedule-badges";

/** Every decided fire time of the schedule (and its backfills), newest first. */
export function RunHistory({ project, scheduleId, zone, busy }: { project: string; scheduleId: string; zone: string; busy: boolean }) {
  const history = useScheduledRuns(project, scheduleId, busy);
  const rows = history.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Card className="overflow-hidden">
      <CardHeader
        title={
          <span className="flex items-center gap-2">
            Run history {history.isFetching && !history.isPending ? <Spinner className="size-3 text-slate-300" /> : null}
          </span>
        }
        actions={<span className="text-xs text-slate-500">Times in {zone}</span>}
      />
      {history.isPending ? (
        <TableSkeleton rows={4} />
      ) : history.error && !history.data ? (
        <ErrorState error={history.error} onRetry={() => void history.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState icon={<HistoryIcon />} title="No runs yet" className="py-10">
          A row appears here for every fire time: started, skipped or waiting (with the reason), and for every backfill interval.
        </EmptyState>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full min-w-[900px] text-left text-sm" data-testid="schedule-runs">
            <thead className="border-b border-slate-200 bg-slate-50/80 text-xs text-slate-500">
              <tr>
                <th className="px-4 py-2.5 font-medium">Logical time</th>
                <th className="px-4 py-2.5 font-medium">Data interval</th>
                <th className="px-4 py-2.5 font-medium">State</th>
                <th className="px-4 py-2.5 font-medium">Run</th>
                <th className="px-4 py-2.5 font-medium">Reason</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((r) => (
                <tr key={r.id} data-testid="scheduled-run-row" data-state={r.state} data-backfill={r.backfillId ?? undefined} className={cn(r.backfillId && "bg-indigo-50/30")}>
                  <td className="px-4 py-2.5 whitespace-nowrap">
                    <span className="flex items-center gap-2">
                      <time dateTime={r.logicalTime} className="text-slate-800">
                        {formatInZone(r.logicalTime, zone)}
                      </time>
                      {r.backfillId ? (
                        <span className="rounded bg-indigo-100 px-1.5 py-px text-[10px] font-semibold tracking-wide text-indigo-700 uppercase" title={`Backfill ${r.backfillId}`}>
                          Backfill
                        </span>
                      ) : null}
                    </span>
                  </td>
                  <td className="px-4 py-2.5 text-xs whitespace-nowrap text-slate-500">
                    {r.intervalStart === r.intervalEnd ? "—" : formatIntervalRange(r.intervalStart, r.intervalEnd, zone)}
                  </td>
                  <td className="px-4 py-2.5">
                    <StateBadge state={r.state} />
                  </td>
                  <td className="px-4 py-2.5 whitespace-nowrap">
                    {r.run ? (
                      <Link href={runPath(project, r.run.id)} data-testid="scheduled-run-link" className="inline-flex items-center gap-2 hover:underline">
                        <StatusBadge status={r.run.status} size="sm" />
                        <span className="font-mono text-xs text-slate-600">{shortId(r.run.id)}</span>
                      </Link>
                    ) : (
                      <span className="text-xs text-slate-400">—</span>
                    )}
                  </td>
                  <td className="max-w-sm px-4 py-2.5 text-xs text-slate-500">{r.reason ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {history.hasNextPage ? (
            <div className="border-t border-slate-100 px-4 py-2.5 text-center">
              <Button size="sm" variant="ghost" disabled={history.isFetchingNextPage} onClick={() => void history.fetchNextPage()}>
                {history.isFetchingNextPage ? <Spinner className="size-3" /> : null} Load older
              </Button>
            </div>
          ) : null}
        </div>
      )}
    </Card>
  );
}
