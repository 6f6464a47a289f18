"use client";

import type { ScheduledRunState, Schedule } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatInZone, triggerZone } from "@/lib/schedules";
import { formatRelative } from "@/lib/format";
import { useNow } from "@/lib/use-now";
import { ClockIcon, PauseIcon } from "../ui/icons";

/** "latest" (each run uses the newest version) or "v3 pinned". */
export function VersionBadge({ version, latest, className }: { version: number | null; latest?: number; className?: string }) {
  if (version === null) {
    return (
      <span
        data-testid="version-badge"
        data-version="latest"
        title={`Each run uses the newest version of the pipeline${latest ? ` (currently v${latest})` : ""}.`}
        className={cn("inline-flex items-center rounded-md bg-violet-50 px-1.5 py-px text-[11px] font-semibold text-violet-700 ring-1 ring-violet-200 ring-inset", className)}
      >
        latest
      </span>
    );
  }
  return (
    <span
      data-testid="version-badge"
      data-version={version}
      title={`Every run uses version ${version}, even after newer versions are pushed.`}
      className={cn("inline-flex items-center gap-1 rounded-md bg-slate-100 px-1.5 py-px text-[11px] font-medium text-slate-700 ring-1 ring-slate-200 ring-inset", className)}
    >
      <span className="font-mono">v{version}</span>
      <span className="text-slate-500">pinned</span>
    </span>
  );
}

export function PausedBadge({ className }: { className?: string }) {
  return (
    <span
      data-testid="paused-badge"
      className={cn("inline-flex items-center gap-1 rounded-full bg-amber-50 px-2 py-0.5 text-[11px] font-medium text-amber-800 ring-1 ring-amber-200 ring-inset", className)}
    >
      <PauseIcon className="text-[10px]" /> Paused
    </span>
  );
}

export function ActiveBadge({ className }: { className?: string }) {
  return (
    <span className={cn("inline-flex items-center gap-1.5 rounded-full bg-emerald-50 px-2 py-0.5 text-[11px] font-medium text-emerald-700 ring-1 ring-emerald-200 ring-inset", className)}>
      <span className="size-1.5 rounded-full bg-emerald-500" /> Active
    </span>
  );
}

const STATE_STYLE: Record<ScheduledRunState, { label: string; className: string }> = {
  starting: { label: "Starting", className: "bg-blue-50 text-blue-700 ring-blue-200" },
  started: { label: "Started", className: "bg-indigo-50 text-indigo-700 ring-indigo-200" },
  waiting: { label: "Waiting", className: "bg-slate-100 text-slate-700 ring-slate-300" },
  skipped: { label: "Skipped", className: "bg-slate-50 text-slate-500 ring-slate-200" },
  cancelled: { label: "Cancelled", className: "bg-amber-50 text-amber-800 ring-amber-200" },
  failed: { label: "Not started", className: "bg-red-50 text-red-700 ring-red-200" },
};

export function ScheduledRunStateBadge({ state }: { state: ScheduledRunState }) {
  const s = STATE_STYLE[state] ?? { label: state, className: "bg-slate-100 text-slate-600 ring-slate-200" };
  return (
    <span data-state={state} className={cn("inline-flex items-center rounded-full px-2 py-0.5 text-[11px] font-medium whitespace-nowrap ring-1 ring-inset", s.className)}>
      {s.label}
    </span>
  );
}

/** "in 3 min" over "Mon 30 Mar 2026, 02:00 CEST" (in the schedule's zone). */
export function NextFire({ schedule, compact }: { schedule: Pick<Schedule, "nextFireTimes" | "trigger" | "paused" | "endAt">; compact?: boolean }) {
  const next = schedule.nextFireTimes[0] ?? null;
  const now = useNow(15_000, !!next);
  if (!next) {
    return <span className="text-xs text-slate-400">{schedule.paused ? "Paused" : schedule.endAt && Date.parse(schedule.endAt) <= now ? "Ended" : "—"}</span>;
  }
  const abs = formatInZone(next, triggerZone(schedule.trigger));
  return (
    <span className={cn("flex min-w-0 flex-col", schedule.paused && "opacity-60")} data-testid="next-fire">
      <span className="flex items-center gap-1 text-sm text-slate-800">
        <ClockIcon className="shrink-0 text-slate-400" />
        <time dateTime={next}>{formatRelative(next, now)}</time>
        {schedule.paused ? <span className="text-xs text-amber-700">(paused)</span> : null}
      </span>
      {compact ? null : <span className="truncate text-xs text-slate-500">{abs}</span>}
    </span>
  );
}
