"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import { ApiError } from "@/lib/api";
import type { Schedule } from "@/lib/api-types";
import { isActiveRunStatus } from "@/lib/api-types";
import { formatRelative, formatValue } from "@/lib/format";
import { useProjectRole } from "@/lib/project-role";
import { useDeleteSchedule, usePipeline, useSchedule } from "@/lib/queries";
import { projectPath, runPath } from "@/lib/route-params";
import { concurrencyLabel, describeInterval, formatInZone, triggerZone } from "@/lib/schedules";
import { useNow } from "@/lib/use-now";
import { PageContainer, PageHeader } from "./page-header";
import { BackfillDialog, BackfillsSection } from "./schedules/backfills";
import { PauseResumeButton } from "./schedules/pause-resume";
import { RunHistory } from "./schedules/run-history";
import { ActiveBadge, PausedBadge, VersionBadge } from "./schedules/schedule-badges";
import { ScheduleFormDialog } from "./schedules/schedule-form";
import { StatusBadge } from "./status-badge";
import { Button } from "./ui/button";
import { Dialog } from "./ui/dialog";
import { Card, ErrorMessage, ErrorState, Skeleton, Spinner } from "./ui/feedback";
import { CalendarIcon, ClockIcon, PencilIcon, TrashIcon } from "./ui/icons";

/** One schedule: when it fires next, its settings, its run history and its backfills. */
export function ScheduleView({ project, id }: { project: string; id: string }) {
  const schedule = useSchedule(project, id);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [backfilling, setBackfilling] = useState(false);
  const canEdit = useProjectRole(project).can("edit");
  const breadcrumb = (
    <Link href={projectPath(project, "schedules")} className="hover:text-slate-800">
      Schedules
    </Link>
  );

  if (schedule.isPending) return <ScheduleSkeleton breadcrumb={breadcrumb} />;
  if (!schedule.data) {
    const notFound = schedule.error instanceof ApiError && schedule.error.isNotFound;
    return (
      <PageContainer>
        <PageHeader breadcrumb={breadcrumb} title="Schedule" />
        <Card>
          <ErrorState error={schedule.error} title={notFound ? "Schedule not found" : undefined} onRetry={() => void schedule.refetch()} />
          {notFound ? (
            <p className="-mt-6 pb-8 text-center">
              <Link href={projectPath(project, "schedules")} className="text-sm font-medium text-indigo-600 hover:underline">
                ← All schedules
              </Link>
            </p>
          ) : null}
        </Card>
      </PageContainer>
    );
  }

  const s = schedule.data;
  const zone = triggerZone(s.trigger);
  const busy = s.activeBackfills > 0 || (!!s.lastRun && isActiveRunStatus(s.lastRun.status));

  return (
    <PageContainer>
      <PageHeader
        breadcrumb={breadcrumb}
        title={
          <>
            <CalendarIcon className="text-indigo-500" />
            <span className="break-all" data-testid="schedule-name">
              {s.name}
            </span>
            {s.paused ? <PausedBadge /> : <ActiveBadge />}
            {schedule.isFetching ? <Spinner className="size-3.5 text-slate-300" /> : null}
          </>
        }
        description={
          <span className="flex flex-wrap items-center gap-x-2 gap-y-1">
            <span className="font-medium text-slate-700 first-letter:uppercase" data-testid="schedule-description">
              {s.description}
            </span>
            <span className="text-slate-300">·</span>
            <Link href={projectPath(project, "pipelines", s.pipeline)} className="font-mono text-[13px] text-slate-700 hover:text-indigo-600 hover:underline">
              {s.pipeline}
            </Link>
            <PinnedVersion project={project} schedule={s} />
          </span>
        }
        actions={
          <>
            <PauseResumeButton project={project} schedule={s} />
            {canEdit ? (
              <>
                <Button onClick={() => setEditing(true)} data-testid="edit-schedule">
                  <PencilIcon /> Edit
                </Button>
                <Button variant="danger-outline" onClick={() => setDeleting(true)} aria-label="Delete schedule">
                  <TrashIcon />
                </Button>
              </>
            ) : null}
          </>
        }
      />
      {schedule.error ? (
        <div className="mb-4 rounded-lg border border-amber-200 bg-amber-50 px-3 py-1.5 text-xs text-amber-800" role="status">
          Could not refresh: {schedule.error.message}
        </div>
      ) : null}

      <div className="mb-5 grid gap-4 lg:grid-cols-[minmax(0,1fr)_minmax(0,1.2fr)]">
        <NextRuns schedule={s} zone={zone} />
        <Settings project={project} schedule={s} zone={zone} />
      </div>

      <div className="space-y-5">
        <BackfillsSection project={project} scheduleId={s.id} zone={zone} onOpen={() => setBackfilling(true)} />
        <RunHistory project={project} scheduleId={s.id} zone={zone} busy={busy} />
      </div>

      <ScheduleFormDialog project={project} schedule={s} open={editing} onClose={() => setEditing(false)} />
      <BackfillDialog project={project} scheduleId={s.id} zone={zone} open={backfilling} onClose={() => setBackfilling(false)} />
      <DeleteScheduleDialog project={project} schedule={s} open={deleting} onClose={() => setDeleting(false)} />
    </PageContainer>
  );
}

/** "latest (v4)" or "v3 pinned (latest is v4)". */
function PinnedVersion({ project, schedule: s }: { project: string; schedule: Schedule }) {
  const detail = usePipeline(project, s.pipeline);
  const latest = detail.data?.pipeline.latestVersion;
  return (
    <span className="inline-flex items-center gap-1.5">
      <VersionBadge version={s.version} latest={latest} />
      {latest ? (
        <span className="text-xs text-slate-500">{s.version === null ? `currently v${latest}` : s.version < latest ? `latest is v${latest}` : null}</span>
      ) : null}
    </span>
  );
}

function NextRuns({ schedule: s, zone }: { schedule: Schedule; zone: string }) {
  const now = useNow(15_000);
  return (
    <Card className="p-4">
      <h2 className="mb-2 flex items-center gap-1.5 text-sm font-semibold text-slate-800">
        <ClockIcon className="text-slate-400" /> Next runs
        <span className="font-normal text-slate-400">· {zone}</span>
      </h2>
      {s.nextFireTimes.length === 0 ? (
        <p className="text-sm text-slate-500">
          {s.paused
            ? `Paused: nothing runs until it is resumed${s.catchup ? " (then the fire times missed meanwhile run too: catchup is on)" : ""}. Backfills still run.`
            : s.endAt && Date.parse(s.endAt) <= now
              ? "The schedule has ended."
              : "No fire time ahead."}
        </p>
      ) : (
        <ol className="space-y-1" data-testid="schedule-next-fire-times">
          {s.nextFireTimes.map((t, i) => (
            <li key={t} className="flex items-baseline justify-between gap-3 text-sm">
              <time dateTime={t} className={i === 0 ? "font-medium text-slate-900" : "text-slate-600"}>
                {formatInZone(t, zone)}
              </time>
              <span className="shrink-0 text-xs text-slate-400">{formatRelative(t, now)}</span>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex gap-3 py-1.5">
      <dt className="w-32 shrink-0 text-slate-500">{label}</dt>
      <dd className="min-w-0 text-slate-800">{children}</dd>
    </div>
  );
}

function Settings({ project, schedule: s, zone }: { project: string; schedule: Schedule; zone: string }) {
  const params = Object.entries(s.params);
  return (
    <Card className="p-4">
      <h2 className="mb-1 text-sm font-semibold text-slate-800">Settings</h2>
      <dl className="divide-y divide-slate-100 text-sm">
        <Row label="Trigger">
          <code className="font-mono text-[13px]">{s.trigger.kind === "cron" ? `${s.trigger.cron}  (${s.trigger.timezone})` : `every ${describeInterval(s.trigger.everySeconds).replace(/^every /, "")} (${s.trigger.everySeconds} s), from the start time`}</code>
        </Row>
        <Row label="Active">
          from {formatInZone(s.startAt, zone)}
          {s.endAt ? ` until ${formatInZone(s.endAt, zone)}` : ", no end"}
        </Row>
        <Row label="Concurrency">
          {concurrencyLabel(s.concurrency)}
          {s.concurrency !== "skip" ? <span className="text-slate-500"> · at most {s.maxConcurrent} at once</span> : null}
        </Row>
        <Row label="Catchup">{s.catchup ? "On: missed fire times run when Trellis comes back or the schedule resumes" : "Off: missed fire times are not run (use a backfill)"}</Row>
        <Row label="Last run">
          {s.lastRun ? (
            <Link href={runPath(project, s.lastRun.runId)} className="inline-flex items-center gap-2 hover:underline">
              <StatusBadge status={s.lastRun.status} size="sm" />
              <span className="text-xs text-slate-500">for {formatInZone(s.lastRun.logicalTime, zone)}</span>
            </Link>
          ) : (
            <span className="text-slate-400">None yet</span>
          )}
        </Row>
        <Row label="Parameters">
          {params.length === 0 ? (
            <span className="text-slate-400">Defaults</span>
          ) : (
            <span className="flex flex-wrap gap-1">
              {params.map(([k, v]) => (
                <code key={k} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-[12px] break-all text-slate-700">
                  {k}={formatValue(v)}
                </code>
              ))}
            </span>
          )}
        </Row>
      </dl>
    </Card>
  );
}

function DeleteScheduleDialog({ project, schedule, open, onClose }: { project: string; schedule: Schedule; open: boolean; onClose: () => void }) {
  const router = useRouter();
  const del = useDeleteSchedule(project, schedule.id);
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={`Delete ${schedule.name}?`}
      description="No further runs start, and its running backfills stop starting runs."
      footer={
        <>
          <Button variant="ghost" onClick={onClose} disabled={del.isPending}>
            Cancel
          </Button>
          <Button
            variant="danger"
            disabled={del.isPending}
            onClick={() =>
              del.mutate(undefined, {
                onSuccess: () => {
                  onClose();
                  router.push(projectPath(project, "schedules"));
                },
              })
            }
          >
            {del.isPending ? <Spinner className="size-3.5" /> : <TrashIcon />} Delete schedule
          </Button>
        </>
      }
    >
      {del.error ? <ErrorMessage error={del.error} /> : <p className="text-sm text-slate-600">Runs it already started are kept, with their results.</p>}
    </Dialog>
  );
}

function ScheduleSkeleton({ breadcrumb }: { breadcrumb: ReactNode }) {
  return (
    <PageContainer>
      <PageHeader breadcrumb={breadcrumb} title={<Skeleton className="h-6 w-56" />} description={<Skeleton className="mt-1 h-4 w-80" />} />
      <div className="mb-5 grid gap-4 lg:grid-cols-2">
        <Skeleton className="h-40 w-full rounded-xl" />
        <Skeleton className="h-40 w-full rounded-xl" />
      </div>
      <Skeleton className="h-64 w-full rounded-xl" />
    </PageContainer>
  );
}
