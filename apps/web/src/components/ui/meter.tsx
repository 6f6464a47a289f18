import { cn } from "@/lib/cn";

export type MeterTone = "indigo" | "emerald" | "amber" | "red";

const FILL: Record<MeterTone, string> = {
  indigo: "bg-indigo-500",
  emerald: "bg-emerald-500",
  amber: "bg-amber-500",
  red: "bg-red-500",
};

/** Tone of a usage share: amber from 85 %, red when full (unless the caller knows better). */
export function usageTone(fraction: number, base: MeterTone = "indigo"): MeterTone {
  if (fraction >= 0.999) return "red";
  if (fraction >= 0.85) return "amber";
  return base;
}

/**
 * A thin horizontal bar: `fraction` (0–1) of the track filled. `label` names it for screen
 * readers (the numbers are written next to it for everyone else).
 */
export function Meter({
  fraction,
  tone = "indigo",
  label,
  className,
  testId,
}: {
  fraction: number;
  tone?: MeterTone;
  label: string;
  className?: string;
  testId?: string;
}) {
  const pct = Math.round(Math.max(0, Math.min(1, fraction)) * 1000) / 10;
  return (
    <div
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      className={cn("h-1.5 w-full overflow-hidden rounded-full bg-slate-100 ring-1 ring-slate-200/70 ring-inset", className)}
      data-testid={testId}
      data-tone={tone}
    >
      <div className={cn("h-full rounded-full transition-[width] duration-500", FILL[tone])} style={{ width: `${pct}%` }} />
    </div>
  );
}
