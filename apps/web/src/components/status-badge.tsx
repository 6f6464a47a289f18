import type { RunStatus, StepStatus } from "@/lib/api-types";
import { STEP_STATUSES } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { statusStyle } from "@/lib/status";

export function StatusDot({ status, className }: { status: RunStatus | StepStatus; className?: string }) {
  const s = statusStyle(status);
  return (
    <span className={cn("relative inline-flex size-2 shrink-0", className)} aria-hidden="true">
      {status === "running" ? (
        <span className={cn("absolute inline-flex size-full animate-ping rounded-full opacity-60", s.dot)} />
      ) : null}
      <span className={cn("relative inline-flex size-2 rounded-full", s.dot)} />
    </span>
  );
}

export function StatusBadge({
  status,
  className,
  size = "md",
  testId,
}: {
  status: RunStatus | StepStatus;
  className?: string;
  size?: "sm" | "md";
  testId?: string;
}) {
  const s = statusStyle(status);
  return (
    <span
      data-status={status}
      data-testid={testId}
      className={cn(
        "inline-flex items-center gap-1.5 rounded-full font-medium whitespace-nowrap ring-1 ring-inset",
        size === "sm" ? "px-2 py-0.5 text-[11px]" : "px-2.5 py-0.5 text-xs",
        s.badge,
        className,
      )}
    >
      <StatusDot status={status} />
      {s.label}
    </span>
  );
}

/** Segmented bar of step statuses for a run (succeeded | running | failed | …). */
export function StepCountsBar({
  counts,
  className,
}: {
  counts: Partial<Record<StepStatus, number>>;
  className?: string;
}) {
  const entries = STEP_STATUSES.map((st) => [st, counts[st] ?? 0] as const).filter(([, n]) => n > 0);
  const total = entries.reduce((a, [, n]) => a + n, 0);
  const done = (counts.succeeded ?? 0) + (counts.skipped ?? 0);
  const title = entries.map(([st, n]) => `${n} ${st}`).join(", ");
  if (total === 0) return <span className="text-xs text-slate-400">—</span>;
  return (
    <div className={cn("flex items-center gap-2", className)} title={title}>
      <div className="flex h-1.5 w-20 overflow-hidden rounded-full bg-slate-100">
        {entries.map(([st, n]) => (
          <div key={st} style={{ width: `${(n / total) * 100}%`, backgroundColor: statusStyle(st).color }} />
        ))}
      </div>
      <span className="text-xs text-slate-500 tabular-nums">
        {done}/{total}
      </span>
    </div>
  );
}
