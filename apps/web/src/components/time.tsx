"use client";

import { durationBetween, formatDateTime, formatDuration, formatRelative } from "@/lib/format";
import { useNow } from "@/lib/use-now";

/** "3 min ago" with the absolute time on hover; refreshes itself every 30 s. */
export function RelativeTime({ iso, className }: { iso: string | null | undefined; className?: string }) {
  const now = useNow(30_000, !!iso);
  if (!iso) return <span className={className}>—</span>;
  return (
    <time dateTime={iso} title={formatDateTime(iso)} className={className}>
      {formatRelative(iso, now)}
    </time>
  );
}

/** Elapsed time between two timestamps; ticks every second while the interval is still open. */
export function LiveDuration({
  start,
  end,
  className,
}: {
  start: string | null;
  end: string | null;
  className?: string;
}) {
  const ticking = !!start && !end;
  const now = useNow(1000, ticking);
  return <span className={className ?? "tabular-nums"}>{formatDuration(durationBetween(start, end, now))}</span>;
}
