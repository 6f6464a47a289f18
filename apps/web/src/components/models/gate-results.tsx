import type { GateResult } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatNumber } from "@/lib/format";
import { formatDelta } from "@/lib/models";
import { CheckIcon, XIcon } from "../ui/icons";

/** The part of a gate's message after "GATE: " (the gate is shown next to it already). */
function detail(r: GateResult): string {
  const prefix = `${r.gate}: `;
  return r.message.startsWith(prefix) ? r.message.slice(prefix.length) : r.message;
}

/** Gate results: pass/fail, the values compared and, for a failure, by how much. */
export function GateResults({ results, compact = false, testId }: { results: GateResult[]; compact?: boolean; testId?: string }) {
  return (
    <ul className={cn("divide-y divide-slate-100 overflow-hidden rounded-lg ring-1 ring-slate-200", compact && "text-xs")} data-testid={testId}>
      {results.map((r, i) => (
        <li
          key={`${i}:${r.gate}`}
          data-testid="gate-result"
          data-passed={r.passed}
          className={cn("flex items-start gap-2.5 px-3", compact ? "py-1.5" : "py-2", r.passed ? "bg-white" : "bg-red-50/60")}
        >
          <span
            className={cn(
              "mt-0.5 flex size-4 shrink-0 items-center justify-center rounded-full text-[10px] text-white",
              r.passed ? "bg-emerald-500" : "bg-red-500",
            )}
            aria-label={r.passed ? "passed" : "failed"}
            role="img"
          >
            {r.passed ? <CheckIcon strokeWidth={3} /> : <XIcon strokeWidth={3} />}
          </span>
          <span className="min-w-0 flex-1">
            <span className="flex flex-wrap items-baseline justify-between gap-x-3">
              <code className={cn("font-mono font-medium text-slate-800", compact ? "text-[11.5px]" : "text-[12.5px]")}>{r.gate}</code>
              {r.left !== null && r.right !== null ? (
                <span className="font-mono text-[11px] text-slate-500 tabular-nums">
                  {formatNumber(r.left)} vs {formatNumber(r.right)}
                  {!r.passed ? <span className="ml-1.5 font-semibold text-red-600">{formatDelta(r.left - r.right)}</span> : null}
                </span>
              ) : null}
            </span>
            <span className={cn("block break-words", compact ? "text-[11px]" : "text-xs", r.passed ? "text-slate-500" : "font-medium text-red-700")}>{detail(r)}</span>
          </span>
        </li>
      ))}
    </ul>
  );
}
