"use client";

import { useId, useState, type FormEvent } from "react";
import { ApiError } from "@/lib/api";
import type { Backfill, BackfillInterval, BackfillState, ReprocessPolicy } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { pluralize } from "@/lib/format";
import { useProjectRole } from "@/lib/project-role";
import { useBackfills, useCancelBackfill, useCreateBackfill } from "@/lib/queries";
import { BACKFILL_SEGMENTS, REPROCESS_OPTIONS, addDays, backfillDone, backfillTotal, dayRange, formatInZone, isoToWallTime } from "@/lib/schedules";
import { RelativeTime } from "../time";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { Card, CardHeader, ErrorMessage, ErrorState, Skeleton, Spinner } from "../ui/feedback";
import { Field, fieldClass, invalidFieldClass } from "../ui/field";
import { HistoryIcon, PlayIcon, StopIcon } from "../ui/icons";

const STATE_STYLE: Record<BackfillState, string> = {
  running: "bg-blue-50 text-blue-700 ring-blue-200",
  succeeded: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  failed: "bg-red-50 text-red-700 ring-red-200",
  cancelled: "bg-amber-50 text-amber-800 ring-amber-200",
};

/** The schedule's backfills (newest first) with their progress, and the "Backfill…" button (editors and admins). */
export function BackfillsSection({ project, scheduleId, zone, onOpen }: { project: string; scheduleId: string; zone: string; onOpen: () => void }) {
  const backfills = useBackfills(project, scheduleId);
  const canEdit = useProjectRole(project).can("edit");
  const items = backfills.data?.items ?? [];
  return (
    <Card className="overflow-hidden" >
      <CardHeader
        title={
          <span className="flex items-center gap-2">
            Backfills {backfills.isFetching && !backfills.isPending ? <Spinner className="size-3 text-slate-300" /> : null}
          </span>
        }
        actions={
          canEdit ? (
            <Button size="sm" onClick={onOpen} data-testid="open-backfill">
              <HistoryIcon /> Backfill…
            </Button>
          ) : null
        }
      />
      <div className="p-4" data-testid="backfills">
        {backfills.isPending ? (
          <Skeleton className="h-20 w-full" />
        ) : backfills.error && !backfills.data ? (
          <ErrorState error={backfills.error} onRetry={() => void backfills.refetch()} className="py-6" />
        ) : items.length === 0 ? (
          <p className="text-sm text-slate-500">
            No backfills. A backfill runs the schedule for a past date range: one run per interval, a few at a time, skipping what already succeeded.
          </p>
        ) : (
          <ul className="space-y-3">
            {items.map((b) => (
              <BackfillCard key={b.id} project={project} scheduleId={scheduleId} backfill={b} zone={zone} canCancel={canEdit} />
            ))}
          </ul>
        )}
      </div>
    </Card>
  );
}

function BackfillCard({ project, scheduleId, backfill: b, zone, canCancel }: { project: string; scheduleId: string; backfill: Backfill; zone: string; canCancel: boolean }) {
  const cancel = useCancelBackfill(project, scheduleId);
  const done = backfillDone(b.counts);
  const total = backfillTotal(b);
  const reprocess = REPROCESS_OPTIONS.find((o) => o.value === b.reprocess)?.label ?? b.reprocess;
  return (
    <li className="rounded-lg border border-slate-200 p-3.5" data-testid="backfill-card" data-state={b.state}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-slate-800">
            <span>
              {formatInZone(b.rangeStart, zone)} → {formatInZone(b.rangeEnd, zone)}
            </span>
            <span className={cn("inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-[11px] font-medium ring-1 ring-inset", STATE_STYLE[b.state])} data-testid="backfill-state">
              {b.state === "running" ? <span className="size-1.5 animate-pulse rounded-full bg-blue-500" /> : null}
              {b.state[0]!.toUpperCase() + b.state.slice(1)}
            </span>
          </p>
          <p className="mt-0.5 text-xs text-slate-500">
            {pluralize(total, "interval")} · {b.maxParallel} at a time · {reprocess} · by {b.createdBy ?? "unknown"} <RelativeTime iso={b.createdAt} />
            {b.finishedAt ? (
              <>
                {" "}
                · finished <RelativeTime iso={b.finishedAt} />
              </>
            ) : null}
          </p>
        </div>
        {b.state === "running" && canCancel ? (
          <Button size="sm" variant="danger-outline" disabled={cancel.isPending} onClick={() => cancel.mutate(b.id)} data-testid="cancel-backfill">
            {cancel.isPending ? <Spinner className="size-3" /> : <StopIcon />} Cancel
          </Button>
        ) : null}
      </div>
      <BackfillProgress backfill={b} />
      <p className="mt-1.5 flex flex-wrap gap-x-3 gap-y-1 text-xs text-slate-600" data-testid="backfill-progress">
        <span className="font-medium text-slate-800 tabular-nums">
          {done}/{total} done
        </span>
        {BACKFILL_SEGMENTS.filter((s) => (b.counts[s.key] ?? 0) > 0).map((s) => (
          <span key={s.key} className="inline-flex items-center gap-1 tabular-nums" data-count={s.key}>
            <span className={cn("size-2 rounded-sm", s.className)} /> {b.counts[s.key]} {s.label}
          </span>
        ))}
      </p>
      {cancel.error ? <ErrorMessage error={cancel.error} className="mt-2" /> : null}
    </li>
  );
}

/** One bar, a segment per outcome (succeeded, failed, running, waiting, skipped, cancelled). */
export function BackfillProgress({ backfill: b }: { backfill: Pick<Backfill, "counts" | "total"> }) {
  const all = backfillTotal(b);
  const total = Math.max(1, all);
  const done = backfillDone(b.counts);
  return (
    <div
      role="progressbar"
      aria-label="Backfill progress"
      aria-valuemin={0}
      aria-valuemax={all}
      aria-valuenow={done}
      className="mt-2.5 flex h-2 w-full overflow-hidden rounded-full bg-slate-100 ring-1 ring-slate-200/70 ring-inset"
    >
      {BACKFILL_SEGMENTS.map((s) => {
        const n = b.counts[s.key] ?? 0;
        return n > 0 ? <div key={s.key} title={`${n} ${s.label}`} className={cn("h-full transition-[width] duration-500", s.className)} style={{ width: `${(n / total) * 100}%` }} /> : null;
      })}
    </div>
  );
}

// ---------------------------------------------------------------- the dialog

const today = () => new Date().toISOString().slice(0, 10);

export function BackfillDialog({ project, scheduleId, zone, open, onClose }: { project: string; scheduleId: string; zone: string; open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} onClose={onClose} title="Backfill" description={`Run the schedule for past intervals. Dates are days in ${zone}.`} className="max-w-2xl!">
      <BackfillForm project={project} scheduleId={scheduleId} zone={zone} onClose={onClose} />
    </Dialog>
  );
}

function BackfillForm({ project, scheduleId, zone, onClose }: { project: string; scheduleId: string; zone: string; onClose: () => void }) {
  const id = useId();
  const yesterday = addDays(isoToWallTime(new Date().toISOString(), zone).slice(0, 10) || today(), -1);
  const [first, setFirst] = useState(addDays(yesterday, -6));
  const [last, setLast] = useState(yesterday);
  const [parallel, setParallel] = useState("2");
  const [reprocess, setReprocess] = useState<ReprocessPolicy>("skip-succeeded");
  const preview = useCreateBackfill(project, scheduleId);
  const start = useCreateBackfill(project, scheduleId);

  const range = first && last ? dayRange(first, last, zone) : null;
  const n = Number(parallel);
  const parallelError = !Number.isInteger(n) || n < 1 || n > 50 ? "A whole number from 1 to 50." : undefined;
  const rangeError = first && last && !range ? "The last day must not be before the first." : undefined;
  // The preview belongs to the inputs it was made for; changing one asks again.
  const key = JSON.stringify({ range, reprocess });
  const [previewFor, setPreviewFor] = useState<string | null>(null);
  const current = previewFor === key && preview.data ? preview.data : null;

  const apiIssues = (err: unknown) => (err instanceof ApiError ? err.issues : []);
  const issueFor = (err: unknown, path: string) => apiIssues(err).find((i) => i.path === path)?.message;
  const err = start.error ?? (previewFor === key ? preview.error : null);
  const fromError = issueFor(err, "from");
  const toError = issueFor(err, "to");
  const parallelApiError = issueFor(err, "maxParallel");

  const doPreview = () => {
    if (!range || parallelError) return;
    setPreviewFor(key);
    preview.mutate({ from: range.from, to: range.to, reprocess, maxParallel: n, dryRun: true });
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!range || parallelError) return;
    if (!current) {
      doPreview();
      return;
    }
    start.mutate({ from: range.from, to: range.to, reprocess, maxParallel: n }, { onSuccess: () => onClose() });
  };

  const toRun = current?.intervals.filter((i) => i.action === "run").length ?? 0;
  const skipped = (current?.intervals.length ?? 0) - toRun;
  const reprocessHelp = REPROCESS_OPTIONS.find((o) => o.value === reprocess)?.help;

  return (
    <form onSubmit={submit} noValidate aria-label="Backfill" className="space-y-4">
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="First day" htmlFor={`${id}-from`} error={fromError ?? rangeError}>
          <input
            id={`${id}-from`}
            type="date"
            value={first}
            max={last || undefined}
            onChange={(e) => setFirst(e.target.value)}
            className={cn(fieldClass, (fromError || rangeError) && invalidFieldClass)}
          />
        </Field>
        <Field label="Last day (inclusive)" htmlFor={`${id}-to`} error={toError}>
          <input id={`${id}-to`} type="date" value={last} min={first || undefined} onChange={(e) => setLast(e.target.value)} className={cn(fieldClass, toError && invalidFieldClass)} />
        </Field>
      </div>
      <p className="-mt-2 text-xs text-slate-500">
        {range ? (
          <>
            Every fire time from <span className="font-medium text-slate-700">{formatInZone(range.from, zone)}</span> up to (not including){" "}
            <span className="font-medium text-slate-700">{formatInZone(range.to, zone)}</span> gets one run.
          </>
        ) : (
          "Choose the days to backfill."
        )}
      </p>
      <div className="grid gap-3 sm:grid-cols-[8rem_minmax(0,1fr)]">
        <Field label="Parallel runs" htmlFor={`${id}-parallel`} error={parallelError ?? parallelApiError}>
          <input
            id={`${id}-parallel`}
            type="number"
            min={1}
            max={50}
            value={parallel}
            onChange={(e) => setParallel(e.target.value)}
            className={cn(fieldClass, (parallelError || parallelApiError) && invalidFieldClass)}
          />
        </Field>
        <Field label="Intervals that already ran" htmlFor={`${id}-reprocess`} hint={reprocessHelp}>
          <select id={`${id}-reprocess`} value={reprocess} onChange={(e) => setReprocess(e.target.value as ReprocessPolicy)} className={fieldClass}>
            {REPROCESS_OPTIONS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </Field>
      </div>

      {err && !fromError && !toError && !parallelApiError ? <ErrorMessage error={err} /> : null}

      {current ? (
        <section aria-label="Intervals" className="rounded-lg border border-slate-200">
          <p className="border-b border-slate-100 bg-slate-50/80 px-3 py-2 text-sm text-slate-700" data-testid="backfill-preview-count">
            <span className="font-semibold text-slate-900">{pluralize(current.intervals.length, "interval")}</span>: {toRun} to run
            {skipped > 0 ? `, ${skipped} skipped` : ""}
            {toRun > 0 ? `, ${Math.min(n, toRun)} at a time` : ""}
          </p>
          {current.intervals.length === 0 ? (
            <p className="px-3 py-4 text-sm text-slate-500">The schedule has no fire time in this range.</p>
          ) : (
            <ul className="max-h-64 divide-y divide-slate-100 overflow-y-auto text-sm" data-testid="backfill-intervals">
              {current.intervals.map((i) => (
                <IntervalRow key={i.logicalTime} interval={i} zone={zone} />
              ))}
            </ul>
          )}
        </section>
      ) : (
        <p className="rounded-lg border border-dashed border-slate-300 px-3 py-3 text-center text-sm text-slate-500">Preview the intervals before starting: nothing runs until you do.</p>
      )}

      <div className="sticky bottom-0 -mx-5 -mb-4 flex flex-wrap items-center justify-end gap-2 border-t border-slate-200 bg-slate-50/95 px-5 py-3">
        <Button variant="ghost" onClick={onClose} disabled={start.isPending}>
          Cancel
        </Button>
        <Button onClick={doPreview} disabled={!range || !!parallelError || preview.isPending} data-testid="preview-backfill">
          {preview.isPending ? <Spinner className="size-3.5" /> : null} Preview
        </Button>
        <Button type="submit" variant="primary" disabled={!current || toRun === 0 || start.isPending || !!parallelError} data-testid="start-backfill">
          {start.isPending ? <Spinner className="size-3.5" /> : <PlayIcon />} Start backfill
        </Button>
      </div>
    </form>
  );
}

function IntervalRow({ interval: i, zone }: { interval: BackfillInterval; zone: string }) {
  return (
    <li className="flex items-center gap-3 px-3 py-1.5" data-testid="backfill-interval" data-action={i.action}>
      <span
        className={cn(
          "w-10 shrink-0 rounded px-1.5 py-px text-center text-[11px] font-semibold uppercase",
          i.action === "run" ? "bg-indigo-50 text-indigo-700" : "bg-slate-100 text-slate-500",
        )}
      >
        {i.action}
      </span>
      <time dateTime={i.logicalTime} className="shrink-0 font-mono text-[12.5px] text-slate-800">
        {formatInZone(i.logicalTime, zone)}
      </time>
      <span className="min-w-0 truncate text-xs text-slate-500" title={i.reason ?? undefined}>
        {i.reason ?? ""}
      </span>
    </li>
  );
}
