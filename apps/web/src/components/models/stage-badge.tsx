import type { ModelStage } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { stageStyle } from "@/lib/models";

/** A version's stage: None, Staging, Production or Archived. */
export function StageBadge({ stage, size = "md", className, testId }: { stage: ModelStage; size?: "sm" | "md"; className?: string; testId?: string }) {
  const s = stageStyle(stage);
  return (
    <span
      data-stage={stage}
      data-testid={testId}
      className={cn(
        "inline-flex items-center gap-1.5 rounded-full font-medium whitespace-nowrap ring-1 ring-inset",
        size === "sm" ? "px-2 py-0.5 text-[11px]" : "px-2.5 py-0.5 text-xs",
        s.badge,
        className,
      )}
    >
      <span className={cn("size-1.5 rounded-full", s.dot)} aria-hidden="true" />
      {s.label}
    </span>
  );
}

/** An alias of a version, as a chip: @champion. */
export function AliasChip({ alias, className }: { alias: string; className?: string }) {
  return (
    <span
      data-testid="alias-chip"
      className={cn("inline-flex items-center rounded-md bg-violet-50 px-1.5 py-px font-mono text-[11px] font-medium text-violet-700 ring-1 ring-violet-200 ring-inset", className)}
    >
      @{alias}
    </span>
  );
}

/** "v3" in the mono pill the pipeline page uses for versions. */
export function VersionPill({ version, className }: { version: number; className?: string }) {
  return <span className={cn("rounded-md bg-slate-100 px-1.5 py-px font-mono text-xs font-medium text-slate-700", className)}>v{version}</span>;
}
