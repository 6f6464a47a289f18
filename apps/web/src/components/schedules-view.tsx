"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Schedule } from "@/lib/api-types";
import { pluralize } from "@/lib/format";
import { useProjectRole } from "@/lib/project-role";
import { useSchedules } from "@/lib/queries";
import { projectPath, runPath, schedulePath } from "@/lib/route-params";
import { concurrencyLabel, formatInZone, triggerZone } from "@/lib/schedules";
import { PageContainer, PageHeader } from "./page-header";
import { ScheduleFormDialog } from "./schedules/schedule-form";
import { NextFire, PausedBadge, VersionBadge } from "./schedules/schedule-badges";
import { PauseResumeButton } from "./schedules/pause-resume";
import { StatusBadge } from "./status-badge";
import { Button } from "./ui/button";
import { Card, ErrorState, Spinner, TableSkeleton } from "./ui/feedback";
import { CalendarIcon, PlusIcon } from "./ui/icons";

/** The project's schedules: what runs when, on which pipeline version, and how the last run went. */
export function SchedulesView({ project }: { project: string }) {
  const [newOpen, setNewOpen] = useState(false);
  const canEdit = useProjectRole(project).can("edit");
  const { data, error, isPending, isFetching, refetch } = useSchedules(project);
  const items = data?.items ?? [];

  return (
    <PageContainer>
      <PageHeader
        title={
          <>
            Schedules
            {isFetching && !isPending ? <Spinner className="size-3.5 text-slate-300" /> : null}
          </>
        }
        description="Recurring runs of a pipeline on a cron expression or a fixed interval. Each fire time runs exactly once; backfills run past intervals."
        actions={
          items.length > 0 && canEdit ? (
            <Button variant="primary" onClick={() => setNewOpen(true)}>
              <PlusIcon /> New schedule
            </Button>
          ) : null
        }
      />
      <Card className="overflow-hidden">
        {isPending ? (
          <TableSkeleton />
        ) : error && !data ? (
          <ErrorState error={error} onRetry={() => void refetch()} />
        ) : items.length === 0 ? (
          <NoSchedules project={project} onNew={canEdit ? () => setNewOpen(true) : null} />
        ) : (
          <SchedulesTable project={project} items={items} />
        )}
      </Card>
      <ScheduleFormDialog project={project} open={newOpen} onClose={() => setNewOpen(false)} />
    </PageContainer>
  );
}

function SchedulesTable({ project, items }: { project: string; items: Schedule[] }) {
  const router = useRouter();
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[1040px] text-left text-sm" data-testid="schedules-table">
        <thead className="border-b border-slate-200 bg-slate-50/80 text-xs text-slate-500">
          <tr>
            <th className="px-4 py-2.5 font-medium">Schedule</th>
            <th className="px-4 py-2.5 font-medium">Pipeline</th>
            <th className="px-4 py-2.5 font-medium">Trigger</th>
            <th className="px-4 py-2.5 font-medium">Next run</th>
            <th className="px-4 py-2.5 font-medium">Last run</th>
            <th className="px-4 py-2.5 font-medium">Concurrency</th>
            <th className="px-4 py-2.5 font-medium">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {items.map((s) => {
            const href = schedulePath(project, s.id);
            const zone = triggerZone(s.trigger);
            return (
              <tr
                key={s.id}
                data-testid="schedule-row"
                data-schedule={s.name}
                className="cursor-pointer hover:bg-slate-50/80"
                onClick={(ev) => {
                  if ((ev.target as HTMLElement).closest("a,button") || window.getSelection()?.toString()) return;
                  router.push(href);
                }}
              >
                <td className="max-w-xs px-4 py-3">
                  <span className="flex flex-wrap items-center gap-2">
                    <Link href={href} className="font-medium break-all text-slate-900 hover:text-indigo-600">
                      {s.name}
                    </Link>
                    {s.paused ? <PausedBadge /> : null}
                    {s.activeBackfills > 0 ? (
                      <span className="rounded-full bg-indigo-50 px-2 py-0.5 text-[11px] font-medium text-indigo-700 ring-1 ring-indigo-200 ring-inset">
                        {pluralize(s.activeBackfills, "backfill")} running
                      </span>
                    ) : null}
                  </span>
                </td>
                <td className="px-4 py-3">
                  <span className="flex items-center gap-2">
                    <Link href={projectPath(project, "pipelines", s.pipeline)} className="font-mono text-[13px] whitespace-nowrap text-slate-700 hover:text-indigo-600 hover:underline">
                      {s.pipeline}
                    </Link>
                    <VersionBadge version={s.version} />
                  </span>
                </td>
                <td className="max-w-[16rem] px-4 py-3">
                  <span className="block text-slate-700 first-letter:uppercase">{s.description}</span>
                  <span className="font-mono text-[11px] text-slate-400">
                    {s.trigger.kind === "cron" ? `${s.trigger.cron} · ${s.trigger.timezone}` : "fixed interval"}
                  </span>
                </td>
                <td className="px-4 py-3 whitespace-nowrap">
                  <NextFire schedule={s} />
                </td>
                <td className="px-4 py-3 whitespace-nowrap">
                  {s.lastRun ? (
                    <Link href={runPath(project, s.lastRun.runId)} className="inline-flex flex-col items-start gap-0.5 hover:underline" title="Open the run">
                      <StatusBadge status={s.lastRun.status} size="sm" />
                      <span className="text-[11px] text-slate-500">{formatInZone(s.lastRun.logicalTime, zone)}</span>
                    </Link>
                  ) : (
                    <span className="text-xs text-slate-400">No runs yet</span>
                  )}
                </td>
                <td className="px-4 py-3 whitespace-nowrap text-slate-600">
                  {concurrencyLabel(s.concurrency)}
                  {s.concurrency !== "skip" ? <span className="text-xs text-slate-400"> · max {s.maxConcurrent}</span> : null}
                </td>
                <td className="px-4 py-3 text-right">
                  <PauseResumeButton project={project} schedule={s} size="sm" />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** `onNew`: null when the role cannot create schedules. */
function NoSchedules({ project, onNew }: { project: string; onNew: (() => void) | null }) {
  return (
    <div className="flex flex-col items-center px-6 py-14 text-center" data-testid="schedules-empty">
      <div className="mb-4 flex size-12 items-center justify-center rounded-full bg-indigo-50 text-2xl text-indigo-600">
        <CalendarIcon />
      </div>
      <h3 className="text-base font-semibold text-slate-900">No schedules yet</h3>
      <p className="mt-2 max-w-lg text-sm text-slate-500">
        Retrain on a schedule: pick a pipeline, say when it runs (a cron expression in your time zone, or every N hours), and Trellis starts one run
        per fire time — never skipped, never twice. Params can use the run&apos;s interval, e.g.{" "}
        <code className="rounded bg-slate-100 px-1 font-mono text-xs text-slate-700">{"${{ schedule.logical_date }}"}</code>.
      </p>
      {onNew ? (
        <Button variant="primary" className="mt-5" onClick={onNew}>
          <PlusIcon /> New schedule
        </Button>
      ) : null}
      <Link href={projectPath(project, "pipelines")} className="mt-3 text-xs font-medium text-indigo-600 hover:underline">
        Browse pipelines →
      </Link>
    </div>
  );
}
