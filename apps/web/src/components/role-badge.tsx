import type { ProjectRole } from "@/lib/api-types";
import { ROLE_LABELS } from "@/lib/auth";
import { cn } from "@/lib/cn";

const TONES: Record<ProjectRole, string> = {
  viewer: "bg-slate-100 text-slate-600 ring-slate-200",
  editor: "bg-sky-50 text-sky-700 ring-sky-200",
  admin: "bg-indigo-50 text-indigo-700 ring-indigo-200",
};

/** The caller's role on a project, as a small pill. */
export function RoleBadge({ role, className }: { role: ProjectRole; className?: string }) {
  return (
    <span
      data-testid="role-badge"
      data-role={role}
      className={cn("inline-flex shrink-0 items-center rounded-full px-1.5 py-px text-[11px] font-medium ring-1 ring-inset", TONES[role], className)}
    >
      {ROLE_LABELS[role] ?? role}
    </span>
  );
}
